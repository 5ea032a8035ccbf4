// net::DnsCache over a net::StaticDns zone with a hand-driven clock: answers are kept for
// their TTL (capped), negative answers for the negative cap, failures never; the oldest entry
// goes when the cache is full.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <optional>

#include "net/deadline_dns.hpp"
#include "net/dns_cache.hpp"
#include "net/static_dns.hpp"

namespace {

namespace asio = boost::asio;
using namespace portcullis::net;
using namespace std::chrono_literals;

template <class R>
R run(asio::awaitable<R> lookup) {
  asio::io_context io;
  std::optional<R> out;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { out = co_await std::move(lookup); }, asio::detached);
  io.run();
  return *out;
}

struct Fixture : ::testing::Test {
  StaticDns zone;
  std::chrono::steady_clock::time_point now{};
  DnsCache::Clock clock = [this] { return now; };
};

TEST_F(Fixture, AnAnswerIsKeptForItsTtl) {
  zone.add_txt("example.com", "v=spf1 -all");
  zone.set_ttl(60);
  DnsCache cache(zone, {}, clock);
  EXPECT_EQ(run(cache.txt("example.com")).records.at(0), "v=spf1 -all");
  EXPECT_EQ(run(cache.txt("EXAMPLE.com.")).records.at(0), "v=spf1 -all");  // same name
  EXPECT_EQ(zone.queries().size(), 1u);
  now += 59s;
  (void)run(cache.txt("example.com"));
  EXPECT_EQ(zone.queries().size(), 1u);
  now += 1s;  // expired
  (void)run(cache.txt("example.com"));
  EXPECT_EQ(zone.queries().size(), 2u);
  EXPECT_EQ(cache.stats().hits, 2u);
  EXPECT_EQ(cache.stats().misses, 2u);
}

TEST_F(Fixture, TypesAreCachedApart) {
  zone.add_address("mx.example.com", boost::asio::ip::make_address("192.0.2.1"));
  DnsCache cache(zone, {}, clock);
  EXPECT_EQ(run(cache.a("mx.example.com")).status, DnsStatus::ok);
  EXPECT_EQ(run(cache.aaaa("mx.example.com")).status, DnsStatus::nodata);
  EXPECT_EQ(run(cache.a("mx.example.com")).addresses.size(), 1u);
  EXPECT_EQ(zone.queries(), (std::vector<std::string>{"A mx.example.com", "AAAA mx.example.com"}));
}

TEST_F(Fixture, NegativeAnswersAreCappedAndFailuresNeverKept) {
  zone.set_ttl(86400);
  zone.timeout("slow.example");
  DnsCache cache(zone, {100, 24h, 30s}, clock);
  EXPECT_EQ(run(cache.txt("missing.example")).status, DnsStatus::nxdomain);
  now += 29s;
  EXPECT_EQ(run(cache.txt("missing.example")).status, DnsStatus::nxdomain);
  EXPECT_EQ(zone.queries().size(), 1u);
  now += 1s;  // the negative cap, not the zone's day
  (void)run(cache.txt("missing.example"));
  EXPECT_EQ(zone.queries().size(), 2u);

  EXPECT_EQ(run(cache.mx("slow.example")).status, DnsStatus::temp_failure);
  EXPECT_EQ(run(cache.mx("slow.example")).status, DnsStatus::temp_failure);
  EXPECT_EQ(zone.queries().size(), 4u);  // asked again each time
}

TEST_F(Fixture, AZeroTtlIsNotKept) {
  zone.add_txt("example.com", "x");
  zone.set_ttl(0);
  DnsCache cache(zone, {}, clock);
  (void)run(cache.txt("example.com"));
  (void)run(cache.txt("example.com"));
  EXPECT_EQ(zone.queries().size(), 2u);
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST_F(Fixture, TheOldestEntryGoesWhenFull) {
  for (const char* n : {"a.example", "b.example", "c.example"}) zone.add_txt(n, n);
  DnsCache cache(zone, {2, 24h, 15min}, clock);
  (void)run(cache.txt("a.example"));
  (void)run(cache.txt("b.example"));
  (void)run(cache.txt("c.example"));  // a.example goes
  EXPECT_EQ(cache.stats().entries, 2u);
  zone.clear_queries();
  (void)run(cache.txt("c.example"));
  (void)run(cache.txt("b.example"));
  EXPECT_TRUE(zone.queries().empty());
  (void)run(cache.txt("a.example"));
  EXPECT_EQ(zone.queries(), (std::vector<std::string>{"TXT a.example"}));
}

TEST_F(Fixture, PtrAnswersAreCachedByAddress) {
  const auto ip = boost::asio::ip::make_address("192.0.2.7");
  zone.add_ptr(ip, "host.example");
  DnsCache cache(zone, {}, clock);
  EXPECT_EQ(run(cache.ptr(ip)).names, (std::vector<std::string>{"host.example"}));
  EXPECT_EQ(run(cache.ptr(ip)).names, (std::vector<std::string>{"host.example"}));
  EXPECT_EQ(zone.queries(), (std::vector<std::string>{"PTR 7.2.0.192.in-addr.arpa"}));
}

}  // namespace

namespace {

TEST(DeadlineDns, AsksUntilTheDeadlineThenAnswersTempFailure) {
  portcullis::net::StaticDns zone;
  zone.add_txt("example.com", "x");
  portcullis::net::DeadlineDns open(zone, std::chrono::steady_clock::now() + std::chrono::hours(1));
  EXPECT_EQ(run(open.txt("example.com")).status, DnsStatus::ok);
  portcullis::net::DeadlineDns over(zone, std::chrono::steady_clock::now() - std::chrono::seconds(1));
  EXPECT_EQ(run(over.txt("example.com")).status, DnsStatus::temp_failure);
  EXPECT_EQ(run(over.mx("example.com")).status, DnsStatus::temp_failure);
  EXPECT_EQ(zone.queries().size(), 1u);  // the late lookups never reached the zone
}

}  // namespace
