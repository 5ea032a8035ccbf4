// mail::decode_encoded_words (RFC 2047, four charsets) and mail::parse_address_list (RFC 5322
// address lists for display): the usual forms, the lenient ones, and garbage.
#include "mail/encoded_words.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portcullis::mail {
namespace {

TEST(DecodeEncodedWords, PlainTextUnchanged) {
  EXPECT_EQ(decode_encoded_words(""), "");
  EXPECT_EQ(decode_encoded_words("Hello world"), "Hello world");
  EXPECT_EQ(decode_encoded_words("caf\xC3\xA9 = ? =?"), "caf\xC3\xA9 = ? =?");
}

TEST(DecodeEncodedWords, BEncoding) {
  EXPECT_EQ(decode_encoded_words("=?UTF-8?B?SGVsbG8=?="), "Hello");
  EXPECT_EQ(decode_encoded_words("=?utf-8?b?SGk?="), "Hi");  // padding optional, any case
  EXPECT_EQ(decode_encoded_words("=?UTF-8?B?SsO2cmc=?="), "J\xC3\xB6rg");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?B?" "?="), "");
}

TEST(DecodeEncodedWords, QEncoding) {
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?Hello_World?="), "Hello World");
  EXPECT_EQ(decode_encoded_words("=?utf-8?q?J=C3=B6rg?="), "J\xC3\xB6rg");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?a=5fb=3d?="), "a_b=");  // lower-case hex too
  EXPECT_EQ(decode_encoded_words("=?UTF-8*en?Q?hi?="), "hi");      // RFC 2231 language
}

TEST(DecodeEncodedWords, Charsets) {
  EXPECT_EQ(decode_encoded_words("=?ISO-8859-1?Q?J=F6rg_=A3?="), "J\xC3\xB6rg \xC2\xA3");
  EXPECT_EQ(decode_encoded_words("=?iso-8859-1?B?/w==?="), "\xC3\xBF");
  EXPECT_EQ(decode_encoded_words("=?latin1?Q?=E9?="), "\xC3\xA9");
  // windows-1252: 0x80..0x9F specials, the rest as ISO-8859-1, the holes as U+FFFD.
  EXPECT_EQ(decode_encoded_words("=?windows-1252?Q?=80_=93q=94_=E9?="),
            "\xE2\x82\xAC \xE2\x80\x9Cq\xE2\x80\x9D \xC3\xA9");
  EXPECT_EQ(decode_encoded_words("=?CP1252?Q?=81=9F?="), "\xEF\xBF\xBD\xC5\xB8");
  EXPECT_EQ(decode_encoded_words("=?US-ASCII?Q?ok=E9?="), "ok\xEF\xBF\xBD");
  // UTF-8 that is not: each bad octet becomes U+FFFD.
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?a=C3=28=FF?="), "a\xEF\xBF\xBD(\xEF\xBF\xBD");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?=ED=A0=80?="), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

TEST(DecodeEncodedWords, AdjacentWordsAndText) {
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?a?= =?UTF-8?Q?b?="), "ab");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?a?=\r\n =?ISO-8859-1?Q?b?=\t =?UTF-8?B?Yw==?="), "abc");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?a?==?UTF-8?Q?b?="), "ab");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?a_?= =?UTF-8?Q?b?="), "a b");  // encoded space kept
  EXPECT_EQ(decode_encoded_words("Re: =?UTF-8?Q?a?= and =?UTF-8?Q?b?= !"), "Re: a and b !");
  EXPECT_EQ(decode_encoded_words("x=?UTF-8?Q?a?=y"), "xay");  // lenient: inside a word
}

TEST(DecodeEncodedWords, UnknownCharsetAndMalformedLeftAsIs) {
  const std::vector<std::string> kept = {
      "=?KOI8-R?B?8NLJ18XU?=",   // unknown charset
      "=?UTF-8?X?abc?=",         // unknown encoding
      "=?UTF-8?Q?abc",           // no end
      "=?UTF-8?Q?abc?",          // no end
      "=?UTF-8?B?@@@@?=",        // not base64
      "=?UTF-8?B?QUJDR?=",       // impossible base64 length
      "=?UTF-8?Q?a=ZZ?=",        // bad hex
      "=?UTF-8?Q?a=4?=",         // short hex
      "=??Q?a?=",                // empty charset
      "=?UTF-8?Q?a b?=",         // white space inside
      "=?UTF-8??a?=",            // no encoding
      "=?UTF 8?Q?a?=",           // space in the charset
  };
  for (const auto& w : kept) EXPECT_EQ(decode_encoded_words(w), w) << w;
  // White space next to a word left as is stays.
  EXPECT_EQ(decode_encoded_words("=?KOI8-R?Q?x?= =?UTF-8?Q?a?="), "=?KOI8-R?Q?x?= a");
  EXPECT_EQ(decode_encoded_words("=?UTF-8?Q?a?= =?UTF-8?Q?bad=?= =?UTF-8?Q?c?="), "a =?UTF-8?Q?bad=?= c");
  // A long charset name is not an encoded word.
  const std::string long_cs = "=?" + std::string(100, 'x') + "?Q?a?=";
  EXPECT_EQ(decode_encoded_words(long_cs), long_cs);
}

TEST(DecodeEncodedWords, BoundedOutput) {
  std::string in;
  for (int i = 0; i < 1000; ++i) in += "=?ISO-8859-1?Q?=E9=E9=E9?= ";
  const std::string out = decode_encoded_words(in, 101);
  EXPECT_EQ(out.size(), 100u);  // cut before the second half of an "é"
  EXPECT_EQ(out.substr(0, 4), "\xC3\xA9\xC3\xA9");
  EXPECT_LE(decode_encoded_words(std::string(100000, 'a')).size(), kMaxDecodedOutput);
  EXPECT_EQ(decode_encoded_words("abcdef", 3), "abc");
  EXPECT_EQ(decode_encoded_words("abcdef", 0), "");
}

// ---- parse_address_list --------------------------------------------------------------------

struct A {
  std::string name, addr;
};

void expect_list(const std::string& value, const std::vector<A>& want) {
  const auto got = parse_address_list(value);
  ASSERT_EQ(got.size(), want.size()) << value;
  for (std::size_t k = 0; k < want.size(); ++k) {
    EXPECT_EQ(got[k].display_name, want[k].name) << value << " #" << k;
    EXPECT_EQ(got[k].address, want[k].addr) << value << " #" << k;
  }
}

TEST(ParseAddressList, CommonForms) {
  expect_list("Alice <alice@example.com>", {{"Alice", "alice@example.com"}});
  expect_list("\"Smith, John\" <J.Smith@Example.COM>", {{"Smith, John", "J.Smith@Example.COM"}});
  expect_list("bob@example.com", {{"", "bob@example.com"}});
  expect_list("<bob@example.com>", {{"", "bob@example.com"}});
  expect_list("Alice Liddell <a@x>, bob@y,\r\n \"C\" <c@z>",
              {{"Alice Liddell", "a@x"}, {"", "bob@y"}, {"C", "c@z"}});
  expect_list("a@x,b@y", {{"", "a@x"}, {"", "b@y"}});
}

TEST(ParseAddressList, Comments) {
  expect_list("bob@example.com (Bob Jones)", {{"Bob Jones", "bob@example.com"}});
  expect_list("Alice (work) <a@x>", {{"Alice", "a@x"}});
  expect_list("<a@x> (Alice (nested) A.)", {{"Alice (nested) A.", "a@x"}});
  expect_list("a(c1)@(c2)x", {{"c1", "a@x"}});
  expect_list("(just a comment)", {{"just a comment", ""}});
}

TEST(ParseAddressList, Groups) {
  expect_list("undisclosed-recipients:;", {});
  expect_list("undisclosed-recipients: ;", {});
  expect_list("Team: a@x, Bob <b@y>;, c@z", {{"", "a@x"}, {"Bob", "b@y"}, {"", "c@z"}});
  expect_list("Team: a@x", {{"", "a@x"}});  // unterminated group
}

TEST(ParseAddressList, DisplayNames) {
  expect_list("=?UTF-8?B?SsO2cmc=?= <j@x>", {{"J\xC3\xB6rg", "j@x"}});
  expect_list("=?UTF-8?Q?J=C3=B6rg?= =?UTF-8?Q?_M=C3=BCller?= <j@x>", {{"J\xC3\xB6rg M\xC3\xBCller", "j@x"}});
  expect_list("\"=?ISO-8859-1?Q?J=F6rg?=\" <j@x>", {{"J\xC3\xB6rg", "j@x"}});  // lenient: in quotes
  expect_list("\"A \\\"B\\\" C\" <a@x>", {{"A \"B\" C", "a@x"}});
  expect_list("\"two  spaces\" <a@x>", {{"two  spaces", "a@x"}});
  expect_list("Alice\r\n   Smith   <a@x>", {{"Alice Smith", "a@x"}});
  expect_list("Dr. Alice <a@x>", {{"Dr. Alice", "a@x"}});
  expect_list("MAILER-DAEMON <>", {{"MAILER-DAEMON", ""}});
}

TEST(ParseAddressList, AddressForms) {
  expect_list("<\"john doe\"@example.com>", {{"", "\"john doe\"@example.com"}});
  expect_list("<@relay1.example,@relay2.example:a@x>", {{"", "a@x"}});  // obsolete route
  expect_list("a@[192.0.2.1]", {{"", "a@[192.0.2.1]"}});
  expect_list("john . doe @ example . com", {{"", "john.doe@example.com"}});
  expect_list("< a@x >", {{"", "a@x"}});
  expect_list("postmaster", {{"", "postmaster"}});
}

TEST(ParseAddressList, GarbageIsBestEffort) {
  expect_list("", {});
  expect_list(",,, ;;", {});
  expect_list("John Doe john@x", {{"John Doe", "john@x"}});
  expect_list("John Doe", {{"John Doe", ""}});
  expect_list("Alice <a@x", {{"Alice", "a@x"}});
  expect_list("Alice <a@x, b@y>", {{"Alice", "a@x,b@y"}});  // the angle runs on
  expect_list("\"unterminated <a@x>", {{"unterminated <a@x>", ""}});
  expect_list("(unterminated a@x", {{"unterminated a@x", ""}});
  expect_list("a@x >, ) ] b@y", {{"", "a@x"}, {"", "b@y"}});
  expect_list("<<<>>>", {});
  for (const std::string& junk : {std::string("\x00\x01\xff<\"(\\", 7), std::string("=?UTF-8?Q?=?= <"), std::string(":::;;;@@@")})
    (void)parse_address_list(junk);
}

TEST(ParseAddressList, Bounded) {
  std::string many;
  for (int i = 0; i < 3000; ++i) many += "a" + std::to_string(i) + "@x, ";
  EXPECT_EQ(parse_address_list(many).size(), kMaxAddresses);
  EXPECT_EQ(parse_address_list(many, 5).size(), 5u);
  EXPECT_EQ(parse_address_list(many, 0).size(), 0u);
}

}  // namespace
}  // namespace portcullis::mail
