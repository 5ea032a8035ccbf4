// net/dns helpers that need no network: address literals, reverse names, name checks, the
// server list, and the mapping of c-ares statuses onto DnsStatus.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <stdexcept>
#include <string>

#include "net/dns.hpp"
#include "net/dns_detail.hpp"

namespace {

using namespace portcullis::net;
using boost::asio::ip::make_address;

TEST(ParseIpLiteral, AcceptsBareAndBracketedForms) {
  EXPECT_EQ(parse_ip_literal("1.2.3.4"), make_address("1.2.3.4"));
  EXPECT_EQ(parse_ip_literal("[1.2.3.4]"), make_address("1.2.3.4"));
  EXPECT_EQ(parse_ip_literal("[IPv6:2001:db8::1]"), make_address("2001:db8::1"));
  EXPECT_EQ(parse_ip_literal("[ipv6:::1]"), make_address("::1"));
  EXPECT_EQ(parse_ip_literal("2001:db8::1"), make_address("2001:db8::1"));
  EXPECT_EQ(parse_ip_literal("[IPv6:::ffff:1.2.3.4]"), make_address("::ffff:1.2.3.4"));
}

TEST(ParseIpLiteral, RejectsEverythingElse) {
  for (const char* bad : {"", "[]", "[", "]", "1.2.3", "256.1.1.1", "1.2.3.4.5", "[2001:db8::1]", "[IPv6:1.2.3.4]",
                          "[1.2.3.4", "1.2.3.4]", "[IPv6:fe80::1%eth0]", "fe80::1%eth0", " 1.2.3.4", "1.2.3.4 ",
                          "example.com", "[example.com]", "[IPv6:]", "[IPv4:1.2.3.4]", "[[1.2.3.4]]"}) {
    EXPECT_FALSE(parse_ip_literal(bad).has_value()) << "'" << bad << "'";
  }
}

TEST(ReverseName, Ipv4Ipv6AndMapped) {
  EXPECT_EQ(reverse_name(make_address("192.0.2.1")), "1.2.0.192.in-addr.arpa");
  EXPECT_EQ(reverse_name(make_address("2001:db8::1")),
            "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
  EXPECT_EQ(reverse_name(make_address("::ffff:192.0.2.1")), "1.2.0.192.in-addr.arpa");
}

TEST(ValidDnsName, AcceptsHostAndServiceNames) {
  const std::string label63(63, 'a');
  for (const std::string& good : {std::string("example.com"), std::string("example.com."), std::string("localhost"),
                                  std::string("_dmarc.example.com"), std::string("sel._domainkey.example.com"),
                                  std::string("4.3.2.1.zen.example"), std::string("xn--bcher-kva.example"),
                                  label63 + ".example"}) {
    EXPECT_TRUE(valid_dns_name(good)) << good;
  }
}

TEST(ValidDnsName, RejectsMalformedNames) {
  const std::string label64(64, 'a');
  std::string long_name;
  while (long_name.size() < 254) long_name += "abcdefg.";
  long_name.pop_back();
  for (const std::string& bad : {std::string(""), std::string("."), std::string("a..b"), std::string(".a"),
                                 std::string("a.b.."), label64 + ".example", long_name, std::string("a b.example"),
                                 std::string("ex\\097mple.com"), std::string("b\xc3\xbc" "cher.example"),
                                 std::string("a\0b", 3), std::string("[1.2.3.4]")}) {
    EXPECT_FALSE(valid_dns_name(bad)) << bad;
  }
}

TEST(CanonicalName, LowerCaseWithoutTheFinalDot) {
  EXPECT_EQ(canonical_name("Mail.Example.COM."), "mail.example.com");
  EXPECT_EQ(canonical_name("_dmarc.example.org"), "_dmarc.example.org");
  EXPECT_EQ(canonical_name("."), "");
  EXPECT_EQ(canonical_name("b\xc3\x9c.example"), "b\xc3\x9c.example");  // ASCII letters only
}

TEST(ServersCsv, NormalisesEveryForm) {
  EXPECT_EQ(detail::servers_csv({}), "");
  EXPECT_EQ(detail::servers_csv({"127.0.0.1"}), "127.0.0.1:53");
  EXPECT_EQ(detail::servers_csv({"127.0.0.1:5353", "[::1]:5354", "::1", "[2001:db8::1]", "[127.0.0.2]:54"}),
            "127.0.0.1:5353,[::1]:5354,[::1]:53,[2001:db8::1]:53,127.0.0.2:54");
}

TEST(ServersCsv, RejectsBadEntries) {
  for (const char* bad : {"", "dns.example", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:", "1.2.3.4:53x", "1.2.3.4:-1",
                          "[::1", "[::1]x", "[::1]:", "fe80::1%eth0", "1.2.3.4,5.6.7.8", ":53", "[]:53"}) {
    EXPECT_THROW(detail::servers_csv({bad}), std::runtime_error) << "'" << bad << "'";
  }
}

TEST(ResolverOptionsCheck, BadOptionsThrow) {
  boost::asio::io_context io;
  using namespace std::chrono_literals;
  EXPECT_THROW(Resolver(io.get_executor(), ResolverOptions{{"not-an-ip"}, 1000ms, 2}), std::runtime_error);
  EXPECT_THROW(Resolver(io.get_executor(), ResolverOptions{{"127.0.0.1"}, 0ms, 2}), std::runtime_error);
  EXPECT_THROW(Resolver(io.get_executor(), ResolverOptions{{"127.0.0.1"}, -5ms, 2}), std::runtime_error);
  EXPECT_THROW(Resolver(io.get_executor(), ResolverOptions{{"127.0.0.1"}, 1000ms, 0}), std::runtime_error);
}

TEST(ResolverOptionsCheck, GoodOptionsAndSystemConfiguration) {
  boost::asio::io_context io;
  EXPECT_NO_THROW(Resolver(io.get_executor(), ResolverOptions{{"127.0.0.1:5353", "[::1]:5353", "::1"}}));
  EXPECT_NO_THROW(Resolver(io.get_executor(), ResolverOptions{}));  // /etc/resolv.conf (or c-ares defaults)
  Resolver a(io.get_executor(), ResolverOptions{});
  Resolver b(std::move(a));
  a = std::move(b);  // moves hand the channel over; a moved-from Resolver is inert
}

TEST(DnsStatusMapping, FailuresOfOneQuery) {
  using detail::DnsReply;
  EXPECT_EQ(detail::parse_mx(DnsReply{ARES_ENOTFOUND, {}}).status, DnsStatus::nxdomain);
  EXPECT_EQ(detail::parse_mx(DnsReply{ARES_ENODATA, {}}).status, DnsStatus::nodata);
  for (int temp : {ARES_ETIMEOUT, ARES_ESERVFAIL, ARES_EREFUSED, ARES_ECONNREFUSED, ARES_EDESTRUCTION, ARES_EBADRESP,
                   ARES_ECANCELLED, ARES_ENOMEM, ARES_EFORMERR}) {
    EXPECT_EQ(detail::parse_txt(DnsReply{temp, {}}).status, DnsStatus::temp_failure) << temp;
  }
  EXPECT_EQ(detail::parse_ptr(DnsReply{ARES_EBADNAME, {}}).status, DnsStatus::perm_failure);
  EXPECT_EQ(to_string(DnsStatus::temp_failure), "temp_failure");
}

TEST(DnsStatusMapping, GarbageAnswerIsTemporary) {
  using detail::DnsReply;
  const DnsReply garbage{ARES_SUCCESS, {0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00}};
  EXPECT_EQ(detail::parse_mx(garbage).status, DnsStatus::temp_failure);
  EXPECT_EQ(detail::parse_txt(garbage).status, DnsStatus::temp_failure);
  EXPECT_EQ(detail::parse_ptr(garbage).status, DnsStatus::temp_failure);
  EXPECT_EQ(detail::parse_addresses(garbage, garbage).status, DnsStatus::temp_failure);
  EXPECT_EQ(detail::parse_mx(DnsReply{ARES_SUCCESS, {}}).status, DnsStatus::temp_failure);
}

TEST(DnsStatusMapping, AddressFamiliesCombine) {
  using detail::DnsReply;
  auto combine = [](int a, int aaaa) { return detail::parse_addresses(DnsReply{a, {}}, DnsReply{aaaa, {}}).status; };
  EXPECT_EQ(combine(ARES_ENOTFOUND, ARES_ENOTFOUND), DnsStatus::nxdomain);
  EXPECT_EQ(combine(ARES_ENODATA, ARES_ENODATA), DnsStatus::nodata);
  EXPECT_EQ(combine(ARES_ENODATA, ARES_ENOTFOUND), DnsStatus::nxdomain);
  EXPECT_EQ(combine(ARES_ENOTFOUND, ARES_ETIMEOUT), DnsStatus::temp_failure);
  EXPECT_EQ(combine(ARES_ETIMEOUT, ARES_ENODATA), DnsStatus::temp_failure);
}

}  // namespace
