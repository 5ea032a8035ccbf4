// mail::parse_param_header (RFC 2045/2183 parameters, RFC 2231 continuations and charsets,
// RFC 2047 in values) and mail::part_fields (what the MIME parser takes from a header section).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mail/headers.hpp"
#include "mail/mime_fields.hpp"
#include "mail/mime_params.hpp"

namespace portcullis::mail {
namespace {

std::string param(const ParamHeader& h, std::string_view name) {
  const MimeParam* p = h.find(name);
  return p ? p->value : "<none>";
}

TEST(MimeParams, ValueIsLowerCasedWithoutSpaceAndComments) {
  const ParamHeader h = parse_param_header("Text / Plain (a comment); Charset=\"UTF-8\"");
  EXPECT_EQ(h.value, "text/plain");
  EXPECT_EQ(param(h, "charset"), "UTF-8");
  EXPECT_EQ(parse_param_header("").value, "");
  EXPECT_EQ(parse_param_header("ATTACHMENT").value, "attachment");
}

TEST(MimeParams, TokensQuotedStringsAndLenientValues) {
  const ParamHeader h = parse_param_header(
      "attachment; filename=\"a \\\"quoted\\\" name; with semicolon.txt\"; size=123 ; x=unquoted with spaces ;"
      " novalue; empty=\"\"");
  EXPECT_EQ(param(h, "filename"), "a \"quoted\" name; with semicolon.txt");
  EXPECT_EQ(param(h, "size"), "123");
  EXPECT_EQ(param(h, "x"), "unquoted with spaces");
  EXPECT_EQ(param(h, "novalue"), "<none>");
  EXPECT_EQ(param(h, "empty"), "");
  // An unclosed quote runs to the end.
  EXPECT_EQ(param(parse_param_header("attachment; filename=\"never closed.exe"), "filename"), "never closed.exe");
}

TEST(MimeParams, Rfc2231SingleExtendedValue) {
  const ParamHeader h = parse_param_header("attachment; filename*=UTF-8'en'%E2%82%AC%20100.pdf");
  ASSERT_NE(h.find("filename"), nullptr);
  EXPECT_TRUE(h.find("filename")->extended);
  EXPECT_EQ(param(h, "filename"), "\xE2\x82\xAC 100.pdf");
  EXPECT_EQ(param(parse_param_header("a; name*=''plain%2Etxt"), "name"), "plain.txt");  // no charset: UTF-8
}

TEST(MimeParams, Rfc2231ContinuationsInAnyOrder) {
  const ParamHeader h = parse_param_header(
      "attachment; filename*2=\".docx\"; filename*0*=utf-8''Quarterly%20; filename*1*=%C3%BCbersicht");
  EXPECT_EQ(param(h, "filename"), "Quarterly \xC3\xBC" "bersicht.docx");
  EXPECT_EQ(h.params.size(), 1u);
}

TEST(MimeParams, Rfc2231RepeatedAndMissingSections) {
  // Section 1 twice (first wins), section 2 missing.
  const ParamHeader h = parse_param_header("a; n*0=one; n*1=two; n*1=TWO; n*3=four");
  EXPECT_EQ(param(h, "n"), "onetwofour");
}

TEST(MimeParams, Rfc2231Charsets) {
  EXPECT_EQ(param(parse_param_header("a; f*=iso-8859-1''caf%E9.txt"), "f"), "caf\xC3\xA9.txt");
  EXPECT_EQ(param(parse_param_header("a; f*=windows-1252''%80.txt"), "f"), "\xE2\x82\xAC.txt");
  // Unknown charset: read as UTF-8, invalid octets become U+FFFD, ASCII survives.
  EXPECT_EQ(param(parse_param_header("a; f*=koi8-r''%F0%D2.exe"), "f"), "\xEF\xBF\xBD\xEF\xBF\xBD.exe");
  EXPECT_EQ(param(parse_param_header("a; f*=UTF-8''%FF.exe"), "f"), "\xEF\xBF\xBD.exe");
  // A malformed escape is kept as written.
  EXPECT_EQ(param(parse_param_header("a; f*=UTF-8''100%.txt%4"), "f"), "100%.txt%4");
}

TEST(MimeParams, ExtendedFormIsPreferredButBothAreKept) {
  const ParamHeader h = parse_param_header("attachment; filename=\"fallback.txt\"; filename*=UTF-8''real.exe");
  EXPECT_EQ(param(h, "filename"), "real.exe");
  ASSERT_EQ(h.params.size(), 2u);
  EXPECT_EQ(h.params[0].value, "fallback.txt");
  EXPECT_FALSE(h.params[0].extended);
}

TEST(MimeParams, Rfc2047InValues) {
  EXPECT_EQ(param(parse_param_header("a; name=\"=?UTF-8?B?w6l0w6kucGRm?=\""), "name"), "\xC3\xA9t\xC3\xA9.pdf");
  EXPECT_EQ(param(parse_param_header("a; name==?iso-8859-1?Q?r=E9sum=E9.doc?="), "name"), "r\xC3\xA9sum\xC3\xA9.doc");
}

TEST(MimeParams, Limits) {
  std::string many = "a";
  for (int i = 0; i < 500; ++i) many += "; p" + std::to_string(i) + "=v";
  EXPECT_EQ(parse_param_header(many).params.size(), kMaxParams);
  const std::string long_value = "a; f=" + std::string(10000, 'x');
  EXPECT_EQ(param(parse_param_header(long_value), "f").size(), kMaxParamValue);
  std::string sections = "a";
  for (int i = 0; i < 200; ++i) sections += "; f*" + std::to_string(i) + "=x";
  EXPECT_EQ(param(parse_param_header(sections), "f"), std::string(64, 'x'));
}

TEST(MimeFields, DefaultsAndTheFirstField) {
  const HeaderSection none = parse_headers("Subject: x\r\n\r\n");
  PartFields f = part_fields(none, "text/plain");
  EXPECT_EQ(f.content_type, "text/plain");
  EXPECT_TRUE(f.boundaries.empty());
  EXPECT_EQ(f.filename, "");
  EXPECT_EQ(part_fields(none, "message/rfc822").content_type, "message/rfc822");

  const HeaderSection bad = parse_headers("Content-Type: garbage\r\nContent-Type: Image/GIF\r\n\r\n");
  EXPECT_EQ(part_fields(bad, "text/plain").content_type, "image/gif");
  const HeaderSection invalid = parse_headers("Content-Type: text/\r\n\r\n");
  EXPECT_EQ(part_fields(invalid, "text/plain").content_type, "text/plain");

  const HeaderSection cte =
      parse_headers("Content-Transfer-Encoding: BASE64 (comment)\r\nContent-Transfer-Encoding: 7bit\r\n\r\n");
  EXPECT_EQ(part_fields(cte, "text/plain").transfer_encoding, "base64");
}

TEST(MimeFields, MultipartBoundaries) {
  const HeaderSection h = parse_headers(
      "Content-Type: multipart/mixed; boundary=\"abc  \"; boundary=def\r\n"
      "Content-Type: multipart/alternative; boundary=abc\r\n\r\n");
  const PartFields f = part_fields(h, "text/plain");
  EXPECT_EQ(f.content_type, "multipart/mixed");
  EXPECT_EQ(f.boundaries, (std::vector<std::string>{"abc", "def"}));
  // multipart without a boundary is no container.
  EXPECT_TRUE(part_fields(parse_headers("Content-Type: multipart/mixed\r\n\r\n"), "text/plain").boundaries.empty());
}

TEST(MimeFields, EveryNameOfEveryField) {
  const HeaderSection h = parse_headers(
      "Content-Type: application/octet-stream; name=\"b.exe\"\r\n"
      "Content-Disposition: attachment; filename=\"a.pdf\"; filename*=UTF-8''a%2Epdf\r\n"
      "Content-Disposition: inline; filename=c.scr\r\n\r\n");
  const PartFields f = part_fields(h, "text/plain");
  EXPECT_EQ(f.disposition, "attachment");
  EXPECT_EQ(f.filename, "a.pdf");
  EXPECT_EQ(f.names, (std::vector<std::string>{"a.pdf", "c.scr", "b.exe"}));
}

}  // namespace
}  // namespace portcullis::mail
