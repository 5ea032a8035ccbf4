// IP ranges (checks/reputation/ip_ranges.hpp): priority, ties, expiry, families, bad entries;
// and the client keys every reputation counter uses (checks/reputation/client_key.hpp).
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "checks/reputation/client_key.hpp"
#include "checks/reputation/ip_ranges.hpp"

namespace {

using namespace portcullis::checks::reputation;
using portcullis::store::IpRange;
using portcullis::store::RangeAction;

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

IpRange range(const char* name, const char* cidr, int priority, RangeAction action, std::int64_t expires = 0) {
  IpRange r;
  r.name = name;
  r.cidr = cidr;
  r.priority = priority;
  r.action = action;
  r.expires = expires;
  return r;
}

constexpr std::int64_t kNow = 1'700'000'000;

TEST(IpRanges, HighestPriorityDecides) {
  const IpRanges ranges({range("internet", "0.0.0.0/0", 10, RangeAction::allow),
                         range("bad-net", "198.51.100.0/24", 20, RangeAction::deny),
                         range("partner", "198.51.100.7", 30, RangeAction::allow)});
  auto m = ranges.decide(ip("198.51.100.9"), kNow);
  EXPECT_EQ(m.decision, RangeDecision::deny);
  EXPECT_EQ(m.name, "bad-net");
  EXPECT_EQ(m.cidr, "198.51.100.0/24");
  EXPECT_EQ(m.priority, 20);
  m = ranges.decide(ip("198.51.100.7"), kNow);
  EXPECT_EQ(m.decision, RangeDecision::allow);
  EXPECT_EQ(m.name, "partner");
  m = ranges.decide(ip("203.0.113.1"), kNow);
  EXPECT_EQ(m.decision, RangeDecision::allow);
  EXPECT_EQ(m.name, "internet");
  // The order of the list does not matter.
  const IpRanges reversed({range("partner", "198.51.100.7/32", 30, RangeAction::allow),
                           range("bad-net", "198.51.100.0/24", 20, RangeAction::deny)});
  EXPECT_EQ(reversed.decide(ip("198.51.100.7"), kNow).name, "partner");
  EXPECT_EQ(reversed.decide(ip("198.51.100.8"), kNow).name, "bad-net");
}

TEST(IpRanges, NoMatchIsNone) {
  const IpRanges ranges({range("bad-net", "198.51.100.0/24", 20, RangeAction::deny)});
  const auto m = ranges.decide(ip("192.0.2.1"), kNow);
  EXPECT_EQ(m.decision, RangeDecision::none);
  EXPECT_EQ(m.name, "");
  EXPECT_EQ(IpRanges().decide(ip("192.0.2.1"), kNow).decision, RangeDecision::none);
}

TEST(IpRanges, DenyWinsATie) {
  for (bool deny_first : {true, false}) {
    std::vector<IpRange> list = {range("a", "192.0.2.0/24", 5, RangeAction::allow),
                                 range("d", "192.0.2.0/25", 5, RangeAction::deny)};
    if (deny_first) std::swap(list[0], list[1]);
    const auto m = decide_range(ip("192.0.2.1"), list, kNow);
    EXPECT_EQ(m.decision, RangeDecision::deny);
    EXPECT_EQ(m.name, "d");
  }
}

TEST(IpRanges, ExpiredRangesDoNotCount) {
  const std::vector<IpRange> list = {range("base", "192.0.2.0/24", 1, RangeAction::allow),
                                     range("temp-block", "192.0.2.0/24", 9, RangeAction::deny, kNow + 60)};
  EXPECT_EQ(decide_range(ip("192.0.2.1"), list, kNow).decision, RangeDecision::deny);
  EXPECT_EQ(decide_range(ip("192.0.2.1"), list, kNow + 59).decision, RangeDecision::deny);
  EXPECT_EQ(decide_range(ip("192.0.2.1"), list, kNow + 60).decision, RangeDecision::allow);  // expires <= now
  EXPECT_EQ(decide_range(ip("192.0.2.1"), list, kNow + 600).name, "base");
}

TEST(IpRanges, FamiliesAndMappedClients) {
  const IpRanges ranges({range("v4", "192.0.2.0/24", 1, RangeAction::deny),
                         range("v6", "2001:db8::/32", 1, RangeAction::deny),
                         range("all6", "::/0", 0, RangeAction::allow)});
  EXPECT_EQ(ranges.decide(ip("::ffff:192.0.2.5"), kNow).name, "v4");
  EXPECT_EQ(ranges.decide(ip("2001:db8:1::5"), kNow).name, "v6");
  EXPECT_EQ(ranges.decide(ip("2001:db9::5"), kNow).name, "all6");
  EXPECT_EQ(ranges.decide(ip("198.51.100.1"), kNow).decision, RangeDecision::none);  // ::/0 holds no IPv4
}

TEST(IpRanges, UnparsableRangesNeverMatch) {
  const IpRanges ranges({range("typo", "192.0.2.0/33", 50, RangeAction::deny),
                         range("junk", "not an address", 50, RangeAction::deny),
                         range("ok", "192.0.2.0/24", 1, RangeAction::allow)});
  EXPECT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges.skipped(), (std::vector<std::string>{"typo", "junk"}));
  EXPECT_EQ(ranges.decide(ip("192.0.2.1"), kNow).decision, RangeDecision::allow);
}

TEST(IpRanges, DenyReply) {
  EXPECT_EQ(std::string(kDenyReply).rfind("554 5.7.1 ", 0), 0u);
}

TEST(ClientKey, Ipv4ByAddressIpv6ByNetwork) {
  EXPECT_EQ(client_key(ip("192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(client_key(ip("::ffff:192.0.2.1")), "192.0.2.1");
  EXPECT_EQ(client_key(ip("2001:db8:1:2:aaaa::1")), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key(ip("2001:db8:1:2:bbbb::9")), "2001:db8:1:2::/64");
  EXPECT_EQ(client_key(ip("2001:db8:1:3::1")), "2001:db8:1:3::/64");
  EXPECT_EQ(client_key(ip("2001:db8:1:2::1"), 48), "2001:db8:1::/48");
  EXPECT_EQ(client_key(ip("2001:db8:1:2::1"), 128), "2001:db8:1:2::1");
  EXPECT_EQ(client_key(ip("2001:db8:1:2::1"), 0), "2001:db8:1:2::/64");
  EXPECT_EQ(unmapped(ip("::ffff:10.1.2.3")), ip("10.1.2.3"));
  EXPECT_EQ(unmapped(ip("2001:db8::1")), ip("2001:db8::1"));
}

}  // namespace
