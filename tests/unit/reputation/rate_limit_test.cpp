// Rate limits (checks/reputation/rate_limit.hpp) with a fake clock: bursts, refill, the three
// kinds, IPv6 /64 grouping, replies, bounded memory.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "checks/reputation/rate_limit.hpp"

namespace {

using namespace portcullis::checks::reputation;
using namespace std::chrono_literals;

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

struct FakeClock {
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point(1000h);
  RateLimiter::Clock clock() {
    return [this] { return now; };
  }
};

RateLimitSettings limits(unsigned connections, unsigned messages, unsigned recipients) {
  RateLimitSettings s;
  s.connections_per_minute = connections;
  s.messages_per_minute = messages;
  s.recipients_per_minute = recipients;
  return s;
}

TEST(RateLimit, BurstThenTheRate) {
  FakeClock t;
  RateLimiter limiter(limits(6, 0, 0), t.clock());
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed) << i;
  auto v = limiter.take(ip("192.0.2.1"), RateKind::connection);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reply, "421 4.7.0 Error: too many connections from your address, try again later");
  EXPECT_EQ(v.retry_after, 10s);  // 6 a minute: one token every 10 s
  EXPECT_EQ(v.key, "192.0.2.1");
  t.now += 9s;
  EXPECT_FALSE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  t.now += 1s;
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  EXPECT_FALSE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  // A full minute refills the bucket, never beyond the limit.
  t.now += 10min;
  for (int i = 0; i < 6; ++i) EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  EXPECT_FALSE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
}

TEST(RateLimit, RefusedAttemptsTakeNoToken) {
  FakeClock t;
  RateLimiter limiter(limits(60, 0, 0), t.clock());
  for (int i = 0; i < 60; ++i) ASSERT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  t.now += 1s;  // one token back, despite the 100 refusals
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
}

TEST(RateLimit, KindsAndClientsAreSeparate) {
  FakeClock t;
  RateLimiter limiter(limits(2, 3, 5), t.clock());
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  EXPECT_FALSE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  EXPECT_TRUE(limiter.take(ip("192.0.2.2"), RateKind::connection).allowed);
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::message).allowed);
  auto v = limiter.take(ip("192.0.2.1"), RateKind::message);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reply, "451 4.7.1 Error: too many messages from your address, try again later");
  EXPECT_EQ(v.retry_after, 20s);
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::recipient, 4).allowed);
  v = limiter.take(ip("192.0.2.1"), RateKind::recipient, 2);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.reply, "451 4.7.1 Error: too many recipients from your address, try again later");
  EXPECT_EQ(v.retry_after, 12s);  // one more token needed at 5 a minute
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::recipient, 1).allowed);
  EXPECT_EQ(limiter.tracked(), 2u);
}

TEST(RateLimit, Ipv6ByNetworkMappedAsIpv4) {
  FakeClock t;
  RateLimiter limiter(limits(2, 0, 0), t.clock());
  EXPECT_TRUE(limiter.take(ip("2001:db8:1:2::1"), RateKind::connection).allowed);
  EXPECT_TRUE(limiter.take(ip("2001:db8:1:2::2"), RateKind::connection).allowed);
  const auto v = limiter.take(ip("2001:db8:1:2:ffff::3"), RateKind::connection);
  EXPECT_FALSE(v.allowed);
  EXPECT_EQ(v.key, "2001:db8:1:2::/64");
  EXPECT_TRUE(limiter.take(ip("2001:db8:1:3::1"), RateKind::connection).allowed);
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  EXPECT_TRUE(limiter.take(ip("::ffff:192.0.2.1"), RateKind::connection).allowed);
  EXPECT_FALSE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
}

TEST(RateLimit, ZeroIsNoLimitAndBigBatchesPassWhenFull) {
  FakeClock t;
  RateLimiter limiter(limits(0, 10, 0), t.clock());
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  EXPECT_EQ(limiter.tracked(), 0u);
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::message, 50).allowed);  // capped at the limit
  EXPECT_FALSE(limiter.take(ip("192.0.2.1"), RateKind::message, 1).allowed);
}

TEST(RateLimit, HostnameInThe421AndReconfigure) {
  FakeClock t;
  RateLimitSettings s = limits(1, 0, 0);
  s.hostname = "mx.example.net";
  RateLimiter limiter(s, t.clock());
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
  EXPECT_EQ(limiter.take(ip("192.0.2.1"), RateKind::connection).reply,
            "421 4.7.0 mx.example.net Error: too many connections from your address, try again later");
  s.connections_per_minute = 0;
  limiter.reconfigure(s);
  EXPECT_TRUE(limiter.take(ip("192.0.2.1"), RateKind::connection).allowed);
}

TEST(RateLimit, MemoryIsBounded) {
  FakeClock t;
  RateLimitSettings s = limits(1, 0, 0);
  s.max_tracked = 50;
  RateLimiter limiter(s, t.clock());
  EXPECT_TRUE(limiter.take(ip("198.51.100.1"), RateKind::connection).allowed);
  for (unsigned i = 0; i < 200; ++i)
    limiter.take(boost::asio::ip::address_v4(0xC0000200u + i), RateKind::connection);
  EXPECT_EQ(limiter.tracked(), 50u);
  // The first client was forgotten: it starts with a full bucket (errs towards letting in).
  EXPECT_TRUE(limiter.take(ip("198.51.100.1"), RateKind::connection).allowed);
  EXPECT_FALSE(limiter.take(ip("198.51.100.1"), RateKind::connection).allowed);
}

}  // namespace
