// checks::attachments rules: real types, Windows names and extensions, and check() on parsed
// messages (extensions, double extensions, executable content, zip members, encrypted zips,
// the parser's limits).
#include "checks/attachments/rules.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "checks/attachments/parser.hpp"
#include "checks/attachments/real_type.hpp"
#include "checks/attachments/removal.hpp"
#include "core/text.hpp"
#include "zip_writer.hpp"

namespace portcullis::checks::attachments {
namespace {

using test::base64;
using test::make_zip;

std::string pe_header() {
  std::string h = "MZ";
  h.resize(0x40, '\0');
  h[0x3C] = '\x80';
  h.resize(0x80, '\0');
  h += std::string("PE\0\0", 4);
  return h;
}

TEST(RealType, MagicNumbers) {
  EXPECT_EQ(real_type(pe_header()), "exe");
  EXPECT_EQ(real_type("MZ"), "exe");  // too short to tell: assume the worst
  EXPECT_EQ(real_type("MZ-3 owners' manual: " + std::string(100, 'x')), "");  // text
  EXPECT_EQ(real_type(std::string("\x7F" "ELF\x02\x01", 6)), "elf");
  EXPECT_EQ(real_type(std::string("\xCF\xFA\xED\xFE", 4)), "macho");
  EXPECT_EQ(real_type(std::string("\xCA\xFE\xBA\xBE\0\0\0\x02", 8)), "macho");
  EXPECT_EQ(real_type(std::string("\xCA\xFE\xBA\xBE\0\0\0\x34", 8)), "");  // a Java class
  EXPECT_EQ(real_type(std::string("L\0\0\0\x01\x14\x02\0", 8)), "lnk");
  EXPECT_EQ(real_type("#!/bin/sh\n"), "script");
  EXPECT_EQ(real_type(std::string("PK\x03\x04", 4)), "zip");
  EXPECT_EQ(real_type("Rar!\x1A\x07\x01"), "rar");
  EXPECT_EQ(real_type(std::string("7z\xBC\xAF\x27\x1C", 6)), "7z");
  EXPECT_EQ(real_type(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8)), "ole");
  EXPECT_EQ(real_type(std::string("\x78\x9F\x3E\x22", 4)), "tnef");
  EXPECT_EQ(real_type("%PDF-1.7"), "pdf");
  EXPECT_EQ(real_type("\x89PNG\r\n\x1A\n"), "png");
  EXPECT_EQ(real_type(std::string(257, 'a') + "ustar"), "tar");
  EXPECT_EQ(real_type(""), "");
  EXPECT_EQ(real_type("Hello"), "");
  EXPECT_TRUE(executable_type("exe"));
  EXPECT_TRUE(executable_type("lnk"));
  EXPECT_FALSE(executable_type("script"));
  EXPECT_FALSE(executable_type("zip"));
}

TEST(Names, WindowsNamesAndExtensions) {
  EXPECT_EQ(windows_name("C:\\Users\\x\\Invoice.PDF.exe. . "), "invoice.pdf.exe");
  EXPECT_EQ(windows_name("../../etc/passwd"), "passwd");
  EXPECT_EQ(extensions("Invoice.PDF.exe"), (std::vector<std::string>{"exe", "pdf"}));
  EXPECT_EQ(extensions("invoice.pdf      .exe"), (std::vector<std::string>{"exe", "pdf"}));
  EXPECT_EQ(extensions("archive.tar.gz"), (std::vector<std::string>{"gz", "tar"}));
  EXPECT_EQ(extensions(".exe"), (std::vector<std::string>{"exe"}));
  EXPECT_TRUE(extensions("README").empty());
  EXPECT_TRUE(extensions("dir/").empty());
  EXPECT_TRUE(extensions("trailing.").empty());
}

TEST(Rules, DefaultList) {
  const Rules r = default_rules();
  for (const char* ext : {"exe", "scr", "js", "vbs", "hta", "msi", "jar", "ps1", "lnk", "iso", "img", "vhd"})
    EXPECT_NE(std::find(r.blocked_extensions.begin(), r.blocked_extensions.end(), ext), r.blocked_extensions.end())
        << ext;
  for (const char* ext : {"pdf", "docx", "zip", "txt", "jpg"})
    EXPECT_EQ(std::find(r.blocked_extensions.begin(), r.blocked_extensions.end(), ext), r.blocked_extensions.end())
        << ext;
  EXPECT_TRUE(r.block_double_extensions && r.block_executables_by_type && r.scan_archives &&
              r.block_encrypted_archives && r.block_unchecked);
}

// A multipart/mixed message with one attachment per entry: {name, base64 content}.
std::string message(const std::vector<std::pair<std::string, std::string>>& attachments) {
  std::string msg = "From: a@example.com\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
                    "Content-Type: text/plain\r\n\r\nsee attached\r\n";
  for (const auto& [name, content] : attachments) {
    msg += "--b\r\nContent-Type: application/octet-stream";
    if (!name.empty()) msg += "; name=\"" + name + "\"";
    msg += "\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64(content) + "\r\n";
  }
  msg += "--b--\r\n";
  return msg;
}

std::vector<Finding> findings(const std::string& msg, const Rules& rules = default_rules()) {
  mail::MimeParser parser = make_parser();
  parser.feed(msg);
  parser.finish();
  return check(parser, rules);
}

TEST(Check, CleanMessage) {
  EXPECT_TRUE(findings(message({{"report.pdf", "%PDF-1.4"}, {"photo.jpg", "\xFF\xD8\xFF"}})).empty());
  EXPECT_TRUE(findings(message({{"data.zip", make_zip({{"a.txt", "1"}, {"b/c.docx", "PK"}})}})).empty());
}

TEST(Check, BlockedExtension) {
  const auto f = findings(message({{"ok.txt", "x"}, {"Setup.EXE", "not really"}}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].part, 3u);
  EXPECT_EQ(f[0].filename, "Setup.EXE");
  EXPECT_EQ(f[0].reason, "extension .exe");
  EXPECT_EQ(f[0].symbol, "ATTACHMENT_EXT");
  // Trailing dots, a control octet, a path: all seen through.
  EXPECT_EQ(findings(message({{"a.js.", "x"}}))[0].reason, "extension .js");
  EXPECT_EQ(findings(message({{"C:\\tmp\\a.vbs", "x"}}))[0].reason, "extension .vbs");
  const std::string nul_name = "=?UTF-8?Q?run.hta=00.txt?=";
  EXPECT_EQ(findings(message({{nul_name, "x"}}))[0].reason, "extension .hta");
}

TEST(Check, DoubleExtension) {
  const auto f = findings(message({{"invoice.pdf.exe", "x"}}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].symbol, "ATTACHMENT_DOUBLE_EXT");
  EXPECT_EQ(f[0].reason, "double extension .pdf.exe");
  EXPECT_EQ(findings(message({{"scan.jpg     .scr", "x"}}))[0].reason, "double extension .jpg.scr");
  // Not a decoy before it: a plain blocked extension.
  EXPECT_EQ(findings(message({{"v1.2.exe", "x"}}))[0].symbol, "ATTACHMENT_EXT");
  // With the switch off, the extension still blocks.
  Rules r = default_rules();
  r.block_double_extensions = false;
  EXPECT_EQ(findings(message({{"invoice.pdf.exe", "x"}}), r)[0].symbol, "ATTACHMENT_EXT");
  // A decoy + a default-dangerous extension blocks even when the admin's list lacks it.
  r = default_rules();
  r.blocked_extensions = {"xyz"};
  EXPECT_EQ(findings(message({{"invoice.pdf.exe", "x"}}), r)[0].symbol, "ATTACHMENT_DOUBLE_EXT");
  EXPECT_TRUE(findings(message({{"setup.exe", "x"}}), r).empty());
}

TEST(Check, ExecutableContentWhateverTheName) {
  for (const std::string& name : {std::string("holiday.jpg"), std::string("")}) {
    const auto f = findings(message({{name, pe_header()}}));
    ASSERT_EQ(f.size(), 1u) << name;
    EXPECT_EQ(f[0].symbol, "ATTACHMENT_TYPE");
    EXPECT_EQ(f[0].reason, "executable content (exe)");
    EXPECT_EQ(f[0].filename, name);
  }
  Rules r = default_rules();
  r.block_executables_by_type = false;
  EXPECT_TRUE(findings(message({{"holiday.jpg", pe_header()}}), r).empty());
  // Both an extension and the content: two findings on the same part.
  EXPECT_EQ(findings(message({{"a.exe", pe_header()}})).size(), 2u);
}

TEST(Check, ZipMembers) {
  const std::string zip = make_zip({{"readme.txt", "x"}, {"docs/Scan_0042.pdf.js", "alert(1)"}});
  const auto f = findings(message({{"scans.zip", zip}}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].symbol, "ATTACHMENT_ZIP");
  EXPECT_EQ(f[0].reason, "zip member docs/Scan_0042.pdf.js");
  EXPECT_EQ(f[0].filename, "scans.zip");
  // Nested stored zip.
  const std::string outer = make_zip({{"inner.zip", make_zip({{"run.bat", "@echo"}})}});
  EXPECT_EQ(findings(message({{"outer.zip", outer}}))[0].reason, "zip member inner.zip/run.bat");
  // A zip whatever it is called.
  EXPECT_EQ(findings(message({{"report.pdf", zip}}))[0].symbol, "ATTACHMENT_ZIP");
  Rules r = default_rules();
  r.scan_archives = false;
  EXPECT_TRUE(findings(message({{"scans.zip", zip}}), r).empty());
}

TEST(Check, EncryptedZip) {
  test::ZipEntry e{"contract.docx", "...."};
  e.encrypted = true;
  const std::string zip = make_zip({e});
  const auto f = findings(message({{"contract.zip", zip}}));
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].symbol, "ATTACHMENT_ZIP_ENCRYPTED");
  EXPECT_EQ(f[0].reason, "encrypted archive");
  Rules r = default_rules();
  r.block_encrypted_archives = false;
  EXPECT_TRUE(findings(message({{"contract.zip", zip}}), r).empty());
}

TEST(Check, ParserLimitsBlockTheMessage) {
  std::string msg;
  for (int i = 0; i < 50; ++i)
    msg += "Content-Type: multipart/mixed; boundary=n" + std::to_string(i) + "x\r\n\r\n--n" + std::to_string(i) + "x\r\n";
  msg += "Content-Type: text/plain\r\n\r\nhidden\r\n";
  const auto f = findings(msg);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].part, 0u);
  EXPECT_EQ(f[0].symbol, "ATTACHMENT_LIMITS");
  Rules r = default_rules();
  r.block_unchecked = false;
  EXPECT_TRUE(findings(msg, r).empty());
}

TEST(Check, NamesInsideForwardedAndEncodedMessages) {
  const std::string inner = "Subject: fwd\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\n"
                            "Content-Type: application/octet-stream; name=\"tool.scr\"\r\n\r\nx\r\n--i--\r\n";
  const std::string msg = "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
                          "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
                          base64(inner) + "\r\n--o--\r\n";
  const auto f = findings(msg);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].filename, "tool.scr");
  EXPECT_EQ(f[0].part, 3u);
}

}  // namespace
}  // namespace portcullis::checks::attachments

namespace portcullis::checks::attachments {
namespace {

// The fuzz seeds are real-world structures: what the rules find in each of them.
TEST(Check, FuzzSeedMessages) {
  struct Expected {
    const char* file;
    std::vector<std::string> findings;  // "part symbol"
    bool removable;
  };
  const std::vector<Expected> table = {
      {"alternative_in_mixed.eml", {}, true},
      {"bare_lf_mbox.eml", {}, true},
      {"boundary_spaces_quotes.eml", {}, true},
      {"deeply_nested.eml", {"0 ATTACHMENT_LIMITS"}, false},
      {"digest.eml", {"4 ATTACHMENT_EXT"}, true},
      {"eml_octet_stream.eml", {"2 ATTACHMENT_EXT"}, true},
      {"encoded_rfc822.eml", {"2 ATTACHMENT_EXT", "2 ATTACHMENT_TYPE"}, true},
      {"forwarded_rfc822.eml", {"5 ATTACHMENT_DOUBLE_EXT", "5 ATTACHMENT_TYPE"}, true},
      {"headers_no_blank.eml", {"4 ATTACHMENT_EXT"}, true},
      {"missing_final_boundary.eml", {}, true},
      {"mixed_attachment.eml", {}, true},
      {"no_mime.eml", {}, true},
      {"preamble_epilogue.eml", {}, true},
      {"qp_edge.eml", {}, true},
      {"rfc2047_names.eml", {"2 ATTACHMENT_EXT"}, true},
      {"rfc2231_continuations.eml", {}, true},
      {"single_part_exe.eml", {"0 ATTACHMENT_EXT", "0 ATTACHMENT_TYPE"}, false},
      {"winmail_tnef.eml", {}, true},
      {"zip_attachment.eml", {"2 ATTACHMENT_ZIP"}, true},
  };
  for (const Expected& e : table) {
    SCOPED_TRACE(e.file);
    const auto text = core::read_file(std::string(PORTCULLIS_SOURCE_DIR) + "/tests/fuzz/corpus/fuzz_mime/" + e.file);
    ASSERT_TRUE(text.has_value());
    mail::MimeParser parser = make_parser();
    parser.feed(*text);
    parser.finish();
    const std::vector<Finding> found = check(parser, default_rules());
    std::vector<std::string> got;
    for (const Finding& f : found) got.push_back(std::to_string(f.part) + " " + f.symbol);
    EXPECT_EQ(got, e.findings);
    EXPECT_EQ(removal_edits(parser.parts(), found).complete, e.removable);
  }
}

}  // namespace
}  // namespace portcullis::checks::attachments
