#include "policy/cidr.hpp"

#include <gtest/gtest.h>

#include <string>

namespace portcullis::policy {
namespace {

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

struct ParseCase {
  const char* input;
  const char* canonical;  // nullptr: must be rejected
};

class CidrParse : public ::testing::TestWithParam<ParseCase> {};

TEST_P(CidrParse, ParsesOrRejects) {
  const auto& c = GetParam();
  const auto cidr = Cidr::parse(c.input);
  if (c.canonical == nullptr) {
    EXPECT_FALSE(cidr.has_value()) << c.input << " -> " << cidr->text();
  } else {
    ASSERT_TRUE(cidr.has_value()) << c.input;
    EXPECT_EQ(cidr->text(), c.canonical) << c.input;
    // The canonical text parses back to the same network.
    const auto again = Cidr::parse(cidr->text());
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, *cidr);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, CidrParse,
    ::testing::Values(
        // IPv4
        ParseCase{"192.0.2.0/24", "192.0.2.0/24"}, ParseCase{"192.0.2.7/24", "192.0.2.0/24"},
        ParseCase{"192.0.2.255/25", "192.0.2.128/25"}, ParseCase{"192.0.2.1", "192.0.2.1/32"},
        ParseCase{"192.0.2.1/32", "192.0.2.1/32"}, ParseCase{"0.0.0.0/0", "0.0.0.0/0"},
        ParseCase{"10.20.30.40/0", "0.0.0.0/0"}, ParseCase{"10.255.255.255/9", "10.128.0.0/9"},
        ParseCase{"172.16.5.4/12", "172.16.0.0/12"}, ParseCase{"255.255.255.255/31", "255.255.255.254/31"},
        ParseCase{"10.0.0.1/1", "0.0.0.0/1"}, ParseCase{"200.0.0.1/1", "128.0.0.0/1"},
        // IPv6
        ParseCase{"2001:db8::/32", "2001:db8::/32"}, ParseCase{"2001:DB8::/32", "2001:db8::/32"},
        ParseCase{"2001:db8:ffff::1/32", "2001:db8::/32"}, ParseCase{"2001:db8::1", "2001:db8::1/128"},
        ParseCase{"2001:db8::1/128", "2001:db8::1/128"}, ParseCase{"::/0", "::/0"},
        ParseCase{"ffff::/0", "::/0"}, ParseCase{"::1", "::1/128"},
        ParseCase{"2001:0db8:0000:0000:0000:0000:0000:0001/64", "2001:db8::/64"},
        ParseCase{"fe80::1:2:3:4/10", "fe80::/10"}, ParseCase{"2001:db8::ff/121", "2001:db8::80/121"},
        // IPv4-mapped networks become IPv4 networks
        ParseCase{"::ffff:192.0.2.1", "192.0.2.1/32"}, ParseCase{"::ffff:192.0.2.7/120", "192.0.2.0/24"},
        ParseCase{"::ffff:0:0/96", "0.0.0.0/0"},
        // Invalid masks
        ParseCase{"192.0.2.0/33", nullptr}, ParseCase{"2001:db8::/129", nullptr},
        ParseCase{"192.0.2.0/", nullptr}, ParseCase{"192.0.2.0/-1", nullptr},
        ParseCase{"192.0.2.0/+24", nullptr}, ParseCase{"192.0.2.0/024", nullptr},
        ParseCase{"192.0.2.0/24/8", nullptr}, ParseCase{"192.0.2.0/2a", nullptr},
        ParseCase{"192.0.2.0/1000", nullptr}, ParseCase{"192.0.2.0/255.255.255.0", nullptr},
        ParseCase{"192.0.2.0/ 24", nullptr},
        // Garbage and sloppy addresses
        ParseCase{"", nullptr}, ParseCase{"/24", nullptr}, ParseCase{"/", nullptr},
        ParseCase{"example.com", nullptr}, ParseCase{"192.0.2", nullptr}, ParseCase{"192.0.2.256", nullptr},
        ParseCase{"192.0.2.0.1", nullptr}, ParseCase{"1.2.3.04", nullptr}, ParseCase{" 192.0.2.0/24", nullptr},
        ParseCase{"192.0.2.0/24 ", nullptr}, ParseCase{"192.0.2.0 /24", nullptr}, ParseCase{"::1::2", nullptr},
        ParseCase{"2001:db8::g/32", nullptr}, ParseCase{"fe80::1%eth0", nullptr}, ParseCase{"fe80::1%1/64", nullptr},
        ParseCase{"[2001:db8::1]", nullptr}, ParseCase{"0x7f.0.0.1", nullptr}, ParseCase{"2130706433", nullptr},
        ParseCase{"192.0.2.0\n/24", nullptr}, ParseCase{"*", nullptr}));

TEST(Cidr, ParseStopsAtEmbeddedNul) {
  const std::string text("192.0.2.0/24\0/8", 15);
  EXPECT_FALSE(Cidr::parse(text).has_value());
}

TEST(Cidr, Accessors) {
  const auto v4 = Cidr::parse("192.0.2.9/24");
  ASSERT_TRUE(v4);
  EXPECT_TRUE(v4->is_v4());
  EXPECT_EQ(v4->prefix_length(), 24u);
  EXPECT_EQ(v4->network(), ip("192.0.2.0"));
  const auto v6 = Cidr::parse("2001:db8::9/64");
  ASSERT_TRUE(v6);
  EXPECT_FALSE(v6->is_v4());
  EXPECT_EQ(v6->prefix_length(), 64u);
  EXPECT_EQ(v6->network(), ip("2001:db8::"));
}

struct ContainsCase {
  const char* cidr;
  const char* client;
  bool inside;
};

class CidrContains : public ::testing::TestWithParam<ContainsCase> {};

TEST_P(CidrContains, Matches) {
  const auto& c = GetParam();
  const auto cidr = Cidr::parse(c.cidr);
  ASSERT_TRUE(cidr.has_value()) << c.cidr;
  EXPECT_EQ(cidr->contains(ip(c.client)), c.inside) << c.cidr << " contains " << c.client;
}

INSTANTIATE_TEST_SUITE_P(
    Table, CidrContains,
    ::testing::Values(
        ContainsCase{"192.0.2.0/24", "192.0.2.0", true}, ContainsCase{"192.0.2.0/24", "192.0.2.255", true},
        ContainsCase{"192.0.2.0/24", "192.0.3.0", false}, ContainsCase{"192.0.2.0/24", "192.0.1.255", false},
        ContainsCase{"192.0.2.128/25", "192.0.2.127", false}, ContainsCase{"192.0.2.128/25", "192.0.2.128", true},
        ContainsCase{"192.0.2.1/32", "192.0.2.1", true}, ContainsCase{"192.0.2.1/32", "192.0.2.2", false},
        ContainsCase{"192.0.2.1", "192.0.2.1", true}, ContainsCase{"192.0.2.1", "192.0.2.0", false},
        ContainsCase{"0.0.0.0/0", "203.0.113.9", true}, ContainsCase{"0.0.0.0/0", "255.255.255.255", true},
        ContainsCase{"0.0.0.0/0", "2001:db8::1", false}, ContainsCase{"0.0.0.0/0", "::1", false},
        ContainsCase{"128.0.0.0/1", "127.255.255.255", false}, ContainsCase{"128.0.0.0/1", "128.0.0.0", true},
        ContainsCase{"10.0.0.0/9", "10.127.255.255", true}, ContainsCase{"10.0.0.0/9", "10.128.0.0", false},
        // IPv4-mapped IPv6 clients (dual-stack sockets)
        ContainsCase{"192.0.2.0/24", "::ffff:192.0.2.1", true}, ContainsCase{"192.0.2.0/24", "::ffff:192.0.3.1", false},
        ContainsCase{"0.0.0.0/0", "::ffff:198.51.100.1", true}, ContainsCase{"::ffff:192.0.2.0/120", "192.0.2.77", true},
        ContainsCase{"::ffff:192.0.2.0/120", "::ffff:192.0.2.77", true},
        // IPv4-compatible (deprecated) and NAT64 forms are not IPv4 clients
        ContainsCase{"192.0.2.0/24", "::192.0.2.1", false}, ContainsCase{"192.0.2.0/24", "64:ff9b::192.0.2.1", false},
        // IPv6
        ContainsCase{"2001:db8::/32", "2001:db8::1", true}, ContainsCase{"2001:db8::/32", "2001:db8:ffff:ffff::1", true},
        ContainsCase{"2001:db8::/32", "2001:db9::1", false}, ContainsCase{"2001:db8::/32", "2001:db7:ffff::1", false},
        ContainsCase{"2001:db8::1/128", "2001:db8::1", true}, ContainsCase{"2001:db8::1/128", "2001:db8::2", false},
        ContainsCase{"2001:db8::80/121", "2001:db8::ff", true}, ContainsCase{"2001:db8::80/121", "2001:db8::7f", false},
        ContainsCase{"::/0", "2001:db8::1", true}, ContainsCase{"::/0", "::1", true},
        ContainsCase{"::/0", "192.0.2.1", false}, ContainsCase{"::/0", "::ffff:192.0.2.1", false},
        ContainsCase{"::1", "::1", true}, ContainsCase{"::1", "127.0.0.1", false},
        ContainsCase{"2001:db8::/32", "192.0.2.1", false}, ContainsCase{"fe80::/10", "febf::1", true},
        ContainsCase{"fe80::/10", "fec0::1", false}));

}  // namespace
}  // namespace portcullis::policy
