// checks::attachments::removal_edits / apply_edits: a blocked part is replaced in place by a
// text part, the message parses again with that part where the blocked one was and every
// other octet unchanged; parts that cannot be removed make the removal incomplete.
#include "checks/attachments/removal.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <vector>

#include "checks/attachments/parser.hpp"
#include "mail/mime_decode.hpp"
#include "zip_writer.hpp"

namespace portcullis::checks::attachments {
namespace {

using test::base64;

struct Parsed {
  std::vector<mail::MimePart> parts;
  std::vector<Finding> findings;
};

Parsed parse(std::string_view msg, std::size_t chunk = 0) {
  mail::MimeParser parser = make_parser();
  if (chunk == 0) chunk = msg.size() + 1;
  for (std::size_t at = 0; at < msg.size(); at += chunk) parser.feed(msg.substr(at, chunk));
  parser.finish();
  return {parser.parts(), check(parser, default_rules())};
}

std::string qp_decoded(std::string_view body) {
  mail::QuotedPrintableDecoder d;
  std::string out;
  d.decode(body, out);
  d.finish(out);
  return out;
}

// Applies the removal and checks: one edit per expected replaced part, everything outside the
// edits byte-identical, the new message parses with text parts in those places, the same
// number of parts otherwise, and nothing blocked any more. Returns the new message.
std::string remove_and_verify(const std::string& msg, const std::vector<std::size_t>& replaced,
                              std::string_view newline = "\r\n") {
  const Parsed before = parse(msg);
  const Removal r = removal_edits(before.parts, before.findings, newline);
  EXPECT_TRUE(r.complete);
  EXPECT_EQ(r.edits.size(), replaced.size());
  const std::string out = apply_edits(msg, r.edits);
  // Outside the edits, the octets are the same.
  std::size_t from = 0, to = 0;
  for (const Edit& e : r.edits) {
    EXPECT_EQ(out.substr(to, e.offset - from), msg.substr(from, e.offset - from));
    to += e.offset - from + e.replacement.size();
    from = e.offset + e.length;
  }
  EXPECT_EQ(out.substr(to), msg.substr(from));

  const Parsed after = parse(out);
  EXPECT_TRUE(after.findings.empty());
  std::size_t removed_inside = 0;  // parts that were inside the replaced ones
  for (const std::size_t idx : replaced)
    for (const auto& p : before.parts)
      for (std::size_t a = p.parent; a != mail::MimePart::npos; a = before.parts[a].parent)
        if (a == idx) {
          ++removed_inside;
          break;
        }
  EXPECT_EQ(after.parts.size(), before.parts.size() - removed_inside);
  std::ptrdiff_t shift = 0;  // what the earlier edits added
  for (std::size_t k = 0; k < r.edits.size() && k < replaced.size(); ++k) {
    // The replacement is a text part at the index of the part it replaced.
    const mail::MimePart& p = after.parts.at(replaced[k]);
    EXPECT_EQ(p.content_type, "text/plain");
    EXPECT_EQ(p.transfer_encoding, "quoted-printable");
    EXPECT_EQ(p.disposition, "inline");
    EXPECT_EQ(p.parent, before.parts[replaced[k]].parent);
    EXPECT_EQ(static_cast<std::ptrdiff_t>(p.offset), static_cast<std::ptrdiff_t>(before.parts[replaced[k]].offset) + shift);
    EXPECT_EQ(out.substr(p.offset, p.end - p.offset), r.edits[k].replacement);
    shift += static_cast<std::ptrdiff_t>(r.edits[k].replacement.size()) - static_cast<std::ptrdiff_t>(r.edits[k].length);
  }
  return out;
}

const std::string kMessage =
    "From: a@example.com\r\nTo: b@example.org\r\nSubject: files\r\nMIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"=_b\"\r\n\r\npreamble\r\n--=_b\r\n"
    "Content-Type: text/plain\r\n\r\nHello\r\n--=_b\r\n"
    "Content-Type: application/octet-stream; name=\"setup.exe\"\r\n"
    "Content-Disposition: attachment; filename=\"setup.exe\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n"
    "gAAAAA==\r\n--=_b\r\n"
    "Content-Type: application/pdf; name=\"report.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    "JVBERi0xLjQ=\r\n--=_b\r\n"
    "Content-Type: application/javascript; name=\"invoice.pdf.js\"\r\n\r\nalert(1)\r\n--=_b--\r\nepilogue\r\n";

TEST(Removal, OneBlockedPart) {
  const Parsed before = parse(kMessage);
  ASSERT_EQ(before.findings.size(), 3u);  // setup.exe (name, content), invoice.pdf.js
  const std::string out = remove_and_verify(kMessage, {2, 4});
  const Parsed after = parse(out);
  EXPECT_EQ(after.parts[2].head,
            "The attachment \"setup.exe\" was removed by the mail gateway's policy (extension .exe).");
  EXPECT_EQ(after.parts[4].head,
            "The attachment \"invoice.pdf.js\" was removed by the mail gateway's policy (double extension .pdf.js).");
  EXPECT_EQ(after.parts[3].filename, "report.pdf");
  EXPECT_NE(out.find("preamble"), std::string::npos);
  EXPECT_NE(out.find("epilogue"), std::string::npos);
}

TEST(Removal, ChunkedParsingGivesTheSameEdits) {
  const Parsed whole = parse(kMessage);
  const Parsed bytes = parse(kMessage, 1);
  const Removal a = removal_edits(whole.parts, whole.findings);
  const Removal b = removal_edits(bytes.parts, bytes.findings);
  ASSERT_EQ(a.edits.size(), b.edits.size());
  for (std::size_t k = 0; k < a.edits.size(); ++k) {
    EXPECT_EQ(a.edits[k].offset, b.edits[k].offset);
    EXPECT_EQ(a.edits[k].length, b.edits[k].length);
    EXPECT_EQ(a.edits[k].replacement, b.edits[k].replacement);
  }
}

TEST(Removal, InsideAForwardedMessageOnlyThatPartGoes) {
  const std::string msg =
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: text/plain\r\n\r\nfyi\r\n--o\r\n"
      "Content-Type: message/rfc822\r\n\r\nFrom: c@example.net\r\nSubject: orig\r\n"
      "Content-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain\r\n\r\noriginal\r\n--i\r\n"
      "Content-Type: application/octet-stream; name=\"a.scr\"\r\n\r\nxx\r\n--i--\r\n--o--\r\n";
  const std::string out = remove_and_verify(msg, {5});
  EXPECT_NE(out.find("Subject: orig"), std::string::npos);
  EXPECT_NE(out.find("original"), std::string::npos);
}

TEST(Removal, AForwardedMessageThatIsTheAttachmentGoesWhole) {
  const std::string msg =
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\nContent-Type: text/plain\r\n\r\nfyi\r\n--o\r\n"
      "Content-Type: message/rfc822\r\n\r\nSubject: orig\r\nContent-Type: application/x-msdownload; name=t.exe\r\n\r\n"
      "MZ\r\n--o--\r\n";
  const Parsed before = parse(msg);
  ASSERT_EQ(before.parts.size(), 4u);
  const std::string out = remove_and_verify(msg, {2});
  EXPECT_EQ(out.find("Subject: orig"), std::string::npos);
}

TEST(Removal, EncodedMessagesGoWhole) {
  const std::string inner = "Subject: x\r\nContent-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\n\r\ntext\r\n--i\r\n"
                            "Content-Type: application/octet-stream; name=\"run.cmd\"\r\n\r\n@echo\r\n--i--\r\n";
  const std::string msg = "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n\r\nhello\r\n--o\r\n"
                          "Content-Type: application/octet-stream; name=\"fwd.eml\"\r\n"
                          "Content-Transfer-Encoding: base64\r\n\r\n" +
                          base64(inner) + "\r\n--o--\r\n";
  const Parsed before = parse(msg);
  ASSERT_EQ(before.findings.size(), 1u);
  EXPECT_EQ(before.findings[0].part, 5u);
  const std::string out = remove_and_verify(msg, {2});
  EXPECT_EQ(parse(out).parts[2].head,
            "The attachment \"run.cmd\" was removed by the mail gateway's policy (extension .cmd).");
}

TEST(Removal, PartsInsideReplacedPartsShareItsText) {
  const std::string msg =
      "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n"
      "Content-Type: message/rfc822; name=\"evil.scr\"\r\n\r\nSubject: s\r\n"
      "Content-Type: multipart/mixed; boundary=i\r\n\r\n--i\r\nContent-Type: text/plain; name=x.vbs\r\n\r\nx\r\n"
      "--i--\r\n--o--\r\n";
  const Parsed before = parse(msg);
  ASSERT_EQ(before.findings.size(), 2u);
  const Removal r = removal_edits(before.parts, before.findings);
  ASSERT_EQ(r.edits.size(), 1u);
  const std::string out = remove_and_verify(msg, {1});
  EXPECT_EQ(parse(out).parts[1].head,
            "The attachment \"evil.scr\" was removed by the mail gateway's policy (extension .scr).\r\n"
            "The attachment \"x.vbs\" was removed by the mail gateway's policy (extension .vbs).");
}

TEST(Removal, LfOnlyMessages) {
  std::string msg;
  for (const char c : kMessage)
    if (c != '\r') msg += c;
  const std::string out = remove_and_verify(msg, {2, 4}, "\n");
  EXPECT_EQ(out.find('\r'), std::string::npos);
}

TEST(Removal, TheWholeMessageCannotBeRemoved) {
  const std::string msg = "Subject: x\r\nContent-Type: application/x-msdownload; name=\"a.exe\"\r\n\r\nMZ\r\n";
  const Parsed p = parse(msg);
  ASSERT_EQ(p.findings.size(), 2u);
  const Removal r = removal_edits(p.parts, p.findings);
  EXPECT_FALSE(r.complete);
  EXPECT_TRUE(r.edits.empty());
  // A limits finding is on part 0: the same.
  const Removal l = removal_edits(p.parts, {Finding{0, "", "MIME structure beyond the parser's limits", "ATTACHMENT_LIMITS"}});
  EXPECT_FALSE(l.complete);
  // Some removable, some not: the removable ones still get edits.
  const Parsed mixed = parse(kMessage);
  std::vector<Finding> f = mixed.findings;
  f.push_back(Finding{0, "", "x", "ATTACHMENT_LIMITS"});
  const Removal partial = removal_edits(mixed.parts, f);
  EXPECT_FALSE(partial.complete);
  EXPECT_EQ(partial.edits.size(), 2u);
  // Findings on parts that do not exist cannot be removed either.
  EXPECT_FALSE(removal_edits(mixed.parts, {Finding{99, "", "x", "X"}}).complete);
}

TEST(Removal, HostileNamesStayInsideTheReplacement) {
  // A name with line breaks, a boundary delimiter, quotes and many characters.
  const std::string name = "%0D%0A--o%0D%0AContent-Type: text/html%0D%0A%0D%0A--o--%22" + std::string(300, 'A') +
                           "%E2%82%AC%FF.exe";
  const std::string msg = "Content-Type: multipart/mixed; boundary=o\r\n\r\n--o\r\n\r\nhi\r\n--o\r\n"
                          "Content-Type: application/octet-stream; name*=UTF-8''" +
                          name + "\r\n\r\nxx\r\n--o--\r\n";
  const std::string out = remove_and_verify(msg, {2});
  const Parsed after = parse(out);
  const mail::MimePart& p = after.parts[2];
  const std::string body = out.substr(p.body_offset, p.end - p.body_offset);
  std::size_t start = 0;
  while (start < body.size()) {  // every line short, none starting with '-'
    std::size_t eol = body.find("\r\n", start);
    if (eol == std::string::npos) eol = body.size();
    EXPECT_LE(eol - start, 76u);
    EXPECT_NE(body[start], '-');
    start = eol + 2;
  }
  const std::string text = qp_decoded(body);
  EXPECT_EQ(text.rfind("The attachment \"?\?--o?\?Content-Type: text/html?\?\?\?--o--\"AAAA", 0), 0u) << text;
  EXPECT_NE(text.find(" was removed by the mail gateway's policy (extension .exe)."), std::string::npos);
  EXPECT_LT(text.size(), 200u + 100u);
}

TEST(Removal, ApplyEditsSkipsBadEdits) {
  const std::string msg = "0123456789";
  EXPECT_EQ(apply_edits(msg, {Edit{2, 3, "ab"}, Edit{4, 1, "overlap"}, Edit{8, 5, "range"}, Edit{9, 1, "Z"}}),
            "01ab5678Z");
  EXPECT_EQ(apply_edits(msg, {Edit{10, 0, "+"}}), "0123456789+");
  EXPECT_EQ(apply_edits(msg, {}), msg);
}

}  // namespace
}  // namespace portcullis::checks::attachments
