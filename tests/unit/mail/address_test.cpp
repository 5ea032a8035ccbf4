// mail::parse_path / parse_mailbox / normalize_domain: the RFC 5321 path grammar, its limits,
// and the forms that must never be mistaken for something else.
#include "mail/address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace portcullis::mail {
namespace {

using P = std::vector<std::pair<std::string, std::string>>;

PathResult fwd(const std::string& arg) { return parse_path(arg, false); }
PathResult rev(const std::string& arg) { return parse_path(arg, true); }

TEST(ParsePath, PlainAddress) {
  const auto r = fwd("<User.Name+tag@Example.COM>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.mailbox.local, "User.Name+tag");  // local part keeps its case
  EXPECT_EQ(r.path.mailbox.domain, "example.com");    // domain is lower-cased
  EXPECT_EQ(r.path.mailbox.str(), "User.Name+tag@example.com");
  EXPECT_EQ(r.path.mailbox.key(), "user.name+tag@example.com");
  EXPECT_FALSE(r.path.mailbox.quoted_local);
  EXPECT_FALSE(r.path.mailbox.utf8);
  EXPECT_TRUE(r.path.params.empty());
}

TEST(ParsePath, LeadingSpaceToleratedTrailingGarbageNot) {
  EXPECT_TRUE(fwd("  <a@b.test>"));
  EXPECT_EQ(fwd("<a@b.test>x").error, PathError::syntax);
  EXPECT_EQ(fwd("<a@b.test>>").error, PathError::syntax);
  EXPECT_EQ(fwd("a@b.test").error, PathError::syntax);
  EXPECT_EQ(fwd("<a@b.test").error, PathError::syntax);
  EXPECT_EQ(fwd("").error, PathError::syntax);
}

TEST(ParsePath, NullPathOnlyAsReversePath) {
  const auto r = rev("<>");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.path.null_path);
  EXPECT_EQ(fwd("<>").error, PathError::syntax);
  EXPECT_TRUE(rev("<> SIZE=10"));
}

TEST(ParsePath, BarePostmasterOnlyAsForwardPath) {
  for (const char* s : {"<postmaster>", "<Postmaster>", "<POSTMASTER>"}) {
    const auto r = fwd(s);
    ASSERT_TRUE(r) << s;
    EXPECT_TRUE(r.path.bare_postmaster) << s;
    EXPECT_EQ(r.path.mailbox.key(), "postmaster");
  }
  EXPECT_EQ(rev("<postmaster>").error, PathError::syntax);
  EXPECT_FALSE(fwd("<postmaster@ours.test>").path.bare_postmaster);
  EXPECT_EQ(fwd("<postmasterx>").error, PathError::syntax);
}

TEST(ParsePath, QuotedLocalParts) {
  auto r = fwd(R"(<"john doe"@b.test>)");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.path.mailbox.quoted_local);
  EXPECT_EQ(r.path.mailbox.local, "john doe");
  EXPECT_EQ(r.path.mailbox.str(), R"("john doe"@b.test)");
  // The '@' inside quotes is part of the local part: the domain is the one after the quotes.
  r = fwd(R"(<"victim@other.test"@ours.test>)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.mailbox.local, "victim@other.test");
  EXPECT_EQ(r.path.mailbox.domain, "ours.test");
  EXPECT_EQ(r.path.mailbox.str(), R"("victim@other.test"@ours.test)");
  // Escapes are undone and redone.
  r = fwd(R"(<"a\"b\\c"@b.test>)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.mailbox.local, R"(a"b\c)");
  EXPECT_EQ(r.path.mailbox.str(), R"("a\"b\\c"@b.test)");
  // A needlessly quoted dot-atom is written back without quotes.
  r = fwd(R"(<"plain"@b.test>)");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.mailbox.str(), "plain@b.test");
}

TEST(ParsePath, BadQuotedLocalParts) {
  for (const std::string& s : std::vector<std::string>{R"(<""@b.test>)", R"(<"open@b.test>)", std::string("<\"a\x01\"@b.test>"),
                              R"(<"a\)" + std::string("\x01") + R"("@b.test>)", std::string("<\"a\0b\"@b.test>", 14)})
    EXPECT_EQ(fwd(s).error, PathError::syntax) << s;
}

TEST(ParsePath, DotStringRules) {
  for (const char* s : {"<.a@b.test>", "<a.@b.test>", "<a..b@b.test>", "<a b@b.test>", "<a(b)@b.test>",
                        "<a,b@b.test>", "<a:b@b.test>", "<a<b@b.test>", "<@b.test>", "<a@@b.test>", "<a@>"})
    EXPECT_EQ(fwd(s).error, PathError::syntax) << s;
  for (const char* s : {"<!#$%&'*+-/=?^_`{|}~@b.test>", "<a.b.c@b.test>", "<user%other@b.test>", "<a!b@b.test>"})
    EXPECT_TRUE(fwd(s)) << s;
}

TEST(ParsePath, RoutingCharactersStayInTheLocalPart) {
  // '%' and '!' are ordinary atext: the domain is what follows the last '@' outside quotes.
  auto r = fwd("<victim%other.test@ours.test>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.mailbox.local, "victim%other.test");
  EXPECT_EQ(r.path.mailbox.domain, "ours.test");
  r = fwd("<other.test!victim@ours.test>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.mailbox.domain, "ours.test");
}

TEST(ParsePath, SourceRoutesAreDropped) {
  auto r = fwd("<@hop1.test,@hop2.test:user@final.test>");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.path.had_source_route);
  EXPECT_EQ(r.path.mailbox.str(), "user@final.test");
  r = rev("<@hop1.test:user@final.test>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.mailbox.domain, "final.test");
  for (const char* s : {"<@hop1.test:@hop2.test:user@final.test>", "<@:user@final.test>", "<@hop1.test,user@final.test>",
                        "<@hop1.test user@final.test>", "<@hop1.test:>"})
    EXPECT_EQ(fwd(s).error, PathError::syntax) << s;
}

TEST(ParsePath, Domains) {
  for (const char* s : {"<a@b>", "<a@x-y.test>", "<a@1.2.3.4.test>", "<a@xn--bcher-kva.test>"}) EXPECT_TRUE(fwd(s)) << s;
  for (const char* s : {"<a@-b.test>", "<a@b-.test>", "<a@b..test>", "<a@.b.test>", "<a@b.test.>", "<a@b_c.test>",
                        "<a@b test>", "<a@b;c.test>"})
    EXPECT_EQ(fwd(s).error, PathError::syntax) << s;
  EXPECT_TRUE(fwd("<a@" + std::string(63, 'l') + ".test>"));
  EXPECT_EQ(fwd("<a@" + std::string(64, 'l') + ".test>").error, PathError::syntax);
}

TEST(ParsePath, AddressLiterals) {
  auto r = fwd("<a@[192.0.2.1]>");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.path.mailbox.address_literal);
  EXPECT_EQ(r.path.mailbox.domain, "[192.0.2.1]");
  r = fwd("<a@[IPv6:2001:DB8::1]>");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.mailbox.domain, "[ipv6:2001:db8::1]");
  for (const char* s : {"<a@[192.0.2.256]>", "<a@[192.0.2]>", "<a@[2001:db8::1]>", "<a@[IPv6:192.0.2.1]>",
                        "<a@[x-tag:stuff]>", "<a@[]>", "<a@[192.0.2.1>", "<a@[1.2.3.4]x>", "<a@[ 1.2.3.4]>"})
    EXPECT_EQ(fwd(s).error, PathError::syntax) << s;
  EXPECT_TRUE(is_address_literal("[IPv6:::1]"));
  EXPECT_TRUE(is_address_literal("[ipv6:::ffff:192.0.2.1]"));
  EXPECT_FALSE(is_address_literal("192.0.2.1"));
  EXPECT_FALSE(is_address_literal("[IPv6:]"));
}

TEST(ParsePath, Limits) {
  const std::string l64(64, 'l');
  EXPECT_TRUE(fwd("<" + l64 + "@b.test>"));
  EXPECT_EQ(fwd("<" + l64 + "l@b.test>").error, PathError::local_part_too_long);
  // Quoted: the limit applies to the local part as sent, quotes included.
  EXPECT_EQ(fwd("<\"" + std::string(63, 'q') + "\"@b.test>").error, PathError::local_part_too_long);
  EXPECT_TRUE(fwd("<\"" + std::string(62, 'q') + "\"@b.test>"));

  const std::string label(63, 'd');
  const std::string d255 = label + "." + label + "." + label + "." + label;  // 255 octets
  ASSERT_EQ(d255.size(), 255u);
  EXPECT_EQ(fwd("<a@" + d255 + "a>").error, PathError::syntax);  // 64-octet label
  EXPECT_EQ(fwd("<a@" + d255 + ".b>").error, PathError::domain_too_long);
  EXPECT_EQ(fwd("<a@" + d255 + ">").error, PathError::path_too_long);  // 259 with <a@ and >

  const std::string d251 = label + "." + label + "." + label + "." + std::string(59, 'd');
  EXPECT_TRUE(fwd("<ab@" + d251 + ">"));                                        // 256
  EXPECT_EQ(fwd("<abc@" + d251 + ">").error, PathError::path_too_long);         // 257
  EXPECT_EQ(fwd("<@r.test:ab@" + d251 + ">").error, PathError::path_too_long);  // route counts
}

TEST(ParsePath, Parameters) {
  auto r = rev("<a@b.test> size=123 BODY=8BITMIME   SMTPUTF8 ");
  ASSERT_TRUE(r);
  EXPECT_EQ(r.path.params, (P{{"SIZE", "123"}, {"BODY", "8BITMIME"}, {"SMTPUTF8", ""}}));
  for (const char* s : {"<a@b.test> =1", "<a@b.test> SIZE=", "<a@b.test> SI_ZE=1", "<a@b.test> -X=1",
                        "<a@b.test> A=b=c", "<a@b.test> A=\x7f"})
    EXPECT_EQ(rev(s).error, PathError::bad_parameter) << s;
  EXPECT_EQ(rev("<a@b.test>\tSIZE=1").error, PathError::syntax);
}

TEST(ParsePath, Utf8) {
  auto r = fwd("<\xC3\xBC" "ber@b\xC3\xA4r.test>");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.path.mailbox.utf8);
  EXPECT_EQ(r.path.mailbox.domain, "b\xC3\xA4r.test");
  r = fwd("<\"\xE2\x82\xAC uro\"@b.test>");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r.path.mailbox.utf8);
  EXPECT_TRUE(r.path.mailbox.quoted_local);
  // Ill-formed UTF-8: overlong, surrogate, above U+10FFFF, stray continuation, truncated.
  for (const char* bad : {"\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xC3", "\xFF"}) {
    EXPECT_EQ(fwd(std::string("<a") + bad + "@b.test>").error, PathError::syntax);
    EXPECT_EQ(fwd(std::string("<a@b") + bad + ".test>").error, PathError::syntax);
  }
}

TEST(ParseMailbox, CliForm) {
  auto m = parse_mailbox("Admin@Example.ORG");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->str(), "Admin@example.org");
  EXPECT_TRUE(parse_mailbox("\"a b\"@c.test"));
  EXPECT_TRUE(parse_mailbox("a@[192.0.2.1]"));
  for (const char* s : {"", "a", "a@", "@b.test", "<a@b.test>", "a@b.test ", " a@b.test", "a@b.test\n", "a@b@c.test"})
    EXPECT_FALSE(parse_mailbox(s)) << s;
  EXPECT_FALSE(parse_mailbox(std::string(65, 'l') + "@b.test"));
}

TEST(NormalizeDomain, LowerCasesAndValidates) {
  EXPECT_EQ(normalize_domain("Example.TEST"), "example.test");
  EXPECT_EQ(normalize_domain("localhost"), "localhost");
  for (const char* s : {"", ".", "example.test.", "-a.test", "a..test", "a_b.test", "b\xC3\xA4r.test", "[1.2.3.4]",
                        "a.test/x"})
    EXPECT_FALSE(normalize_domain(s)) << s;
  const std::string label(63, 'd');
  EXPECT_TRUE(normalize_domain(label + "." + label + "." + label + "." + label));
  EXPECT_FALSE(normalize_domain(label + "." + label + "." + label + "." + label + ".x"));
}

TEST(Mailbox, KeyIsCaseInsensitiveStrPreservesLocalCase) {
  Mailbox m;
  m.local = "John.Smith";
  m.domain = "example.test";
  EXPECT_EQ(m.str(), "John.Smith@example.test");
  EXPECT_EQ(m.key(), "john.smith@example.test");
  m.local = "with space";
  EXPECT_EQ(m.str(), "\"with space\"@example.test");
}

}  // namespace
}  // namespace portcullis::mail
