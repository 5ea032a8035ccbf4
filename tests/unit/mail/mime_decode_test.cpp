// mail::Base64Decoder / QuotedPrintableDecoder / TransferDecoder: RFC 2045 decoding, the
// lenient cases, and the same output whatever the chunk sizes.
#include "mail/mime_decode.hpp"

#include <gtest/gtest.h>

#include <string>

namespace portcullis::mail {
namespace {

template <class Decoder>
std::string decode(std::string_view in, std::size_t chunk = 0) {
  Decoder d;
  std::string out;
  if (chunk == 0) chunk = in.size() + 1;
  for (std::size_t at = 0; at < in.size(); at += chunk) d.decode(in.substr(at, chunk), out);
  d.finish(out);
  return out;
}

TEST(Base64Decoder, Standard) {
  EXPECT_EQ(decode<Base64Decoder>("SGVsbG8sIHdvcmxkIQ=="), "Hello, world!");
  EXPECT_EQ(decode<Base64Decoder>("SGVs\r\nbG8=\r\n"), "Hello");
  EXPECT_EQ(decode<Base64Decoder>(""), "");
  EXPECT_EQ(decode<Base64Decoder>("////"), "\xFF\xFF\xFF");
}

TEST(Base64Decoder, Lenient) {
  EXPECT_EQ(decode<Base64Decoder>("SGVsbG8"), "Hello");             // no padding
  EXPECT_EQ(decode<Base64Decoder>("S G\tV*s#b G 8 ="), "Hello");    // garbage skipped
  EXPECT_EQ(decode<Base64Decoder>("SGk=SGk="), "HiHi");             // concatenated texts
  EXPECT_EQ(decode<Base64Decoder>("SGk==\r\n=QQ=="), "HiA");
  EXPECT_EQ(decode<Base64Decoder>("Q"), "");                        // a lone sextet: no octet
}

TEST(QuotedPrintableDecoder, Rfc2045) {
  EXPECT_EQ(decode<QuotedPrintableDecoder>("Caf=C3=A9 =3D ok"), "Caf\xC3\xA9 = ok");
  EXPECT_EQ(decode<QuotedPrintableDecoder>("soft =\r\nbreak"), "soft break");
  EXPECT_EQ(decode<QuotedPrintableDecoder>("soft =  \t\r\nbreak with space after ="), "soft break with space after ");
  EXPECT_EQ(decode<QuotedPrintableDecoder>("a=\nb"), "ab");                         // bare LF
  EXPECT_EQ(decode<QuotedPrintableDecoder>("line one   \r\nline two\t\nend  "), "line one\r\nline two\nend");
  EXPECT_EQ(decode<QuotedPrintableDecoder>("lower =e9 hex"), "lower \xE9 hex");
}

TEST(QuotedPrintableDecoder, MalformedEqualsKept) {
  EXPECT_EQ(decode<QuotedPrintableDecoder>("a=ZZb"), "a=ZZb");
  EXPECT_EQ(decode<QuotedPrintableDecoder>("a=4"), "a=4");
  EXPECT_EQ(decode<QuotedPrintableDecoder>("a=4x"), "a=4x");
  EXPECT_EQ(decode<QuotedPrintableDecoder>("a="), "a");           // a soft break at the very end
  EXPECT_EQ(decode<QuotedPrintableDecoder>("a= b"), "a= b");      // "=" then space then text
  EXPECT_EQ(decode<QuotedPrintableDecoder>("a=\rb"), "a=\rb");    // CR alone is no line break
  EXPECT_EQ(decode<QuotedPrintableDecoder>("x\ry"), "x\ry");
  EXPECT_EQ(decode<QuotedPrintableDecoder>("x \r"), "x \r");
}

TEST(QuotedPrintableDecoder, LongWhiteSpaceRunsStayBounded) {
  const std::string spaces(5000, ' ');
  const std::string out = decode<QuotedPrintableDecoder>(spaces + "x");
  EXPECT_EQ(out, spaces + "x");
  // At the end of a line, only the last (at most kMaxPendingSpace) octets can still be dropped.
  const std::string trailing = decode<QuotedPrintableDecoder>(spaces + "\r\n");
  EXPECT_LT(trailing.size(), spaces.size());
  EXPECT_EQ(trailing.substr(trailing.size() - 2), "\r\n");
}

TEST(TransferDecoders, ChunkSizesNeverChangeTheOutput) {
  const std::string b64 = "VGhlIHF1aWNr\r\nIGJyb3duIGZveA==\r\nSGk=junk*Q";
  const std::string qp = "The =\r\nquick=20brown   \r\nfox =3D=\r\n =  \r\nx=4 =ZZ\r\r\ny  \n";
  for (std::size_t chunk = 1; chunk < 12; ++chunk) {
    EXPECT_EQ(decode<Base64Decoder>(b64, chunk), decode<Base64Decoder>(b64)) << chunk;
    EXPECT_EQ(decode<QuotedPrintableDecoder>(qp, chunk), decode<QuotedPrintableDecoder>(qp)) << chunk;
  }
}

TEST(TransferDecoders, ByName) {
  std::string out;
  TransferDecoder b("base64");
  b.decode("SGk=", out);
  b.finish(out);
  TransferDecoder q("quoted-printable");
  q.decode("=41", out);
  q.finish(out);
  TransferDecoder id("7bit");
  id.decode("=41", out);
  id.finish(out);
  TransferDecoder unknown("x-uuencode");
  unknown.decode("SGk=", out);
  unknown.finish(out);
  EXPECT_EQ(out, "HiA=41SGk=");
}

}  // namespace
}  // namespace portcullis::mail
