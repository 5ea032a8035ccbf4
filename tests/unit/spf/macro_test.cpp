// SPF macros (RFC 7208 7): the examples of 7.4, the letters only explanations may use, URL
// escaping of upper-case letters, the escapes, domain-spec endings, the 253-octet cut of
// domain names and the bound on expansions.
#include <gtest/gtest.h>

#include <string>

#include "checks/spf/macro.hpp"

namespace {

using namespace portcullis::checks::spf;

MacroContext rfc_context(const char* ip = "192.0.2.3") {
  MacroContext ctx;
  ctx.sender = "strong-bad@email.example.com";
  ctx.local = "strong-bad";
  ctx.sender_domain = "email.example.com";
  ctx.domain = "email.example.com";
  ctx.ip = boost::asio::ip::make_address(ip);
  ctx.helo = "mx.example.org";
  ctx.validated_name = "mx.example.org";
  return ctx;
}

std::string domain_expand(const std::string& text, const MacroContext& ctx) {
  const auto out = expand(text, ctx, MacroUse::domain);
  EXPECT_TRUE(out) << text;
  return out.value_or("<error>");
}

TEST(SpfMacro, Rfc7208Section74Letters) {
  const auto ctx = rfc_context();
  EXPECT_EQ(domain_expand("%{s}", ctx), "strong-bad@email.example.com");
  EXPECT_EQ(domain_expand("%{o}", ctx), "email.example.com");
  EXPECT_EQ(domain_expand("%{d}", ctx), "email.example.com");
  EXPECT_EQ(domain_expand("%{d4}", ctx), "email.example.com");
  EXPECT_EQ(domain_expand("%{d3}", ctx), "email.example.com");
  EXPECT_EQ(domain_expand("%{d2}", ctx), "example.com");
  EXPECT_EQ(domain_expand("%{d1}", ctx), "com");
  EXPECT_EQ(domain_expand("%{dr}", ctx), "com.example.email");
  EXPECT_EQ(domain_expand("%{d2r}", ctx), "example.email");
  EXPECT_EQ(domain_expand("%{l}", ctx), "strong-bad");
  EXPECT_EQ(domain_expand("%{l-}", ctx), "strong.bad");
  EXPECT_EQ(domain_expand("%{lr}", ctx), "strong-bad");
  EXPECT_EQ(domain_expand("%{lr-}", ctx), "bad.strong");
  EXPECT_EQ(domain_expand("%{l1r-}", ctx), "strong");
}

TEST(SpfMacro, Rfc7208Section74Strings) {
  const auto ctx = rfc_context();
  EXPECT_EQ(domain_expand("%{ir}.%{v}._spf.%{d2}", ctx), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(domain_expand("%{lr-}.lp._spf.%{d2}", ctx), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(domain_expand("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", ctx), "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(domain_expand("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", ctx), "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(domain_expand("%{d2}.trusted-domains.example.net", ctx), "example.com.trusted-domains.example.net");
  const auto v6 = rfc_context("2001:db8::cb01");
  EXPECT_EQ(domain_expand("%{ir}.%{v}._spf.%{d2}", v6),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(SpfMacro, OtherLettersAndEscapes) {
  auto ctx = rfc_context();
  EXPECT_EQ(domain_expand("%{h}", ctx), "mx.example.org");
  EXPECT_EQ(domain_expand("%{p}", ctx), "mx.example.org");
  EXPECT_EQ(domain_expand("%{i}", ctx), "192.0.2.3");
  EXPECT_EQ(domain_expand("%{v}", ctx), "in-addr");
  ctx.validated_name.clear();
  EXPECT_EQ(domain_expand("%{p}", ctx), "unknown");
  EXPECT_EQ(domain_expand("a%%b%_c%-d", ctx), "a%b c%20d");
  // Several delimiters, counts beyond the parts, and a huge count.
  ctx.local = "foo-bar+zip+quux";
  EXPECT_EQ(domain_expand("%{l2r+-}", ctx), "bar.foo");
  EXPECT_EQ(domain_expand("%{l+-}", ctx), "foo.bar.zip.quux");
  EXPECT_EQ(domain_expand("%{l9-}", ctx), "foo.bar+zip+quux");
  EXPECT_EQ(domain_expand("%{d99999999999999999999}", ctx), "email.example.com");
  EXPECT_EQ(domain_expand("%{dR}", ctx), "com.example.email");  // "r" in either case
  // IPv6: %{i} in nibbles, %{c} readable, %{v} "ip6".
  const auto v6 = rfc_context("2001:db8::cb01");
  EXPECT_EQ(domain_expand("%{i}", v6), "2.0.0.1.0.d.b.8.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.c.b.0.1");
  EXPECT_EQ(domain_expand("%{v}", v6), "ip6");
  EXPECT_EQ(expand("%{c}", v6, MacroUse::explanation).value_or(""), "2001:db8::cb01");
}

TEST(SpfMacro, UpperCaseLettersAreUrlEscaped) {
  auto ctx = rfc_context();
  EXPECT_EQ(domain_expand("%{S}", ctx), "strong-bad%40email.example.com");
  ctx.local = "~jack&jill=up-a_b3.c";
  EXPECT_EQ(domain_expand("%{L}", ctx), "~jack%26jill%3Dup-a_b3.c");
  ctx.helo = "JUMPIN' JUPITER";
  EXPECT_EQ(domain_expand("%{H}", ctx), "JUMPIN%27%20JUPITER");
  EXPECT_EQ(domain_expand("%{h}", ctx), "JUMPIN' JUPITER");  // lower case: as it is
}

TEST(SpfMacro, ExplanationOnlyLetters) {
  auto ctx = rfc_context();
  ctx.receiver = "mx.receiver.example";
  ctx.now = 1700000000;
  for (const char* text : {"%{c}", "%{r}", "%{t}", "%{C}.x.example"}) {
    EXPECT_FALSE(valid_macro_string(text, MacroUse::domain)) << text;
    EXPECT_FALSE(expand(text, ctx, MacroUse::domain)) << text;
    EXPECT_TRUE(valid_macro_string(text, MacroUse::explanation)) << text;
  }
  EXPECT_EQ(expand("%{c} via %{r} at %{t}", ctx, MacroUse::explanation).value_or(""),
            "192.0.2.3 via mx.receiver.example at 1700000000");
  ctx.receiver.clear();
  EXPECT_EQ(expand("%{r}", ctx, MacroUse::explanation).value_or(""), "unknown");
  // Spaces only in explanations.
  EXPECT_FALSE(valid_macro_string("a b", MacroUse::domain));
  EXPECT_TRUE(valid_macro_string("a b", MacroUse::explanation));
}

TEST(SpfMacro, SyntaxErrors) {
  for (const char* text : {"%", "a%", "%x", "%(d)", "%{", "%{d", "%{}", "%{x}", "%{a}", "%{d0}", "%{d2r2}",
                           "%{d;}", "%{d }", "%{ d}", "a\x01", "caf\xc3\xa9", "%{d2-r}"}) {
    EXPECT_FALSE(valid_macro_string(text, MacroUse::explanation)) << text;
    EXPECT_FALSE(valid_macro_string(text, MacroUse::modifier)) << text;
    EXPECT_FALSE(expand(text, rfc_context(), MacroUse::explanation)) << text;
  }
  for (const char* text : {"", "plain", "%{d}", "%{D25r.-+,/_=}", "%%%_%-", "!\"#$&'()*+,-./:;<=>?@[\\]^_`{|}~"})
    EXPECT_TRUE(valid_macro_string(text, MacroUse::modifier)) << text;
}

TEST(SpfMacro, DomainSpecEndings) {
  for (const char* spec : {"example.com", "example.com.", "%{d}", "_spf.%{d2}", "%{ir}.%{v}.x.example",
                           "foo.example.xn--zckzah", "foo:bar/baz.example.com", "a.b-c", "a.123-4", "x%%",
                           "mail.example...com"})
    EXPECT_TRUE(valid_domain_spec(spec)) << spec;
  for (const char* spec : {"", "foo-bar", "museum", "museum.", "abc.123", "111.222.33.44", "example.-com",
                           "example.com-", "example.com:8080", "example.com/24", "example.com..", "%{d}com",
                           "%{d}.", "a.%{c}.com", "exa mple.com"}) {
    EXPECT_FALSE(valid_domain_spec(spec)) << spec;
  }
  EXPECT_FALSE(valid_domain_spec(std::string_view("foo.example.com\0", 16)));
}

TEST(SpfMacro, DomainExpansionDropsTheFinalDotAndCutsFromTheLeft) {
  auto ctx = rfc_context();
  EXPECT_EQ(expand_domain("%{d}.d.spf.example.com.", ctx).value_or(""), "email.example.com.d.spf.example.com");
  ctx.sender_domain = "somewhat.long.exp.example.com";
  const auto out = expand_domain("foobar.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.%{o}.example.com", ctx);
  ASSERT_TRUE(out);
  EXPECT_LE(out->size(), kMaxDomainLength);
  EXPECT_EQ(out->substr(0, 9), "somewhat.");  // "foobar." was cut, and nothing more
  EXPECT_EQ(out->size(), 8 * 30 + 11u);
  // A single label longer than 253 octets cannot be cut: left for the name check.
  ctx.local = std::string(300, 'x');
  EXPECT_EQ(expand_domain("%{l}", ctx).value_or("").size(), 300u);
}

TEST(SpfMacro, ExpansionIsBounded) {
  auto ctx = rfc_context();
  ctx.sender = std::string(1000, 's');
  std::string many;
  for (int k = 0; k < 9; ++k) many += "%{s}";
  EXPECT_FALSE(expand(many, ctx, MacroUse::domain));  // 9000 octets > kMaxExpansion
  EXPECT_FALSE(expand_domain(many + ".example.com", ctx));
  EXPECT_TRUE(expand("%{s}%{s}", ctx, MacroUse::domain));
  ctx.sender = std::string(kMaxExpansion + 1, 's');
  EXPECT_FALSE(expand("%{s}", ctx, MacroUse::domain));
}

TEST(SpfMacro, UsesLetter) {
  EXPECT_TRUE(uses_macro_letter("%{p}.example.com", 'p'));
  EXPECT_TRUE(uses_macro_letter("x.%{P2r}.example.com", 'p'));
  EXPECT_FALSE(uses_macro_letter("%{d}.p.example.com", 'p'));
  EXPECT_FALSE(uses_macro_letter("%%{p}", 'p'));  // "%%" then the literal "{p}"
}

TEST(SpfMacro, IpForms) {
  EXPECT_EQ(ip_dotted(boost::asio::ip::make_address("192.0.2.3")), "192.0.2.3");
  EXPECT_EQ(ip_readable(boost::asio::ip::make_address("CAFE:BABE::1")), "cafe:babe::1");
  EXPECT_EQ(ip_dotted(boost::asio::ip::make_address("::1")).size(), 63u);
}

}  // namespace
