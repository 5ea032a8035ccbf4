// mail::MimeParser on real-looking messages: structure (nested multiparts, forwarded messages,
// digests, encoded messages), names, decoded heads, exact offsets, malformed structure, and
// the same result whatever the chunk sizes.
#include "mail/mime.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "core/text.hpp"
#include "mime_helpers.hpp"

namespace portcullis::mail {
namespace {

using test::crlf;
using test::expect_same_parts;
using test::parse_in_chunks;
using test::part_text;

const std::string kMixed = crlf(R"(From: Alice <alice@example.com>
To: bob@example.org
Subject: Report
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="=_outer"

This is a multi-part message in MIME format.

--=_outer
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Hello Bob,=20
the report is attached. Caf=C3=A9 =
ok.
--=_outer
Content-Type: application/pdf; name="report.pdf"
Content-Disposition: attachment; filename="report.pdf"
Content-Transfer-Encoding: base64

JVBERi0x
LjQgdGVzdA==
--=_outer--

epilogue, ignored
)");

TEST(MimeParser, NonMimeMessageIsOneTextPart) {
  const std::string msg = crlf("From: a@example.com\nSubject: hi\n\nHello\nworld\n");
  const MimeParser p = parse_mime(msg);
  ASSERT_EQ(p.parts().size(), 1u);
  const MimePart& top = p.parts()[0];
  EXPECT_EQ(top.content_type, "text/plain");
  EXPECT_EQ(top.parent, MimePart::npos);
  EXPECT_EQ(top.offset, 0u);
  EXPECT_EQ(top.body_offset, msg.find("Hello"));
  EXPECT_EQ(top.end, msg.size());
  EXPECT_EQ(top.head, "Hello\r\nworld\r\n");
  EXPECT_EQ(top.decoded_size, 14u);
  EXPECT_FALSE(p.truncated());
  EXPECT_EQ(p.size(), msg.size());
}

TEST(MimeParser, MultipartMixedWithAttachment) {
  const MimeParser p = parse_mime(kMixed);
  const auto& parts = p.parts();
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[0].content_type, "multipart/mixed");
  EXPECT_TRUE(parts[0].is_multipart);
  EXPECT_EQ(parts[0].end, kMixed.size());

  EXPECT_EQ(parts[1].content_type, "text/plain");
  EXPECT_EQ(parts[1].parent, 0u);
  EXPECT_EQ(parts[1].depth, 1u);
  EXPECT_EQ(parts[1].transfer_encoding, "quoted-printable");
  EXPECT_EQ(parts[1].head, "Hello Bob, \r\nthe report is attached. Caf\xC3\xA9 ok.");
  EXPECT_EQ(part_text(kMixed, parts[1]),
            crlf("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n"
                 "Hello Bob,=20\nthe report is attached. Caf=C3=A9 =\nok."));

  const MimePart& pdf = parts[2];
  EXPECT_EQ(pdf.content_type, "application/pdf");
  EXPECT_EQ(pdf.disposition, "attachment");
  EXPECT_EQ(pdf.filename, "report.pdf");
  EXPECT_EQ(pdf.names, std::vector<std::string>{"report.pdf"});
  EXPECT_EQ(pdf.transfer_encoding, "base64");
  EXPECT_EQ(pdf.head, "%PDF-1.4 test");
  EXPECT_EQ(pdf.decoded_size, 13u);
  EXPECT_FALSE(pdf.is_container());
  EXPECT_EQ(kMixed.substr(pdf.offset, 13), "Content-Type:");
  EXPECT_EQ(kMixed.substr(pdf.body_offset, 8), "JVBERi0x");
  EXPECT_EQ(kMixed.substr(pdf.end, 14), "\r\n--=_outer--\r");
}

TEST(MimeParser, NestedAlternativeInsideMixed) {
  const std::string msg = crlf(R"(Content-Type: multipart/mixed; boundary=outer

--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain

plain
--inner
Content-Type: text/html

<p>html</p>
--inner--
--outer
Content-Type: image/png
Content-Disposition: inline; filename=logo.png
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--outer--
)");
  const MimeParser p = parse_mime(msg);
  const auto& parts = p.parts();
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[1].content_type, "multipart/alternative");
  EXPECT_EQ(parts[1].parent, 0u);
  EXPECT_EQ(parts[2].content_type, "text/plain");
  EXPECT_EQ(parts[2].parent, 1u);
  EXPECT_EQ(parts[2].depth, 2u);
  EXPECT_EQ(parts[2].head, "plain");
  EXPECT_EQ(parts[3].content_type, "text/html");
  EXPECT_EQ(parts[3].head, "<p>html</p>");
  EXPECT_EQ(parts[4].content_type, "image/png");
  EXPECT_EQ(parts[4].parent, 0u);
  EXPECT_EQ(parts[4].disposition, "inline");
  EXPECT_EQ(parts[4].head, "\x89PNG\r\n\x1A\n");
  // The alternative part ends before the outer delimiter that follows its close delimiter.
  EXPECT_EQ(msg.substr(parts[1].end, 9), "\r\n--outer");
  EXPECT_EQ(part_text(msg, parts[1]).substr(part_text(msg, parts[1]).size() - 9), "--inner--");
}

TEST(MimeParser, ForwardedMessageIsParsedInPlace) {
  const std::string msg = crlf(R"(Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: text/plain

see below
--b1
Content-Type: message/rfc822
Content-Disposition: attachment

From: carol@example.net
Subject: the original
Content-Type: multipart/mixed; boundary="b2"

--b2
Content-Type: text/plain

original text
--b2
Content-Type: application/octet-stream; name="setup.exe"
Content-Transfer-Encoding: base64

TVqQAAMAAAAEAAAA
--b2--
--b1--
)");
  const MimeParser p = parse_mime(msg);
  const auto& parts = p.parts();
  ASSERT_EQ(parts.size(), 6u);
  EXPECT_TRUE(parts[2].is_message);
  EXPECT_EQ(parts[2].content_type, "message/rfc822");
  const MimePart& inner = parts[3];
  EXPECT_EQ(inner.parent, 2u);
  EXPECT_EQ(inner.depth, 2u);
  EXPECT_EQ(inner.content_type, "multipart/mixed");
  EXPECT_EQ(inner.offset, msg.find("From: carol"));
  EXPECT_EQ(inner.offset, parts[2].body_offset);
  EXPECT_EQ(inner.end, parts[2].end);
  EXPECT_EQ(parts[4].head, "original text");
  const MimePart& exe = parts[5];
  EXPECT_EQ(exe.parent, 3u);
  EXPECT_EQ(exe.depth, 3u);
  EXPECT_EQ(exe.filename, "setup.exe");
  EXPECT_TRUE(exe.located);
  EXPECT_EQ(exe.head.substr(0, 2), "MZ");
  EXPECT_EQ(part_text(msg, exe).substr(0, 13), "Content-Type:");
  // The inner close delimiter is followed by the outer one: the inner multipart ends there.
  EXPECT_EQ(msg.substr(parts[2].end, 8), "\r\n--b1--");
}

TEST(MimeParser, EncodedForwardedMessageIsParsedFromItsDecodedContent) {
  // message/rfc822 in base64 (not allowed by RFC 2046, sent anyway): the inner message has a
  // base64 "evil.exe" part.
  const std::string msg = crlf(
      "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\nhi\n--x\n"
      "Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n"
      "RnJvbTogYUBiDQpTdWJqZWN0OiBpbm5lcg0KQ29udGVudC1UeXBlOiBhcHBsaWNhdGlvbi9vY3RldC1zdHJl\n"
      "YW07IG5hbWU9ImV2aWwuZXhlIg0KQ29udGVudC1UcmFuc2Zlci1FbmNvZGluZzogYmFzZTY0DQoNClRWcVFB\n"
      "QU1BQUFBRUFBQUENCg==\n--x--\n");
  const MimeParser p = parse_mime(msg);
  const auto& parts = p.parts();
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_TRUE(parts[2].is_message);
  EXPECT_FALSE(parts[2].is_multipart);
  EXPECT_EQ(parts[2].head.substr(0, 8), "From: a@");
  const MimePart& inner = parts[3];
  EXPECT_EQ(inner.parent, 2u);
  EXPECT_EQ(inner.depth, 2u);
  EXPECT_FALSE(inner.located);
  EXPECT_EQ(inner.filename, "evil.exe");
  EXPECT_EQ(inner.head.substr(0, 2), "MZ");
  EXPECT_EQ(inner.offset, parts[2].offset);
  EXPECT_EQ(inner.end, parts[2].end);
}

TEST(MimeParser, EmlAttachmentOfAnyTypeIsParsedAsAMessage) {
  const std::string msg = crlf(
      "Content-Type: multipart/mixed; boundary=x\n\n--x\n"
      "Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=\"Fwd.EML\"\n\n"
      "Subject: inner\nContent-Type: text/html\n\n<b>x</b>\n--x--\n");
  const MimeParser p = parse_mime(msg);
  ASSERT_EQ(p.parts().size(), 3u);
  EXPECT_TRUE(p.parts()[1].is_message);
  EXPECT_EQ(p.parts()[2].content_type, "text/html");
  EXPECT_EQ(p.parts()[2].head, "<b>x</b>");
}

TEST(MimeParser, Rfc2231ContinuationsAndCharsets) {
  const std::string msg = crlf(R"(Content-Type: multipart/mixed; boundary=x

--x
Content-Type: application/vnd.ms-excel
Content-Disposition: attachment;
 filename*0*=UTF-8''%E2%82%AC%20rates;
 filename*1*=%20Q3;
 filename*2=".xls"

data
--x
Content-Type: application/octet-stream;
 name*=iso-8859-1'fr'r%E9sum%E9.doc

data
--x--
)");
  const MimeParser p = parse_mime(msg);
  ASSERT_EQ(p.parts().size(), 3u);
  EXPECT_EQ(p.parts()[1].filename, "\xE2\x82\xAC rates Q3.xls");
  EXPECT_EQ(p.parts()[2].filename, "r\xC3\xA9sum\xC3\xA9.doc");
  EXPECT_EQ(p.parts()[2].disposition, "");
}

TEST(MimeParser, Rfc2047NamesAndAllCandidateNames) {
  const std::string msg = crlf(
      "Content-Type: multipart/mixed; boundary=x\n\n--x\n"
      "Content-Type: application/pdf; name=\"=?UTF-8?B?w6l0w6kucGRm?=\"\n"
      "Content-Disposition: attachment; filename=\"=?UTF-8?B?w6l0w6kucGRm?=\"\n\n%PDF\n--x\n"
      "Content-Type: application/octet-stream; name=\"invoice.exe\"\n"
      "Content-Disposition: attachment; filename=\"invoice.pdf\"\n\nx\n--x--\n");
  const MimeParser p = parse_mime(msg);
  ASSERT_EQ(p.parts().size(), 3u);
  EXPECT_EQ(p.parts()[1].filename, "\xC3\xA9t\xC3\xA9.pdf");
  EXPECT_EQ(p.parts()[1].names.size(), 1u);
  // The disposition's name is preferred; the other one is kept for the checks.
  EXPECT_EQ(p.parts()[2].filename, "invoice.pdf");
  EXPECT_EQ(p.parts()[2].names, (std::vector<std::string>{"invoice.pdf", "invoice.exe"}));
}

TEST(MimeParser, MissingCloseDelimiterEndsWithTheData) {
  const std::string msg = crlf(
      "Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain\n\none\n--x\n"
      "Content-Type: application/zip; name=a.zip\nContent-Transfer-Encoding: base64\n\nUEsFBg==\n");
  const MimeParser p = parse_mime(msg);
  ASSERT_EQ(p.parts().size(), 3u);
  EXPECT_EQ(p.parts()[2].end, msg.size());
  EXPECT_EQ(p.parts()[0].end, msg.size());
  EXPECT_EQ(p.parts()[2].head, std::string("PK\x05\x06", 4));
  EXPECT_FALSE(p.truncated());
}

TEST(MimeParser, BoundaryMatchingIsLenientAndInnermostFirst) {
  // A quoted boundary with spaces, transport padding and garbage after delimiters, a
  // delimiter in the preamble-looking text that is not one ("--xy" for boundary "x y"),
  // and an outer delimiter closing an unterminated inner multipart.
  const std::string msg = crlf(R"(Content-Type: multipart/mixed; boundary="x y"

preamble
--x yz is still a delimiter line (prefix match)
Content-Type: multipart/alternative; boundary=x

--x
Content-Type: text/plain

inner, never closed
--x y   
Content-Type: text/plain; name="last.txt"

last
--x y--  trailing garbage
--x y
Content-Type: text/plain

after the close delimiter
)");
  const MimeParser p = parse_mime(msg);
  const auto& parts = p.parts();
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[1].content_type, "multipart/alternative");
  EXPECT_EQ(parts[2].parent, 1u);
  EXPECT_EQ(parts[2].head, "inner, never closed");
  EXPECT_EQ(parts[3].parent, 0u);
  EXPECT_EQ(parts[3].filename, "last.txt");
  EXPECT_EQ(parts[3].head, "last");
  EXPECT_EQ(parts[4].parent, 0u);
  EXPECT_EQ(parts[4].head, "after the close delimiter\r\n");
}

TEST(MimeParser, EmptyPartsAndPartsWithoutBlankLine) {
  const std::string msg = crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\n--b\nContent-Type: text/html\n--b\n"
                               "no headers here\n--b--\n");
  const MimeParser p = parse_mime(msg);
  const auto& parts = p.parts();
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[1].offset, parts[1].end);  // nothing between two delimiters
  EXPECT_EQ(parts[1].content_type, "text/plain");
  EXPECT_EQ(parts[2].content_type, "text/html");
  EXPECT_EQ(part_text(msg, parts[2]), "Content-Type: text/html");
  EXPECT_EQ(parts[2].body_offset, parts[2].end);
  EXPECT_EQ(parts[3].content_type, "text/plain");
  EXPECT_EQ(parts[3].body_offset, parts[3].offset);
  EXPECT_EQ(parts[3].head, "no headers here");
}

TEST(MimeParser, DigestPartsDefaultToMessages) {
  const std::string msg = crlf(
      "Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nfirst\n--d\n"
      "Content-Type: text/plain\n\nnot a message\n--d--\n");
  const MimeParser p = parse_mime(msg);
  const auto& parts = p.parts();
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_EQ(parts[1].content_type, "message/rfc822");
  EXPECT_TRUE(parts[1].is_message);
  EXPECT_EQ(parts[2].parent, 1u);
  EXPECT_EQ(parts[2].head, "first");
  EXPECT_EQ(parts[3].content_type, "text/plain");
}

TEST(MimeParser, MboxFromLineAndBareLf) {
  const std::string msg =
      "From alice@example.com Mon Jan  1 00:00:00 2024\nContent-Type: multipart/mixed; boundary=q\n\n--q\n"
      "Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVs\nbG8=\n--q--\n";
  const MimeParser p = parse_mime(msg);
  const auto& parts = p.parts();
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_EQ(parts[0].content_type, "multipart/mixed");
  EXPECT_EQ(parts[1].head, "hello");
  EXPECT_EQ(msg.substr(parts[1].end, 5), "\n--q-");
}

TEST(MimeParser, CrAloneIsContent) {
  const std::string msg = "Subject: x\r\n\r\na\rb\r\n\r";
  const MimeParser p = parse_mime(msg);
  ASSERT_EQ(p.parts().size(), 1u);
  EXPECT_EQ(p.parts()[0].head, "a\rb\r\n\r");
}

TEST(MimeParser, FirstContentTypeUnlessALaterOneIsMultipart) {
  const std::string msg = crlf(
      "Content-Type: text/plain\nContent-Type: multipart/mixed; boundary=z\n\n--z\n"
      "Content-Type: application/x-msdownload; name=a.exe\n\nMZ\n--z--\n");
  const MimeParser p = parse_mime(msg);
  ASSERT_EQ(p.parts().size(), 2u);
  EXPECT_EQ(p.parts()[0].content_type, "multipart/mixed");
  EXPECT_EQ(p.parts()[1].filename, "a.exe");
}

TEST(MimeParser, ArchiveReaderGetsTheDecodedZipContent) {
  std::string zip = std::string("PK\x03\x04", 4) + std::string(100, 'z');
  std::vector<std::string> seen;
  std::vector<std::uint64_t> seen_total;
  const ArchiveReader reader = [&](std::string_view tail, std::uint64_t total) {
    seen.emplace_back(tail);
    seen_total.push_back(total);
    ArchiveListing l;
    l.names = {"a.txt", "b.scr"};
    l.encrypted = true;
    return l;
  };
  const std::string msg = crlf("Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/zip\n\n") +
                          zip + crlf("\n--b\nContent-Type: text/plain\n\nPK\x03\x04 and text\n--b--\n");
  const MimeParser p = parse_mime(msg, {}, reader);
  ASSERT_EQ(p.parts().size(), 3u);
  EXPECT_TRUE(p.parts()[1].archive);
  EXPECT_EQ(p.parts()[1].archive_names, (std::vector<std::string>{"a.txt", "b.scr"}));
  EXPECT_TRUE(p.parts()[1].archive_encrypted);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0], zip);
  EXPECT_EQ(seen_total[0], zip.size());
  EXPECT_TRUE(p.parts()[2].archive);  // the text part starts with the signature too: read as well
  EXPECT_EQ(seen[1].substr(0, 4), "PK\x03\x04");
}

TEST(MimeParser, ArchiveWindowKeepsTheTail) {
  std::string zip = std::string("PK\x03\x04", 4);
  for (int i = 0; i < 5000; ++i) zip += static_cast<char>('a' + i % 26);
  std::string seen;
  std::uint64_t seen_total = 0;
  MimeLimits limits;
  limits.archive_bytes = 1000;
  const ArchiveReader reader = [&](std::string_view tail, std::uint64_t total) {
    seen = std::string(tail);
    seen_total = total;
    return ArchiveListing{};
  };
  const std::string msg = "Content-Type: application/zip\n\n" + zip;
  const MimeParser p = parse_in_chunks(msg, 7, limits, reader);
  EXPECT_EQ(seen_total, zip.size());
  EXPECT_GE(seen.size(), 1000u);
  EXPECT_LE(seen.size(), 1500u);
  EXPECT_EQ(seen, zip.substr(zip.size() - seen.size()));
}

TEST(MimeParser, NoReaderNoArchive) {
  const MimeParser p = parse_mime(std::string("Content-Type: application/zip\n\nPK\x03\x04", 35));
  ASSERT_EQ(p.parts().size(), 1u);
  EXPECT_FALSE(p.parts()[0].archive);
}

std::vector<std::string> sample_messages() {
  std::vector<std::string> out = {kMixed};
  out.push_back(crlf(R"(Content-Type: multipart/mixed; boundary="b1"

--b1
Content-Type: message/rfc822

Content-Type: multipart/alternative; boundary=b2

--b2
Content-Transfer-Encoding: quoted-printable

a=3Db =
c  
--b2--
--b1
Content-Type: application/octet-stream; name*0="a"; name*1=".exe"
Content-Transfer-Encoding: base64

TVqQ
AAMA==
--b1--
)"));
  out.push_back("Content-Type: multipart/mixed; boundary=q\n\n--q\r\nContent-Type: text/plain\n\nlf \r\r\n--q\n--q--");
  return out;
}

TEST(MimeParser, ChunkSizesNeverChangeTheResult) {
  std::mt19937 rng(12345);
  for (const std::string& msg : sample_messages()) {
    const MimeParser whole = parse_mime(msg);
    for (const std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{5}, std::size_t{64}}) {
      SCOPED_TRACE("chunk " + std::to_string(chunk));
      const MimeParser p = parse_in_chunks(msg, chunk);
      expect_same_parts(whole.parts(), p.parts());
      EXPECT_EQ(whole.truncated(), p.truncated());
    }
    MimeParser random;
    for (std::size_t at = 0; at < msg.size();) {
      const std::size_t n = rng() % 9;
      random.feed(std::string_view(msg).substr(at, n));
      at += n;
    }
    random.finish();
    expect_same_parts(whole.parts(), random.parts());
  }
}

TEST(MimeParser, FuzzSeedsGiveTheSamePartsInOneOctetChunks) {
  const std::filesystem::path dir = std::filesystem::path(PORTCULLIS_SOURCE_DIR) / "tests/fuzz/corpus/fuzz_mime";
  std::size_t files = 0;
  const ArchiveReader reader = [](std::string_view tail, std::uint64_t total) {
    ArchiveListing l;
    l.names = {std::to_string(tail.size()) + "/" + std::to_string(total)};
    return l;
  };
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    SCOPED_TRACE(entry.path().filename().string());
    const auto text = core::read_file(entry.path());
    ASSERT_TRUE(text.has_value());
    const MimeParser whole = parse_mime(*text, {}, reader);
    const MimeParser bytes = parse_in_chunks(*text, 1, {}, reader);
    expect_same_parts(whole.parts(), bytes.parts());
    EXPECT_EQ(whole.truncated(), bytes.truncated());
    ++files;
  }
  EXPECT_GE(files, 15u);
}

TEST(MimeParser, FeedAfterFinishIsIgnored) {
  MimeParser p;
  p.feed("Subject: x\r\n\r\nbody");
  p.finish();
  EXPECT_TRUE(p.finished());
  p.feed("more");
  p.finish();
  EXPECT_EQ(p.parts()[0].head, "body");
  EXPECT_EQ(p.size(), 18u);
}

}  // namespace
}  // namespace portcullis::mail
