// Expected-result patterns (checks/dnsbl/pattern.hpp) and DNSBL query names and symbols
// (checks/dnsbl/query_name.hpp): what parses, what it matches, and the errors admins see.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>
#include <string>

#include "checks/dnsbl/pattern.hpp"
#include "checks/dnsbl/query_name.hpp"

namespace {

using namespace portcullis::checks::dnsbl;
namespace ip = boost::asio::ip;

std::array<std::uint8_t, 4> a(const char* text) { return ip::make_address_v4(text).to_bytes(); }

AnswerPattern parse_ok(const char* text) {
  const auto p = parse_pattern(text);
  EXPECT_TRUE(p.pattern.has_value()) << text << ": " << p.error;
  EXPECT_EQ(p.error, "");
  return p.pattern.value_or(AnswerPattern());
}

std::string parse_error(const char* text) {
  const auto p = parse_pattern(text);
  EXPECT_FALSE(p.pattern.has_value()) << text;
  EXPECT_FALSE(p.error.empty()) << text;
  for (const char c : p.error) EXPECT_TRUE(c >= 0x20 && c <= 0x7e) << text;
  return p.error;
}

TEST(DnsblPattern, SingleAddress) {
  const auto p = parse_ok("127.0.0.2");
  EXPECT_TRUE(p.matches(a("127.0.0.2")));
  EXPECT_FALSE(p.matches(a("127.0.0.3")));
  EXPECT_FALSE(p.matches(a("127.0.1.2")));
  EXPECT_EQ(p.text(), "127.0.0.2");
}

TEST(DnsblPattern, WildcardRangesAndLists) {
  const auto star = parse_ok("127.0.0.*");
  EXPECT_TRUE(star.matches(a("127.0.0.0")));
  EXPECT_TRUE(star.matches(a("127.0.0.255")));
  EXPECT_FALSE(star.matches(a("127.0.1.2")));
  EXPECT_EQ(star.text(), "127.0.0.*");

  const auto brackets = parse_ok("127.0.0.[2..11]");
  const auto dash = parse_ok("127.0.0.2-11");
  for (const auto* p : {&brackets, &dash}) {
    EXPECT_FALSE(p->matches(a("127.0.0.1")));
    EXPECT_TRUE(p->matches(a("127.0.0.2")));
    EXPECT_TRUE(p->matches(a("127.0.0.11")));
    EXPECT_FALSE(p->matches(a("127.0.0.12")));
    EXPECT_EQ(p->text(), "127.0.0.[2..11]");
  }

  const auto list = parse_ok(" 127.0.0.2 ,127.0.0.4,\t127.0.[1..3].* ");
  EXPECT_EQ(list.alternatives().size(), 3u);
  EXPECT_TRUE(list.matches(a("127.0.0.2")));
  EXPECT_FALSE(list.matches(a("127.0.0.3")));
  EXPECT_TRUE(list.matches(a("127.0.0.4")));
  EXPECT_TRUE(list.matches(a("127.0.2.200")));
  EXPECT_FALSE(list.matches(a("127.0.4.2")));
  EXPECT_EQ(list.text(), "127.0.0.2,127.0.0.4,127.0.[1..3].*");
  // The canonical text parses back to the same pattern.
  EXPECT_EQ(parse_ok(list.text().c_str()).alternatives(), list.alternatives());
  // One-value ranges and the full range read as a number and '*'.
  EXPECT_EQ(parse_ok("127.0.0.[5..5]").text(), "127.0.0.5");
  EXPECT_EQ(parse_ok("127.0-255.0.1").text(), "127.*.0.1");
}

TEST(DnsblPattern, EmptyMeansAnyAnswerIn127Slash8) {
  for (const char* text : {"", "  "}) {
    const auto p = parse_ok(text);
    EXPECT_TRUE(p.any());
    EXPECT_EQ(p.text(), "");
    EXPECT_TRUE(p.matches(a("127.0.0.2")));
    EXPECT_TRUE(p.matches(a("127.0.0.1")));
    EXPECT_TRUE(p.matches(a("127.1.2.3")));
    EXPECT_FALSE(p.matches(a("10.0.0.2")));
    EXPECT_FALSE(p.matches(a("128.0.0.2")));
  }
}

TEST(DnsblPattern, RefusalCodesAndForeignAnswersAreNeverListings) {
  EXPECT_EQ(answer_kind(a("127.0.0.2")), AnswerKind::listing_range);
  EXPECT_EQ(answer_kind(a("127.255.254.1")), AnswerKind::listing_range);
  EXPECT_EQ(answer_kind(a("127.255.255.254")), AnswerKind::refused);
  EXPECT_EQ(answer_kind(a("127.255.255.255")), AnswerKind::refused);
  EXPECT_EQ(answer_kind(a("127.255.255.252")), AnswerKind::refused);
  EXPECT_EQ(answer_kind(a("192.0.2.1")), AnswerKind::outside);
  // Even a pattern written to accept them does not.
  const auto all = parse_ok("127.*.*.*");
  EXPECT_TRUE(all.matches(a("127.0.0.9")));
  EXPECT_FALSE(all.matches(a("127.255.255.254")));
  EXPECT_FALSE(parse_ok("").matches(a("127.255.255.255")));
}

TEST(DnsblPattern, ErrorsSayWhatIsWrong) {
  EXPECT_NE(parse_error("128.0.0.2").find("must start with 127"), std::string::npos);
  EXPECT_NE(parse_error("*.0.0.2").find("must start with 127"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0").find("fewer than four"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.").find("bad octet"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.2.5").find("more than four"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.256").find("bad octet '256'"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.02").find("bad octet"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.x").find("bad octet 'x'"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.[11..2]").find("empty range"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.11-2").find("empty range"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.[2..]").find("bad range"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.[2-5]").find("bad range"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.[2..5").find("bad range"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.-5").find("bad range"), std::string::npos);
  EXPECT_NE(parse_error("127.0.0.2,").find("empty pattern"), std::string::npos);
  EXPECT_NE(parse_error(",").find("empty pattern"), std::string::npos);
  EXPECT_NE(parse_error("127.0. 0.2").find("bad octet"), std::string::npos);
  // Control characters in the input are not copied into the message.
  EXPECT_NE(parse_error("127.0.0.\x01\x7f").find("'?" "?'"), std::string::npos);
  // Bounded input.
  std::string many;
  for (int i = 0; i < 33; ++i) many += "127.0.0.2,";
  many += "127.0.0.3";
  EXPECT_NE(parse_error(many.c_str()).find("more than 32"), std::string::npos);
  EXPECT_NE(parse_error(std::string(2049, '1').c_str()).find("longer than 2048"), std::string::npos);
}

// What portcullis dnsbl add builds its messages from: the fault, the alternative at fault, and
// what is wrong inside it.
TEST(DnsblPattern, FaultsNameTheAlternative) {
  const auto fault = [](const char* text) {
    const auto p = parse_pattern(text);
    EXPECT_FALSE(p.pattern) << text;
    return p;
  };
  auto p = fault("127.0.0.2, 127.0.0.256 ,127.0.0.3");
  EXPECT_EQ(p.fault, PatternFault::bad_octet);
  EXPECT_EQ(p.item, "127.0.0.256");
  EXPECT_EQ(p.why, "bad octet '256' (a number 0-255 without leading zeros, '*', [LOW..HIGH] or LOW-HIGH)");
  EXPECT_EQ(p.error, p.why);
  p = fault("127.0.0");
  EXPECT_EQ(p.fault, PatternFault::few_octets);
  EXPECT_EQ(p.item, "127.0.0");
  EXPECT_EQ(p.why, "fewer than four octets");
  EXPECT_EQ(p.error, "pattern '127.0.0' has fewer than four octets");
  p = fault("127.0.0.2.1");
  EXPECT_EQ(p.fault, PatternFault::many_octets);
  EXPECT_EQ(p.why, "more than four octets");
  p = fault("127.0.0.2,10.0.0.2");
  EXPECT_EQ(p.fault, PatternFault::not_127);
  EXPECT_EQ(p.item, "10.0.0.2");
  EXPECT_NE(p.why.find("the first octet is not 127"), std::string::npos);
  EXPECT_EQ(fault("127.0.0.11-2").why, "empty range '11-2' (low bound above high bound)");
  p = fault("127.0.0.2,");
  EXPECT_EQ(p.fault, PatternFault::empty_item);
  EXPECT_EQ(p.item, "");
  EXPECT_EQ(p.why, "empty pattern after the last comma");
  EXPECT_EQ(fault(",127.0.0.2").why, "empty pattern before the first comma");
  EXPECT_EQ(fault("127.0.0.2,,127.0.0.3").why, "empty pattern between two commas");
  EXPECT_EQ(fault("127.0.0.\x01").item, "127.0.0.?");  // printable only
  EXPECT_EQ(fault(std::string(2049, '1').c_str()).fault, PatternFault::too_long);
  std::string many;
  for (int i = 0; i < 33; ++i) many += "127.0.0.2,";
  p = fault(many.c_str());
  EXPECT_EQ(p.fault, PatternFault::too_many);
  EXPECT_EQ(p.item, "");
  EXPECT_EQ(p.why, p.error);
  EXPECT_EQ(parse_pattern("127.0.0.2").fault, PatternFault::none);
}

TEST(DnsblPattern, RefusalCodesAreExplained) {
  EXPECT_NE(refusal_meaning(a("127.255.255.254")).find("public or open resolver"), std::string::npos);
  EXPECT_NE(refusal_meaning(a("127.255.255.255")).find("too many queries"), std::string::npos);
  EXPECT_NE(refusal_meaning(a("127.255.255.252")).find("typing error"), std::string::npos);
  EXPECT_NE(refusal_meaning(a("127.255.255.9")).find("an error code of the list"), std::string::npos);
}

TEST(DnsblQueryName, Ipv4ReversedOctets) {
  EXPECT_EQ(reversed(ip::make_address("192.0.2.99")), "99.2.0.192");
  EXPECT_EQ(query_name(ip::make_address("192.0.2.99"), "zen.example"), "99.2.0.192.zen.example");
  // A dual-stack socket's IPv4-mapped address is queried as IPv4.
  EXPECT_EQ(query_name(ip::make_address("::ffff:192.0.2.99"), "zen.example"), "99.2.0.192.zen.example");
  // RFC 5782 test point, the final dot and capitals of the zone.
  EXPECT_EQ(query_name(ip::make_address("127.0.0.2"), "Zen.Example."), "2.0.0.127.zen.example");
}

TEST(DnsblQueryName, Ipv6ReversedNibbles) {
  // RFC 5782 2.4's example.
  EXPECT_EQ(reversed(ip::make_address("2001:db8:1:2:3:4:567:89ab")),
            "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2");
  EXPECT_EQ(query_name(ip::make_address("2001:db8::1"), "v6.example"),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.v6.example");
  // The IPv6 test point ::FFFF:7F00:2 in nibble form (it is not turned into IPv4 here).
  EXPECT_EQ(ipv6_reversed(ip::make_address_v6("::ffff:7f00:2")),
            "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0");
  EXPECT_EQ(ipv6_query_name(ip::make_address_v6("::ffff:7f00:1"), "V6.Example."),
            "1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.v6.example");
  EXPECT_FALSE(ipv6_query_name(ip::make_address_v6("::1"), "bad zone"));
}

TEST(DnsblQueryName, ZoneValidation) {
  EXPECT_EQ(zone_error("zen.spamhaus.org"), "");
  EXPECT_EQ(zone_error("zen.spamhaus.org."), "");
  EXPECT_EQ(zone_error("key_123.dnsbl-1.example"), "");
  EXPECT_NE(zone_error(""), "");
  EXPECT_NE(zone_error("."), "");
  EXPECT_NE(zone_error("a..b"), "");
  EXPECT_NE(zone_error(".a"), "");
  EXPECT_NE(zone_error("a b.example"), "");
  EXPECT_NE(zone_error("a/b.example"), "");
  EXPECT_NE(zone_error(std::string(64, 'a') + ".example"), "");
  EXPECT_NE(zone_error(std::string(120, 'a') + "." + std::string(70, 'b')), "");  // no room for IPv6
  EXPECT_EQ(zone_error(std::string(60, 'a') + "." + std::string(60, 'b')), "");
  EXPECT_FALSE(query_name(ip::make_address("192.0.2.1"), "bad zone"));
}

TEST(DnsblQueryName, Symbols) {
  EXPECT_EQ(symbol_for("zen.spamhaus.org"), "RBL_ZEN_SPAMHAUS_ORG");
  EXPECT_EQ(symbol_for("b.barracudacentral.org."), "RBL_B_BARRACUDACENTRAL_ORG");
  EXPECT_EQ(symbol_for("dnsbl-1.uceprotect.net"), "RBL_DNSBL_1_UCEPROTECT_NET");
  EXPECT_EQ(symbol_for("Key_9.List.Example"), "RBL_KEY_9_LIST_EXAMPLE");
}

}  // namespace
