// DNSBL lookups (checks/dnsbl/lookup.hpp) over in-memory zones: listed, not listed, patterns,
// refusal codes, DNS failures and timeouts, IPv6 clients, stages, TXT reasons, and the RFC 5782
// test-point probe.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "checks/dnsbl/lookup.hpp"
#include "net/static_dns.hpp"
#include "../run_async.hpp"
#include "slow_dns.hpp"

namespace {

namespace asio = boost::asio;
using namespace portcullis::checks::dnsbl;
using namespace std::chrono_literals;
using portcullis::net::RrType;
using portcullis::net::StaticDns;
using portcullis::testing::run_async;
using portcullis::testing::SlowDns;


asio::ip::address ip(const char* text) { return asio::ip::make_address(text); }

Zone zone(const char* name, const char* expect, Action action, double score, Stage stage = Stage::connect) {
  Zone z;
  z.zone = name;
  z.expect = expect;
  z.action = action;
  z.score = score;
  z.stage = stage;
  return z;
}

Outcome check(portcullis::net::DnsSource& dns, const char* client, const std::vector<Zone>& zones,
              Stage stage = Stage::connect, Settings settings = {}) {
  return run_async(lookup(dns, ip(client), zones, stage, settings));
}

bool has_problem(const Outcome& o, const std::string& zone, const std::string& part) {
  return std::any_of(o.problems.begin(), o.problems.end(), [&](const Problem& p) {
    return p.zone == zone && p.what.find(part) != std::string::npos;
  });
}

TEST(DnsblLookup, ListedClientScoresAndBlocks) {
  StaticDns dns;
  dns.add_address("99.2.0.192.score.example", ip("127.0.0.2"));
  dns.add_address("99.2.0.192.block.example", ip("127.0.0.4"));
  dns.add_txt("99.2.0.192.block.example", "Listed for spam, see https://block.example/q?192.0.2.99");
  const std::vector<Zone> zones = {zone("score.example", "", Action::score, 2.5),
                                   zone("block.example", "127.0.0.[2..11]", Action::block, 10),
                                   zone("clean.example", "", Action::block, 10)};
  const auto o = check(dns, "192.0.2.99", zones);
  EXPECT_EQ(o.queried, 3u);
  ASSERT_EQ(o.hits.size(), 2u);
  EXPECT_EQ(o.hits[0].zone, "score.example");
  EXPECT_EQ(o.hits[0].answer, "127.0.0.2");
  EXPECT_EQ(o.hits[0].symbol, "RBL_SCORE_EXAMPLE");
  EXPECT_EQ(o.hits[0].score, 2.5);
  EXPECT_FALSE(o.hits[0].blocks);
  EXPECT_EQ(o.hits[0].reason, "");
  EXPECT_EQ(o.hits[1].zone, "block.example");
  EXPECT_EQ(o.hits[1].answer, "127.0.0.4");
  EXPECT_TRUE(o.hits[1].blocks);
  EXPECT_EQ(o.hits[1].reason, "Listed for spam, see https://block.example/q?192.0.2.99");
  EXPECT_TRUE(o.blocked);
  EXPECT_EQ(o.score, 12.5);
  EXPECT_EQ(o.reply,
            "554 5.7.1 Service unavailable; client [192.0.2.99] blocked using block.example; Listed for spam, see "
            "https://block.example/q?192.0.2.99");
  EXPECT_TRUE(o.problems.empty());
  // Every zone was asked once, the TXT record only for the hits.
  const auto& q = dns.queries();
  EXPECT_EQ(std::count(q.begin(), q.end(), "A 99.2.0.192.clean.example"), 1);
  EXPECT_EQ(std::count(q.begin(), q.end(), "TXT 99.2.0.192.clean.example"), 0);
  EXPECT_EQ(std::count(q.begin(), q.end(), "TXT 99.2.0.192.score.example"), 1);
}

TEST(DnsblLookup, NotListedAndScoreOnly) {
  StaticDns dns;
  dns.add_address("99.2.0.192.score.example", ip("127.0.0.2"));
  auto o = check(dns, "192.0.2.1", {zone("score.example", "", Action::block, 1)});
  EXPECT_TRUE(o.hits.empty());
  EXPECT_FALSE(o.blocked);
  EXPECT_EQ(o.reply, "");
  EXPECT_TRUE(o.problems.empty());  // NXDOMAIN is the normal "not listed"
  o = check(dns, "192.0.2.99", {zone("score.example", "", Action::score, 3)});
  ASSERT_EQ(o.hits.size(), 1u);
  EXPECT_FALSE(o.blocked);
  EXPECT_EQ(o.reply, "");
  EXPECT_EQ(o.score, 3);
}

TEST(DnsblLookup, PatternDecidesWhichAnswersList) {
  StaticDns dns;
  dns.add_address("99.2.0.192.multi.example", ip("127.0.0.3"));
  dns.add_address("99.2.0.192.multi.example", ip("127.0.0.10"));
  dns.add_address("99.2.0.192.multi.example", ip("127.0.0.11"));
  EXPECT_TRUE(check(dns, "192.0.2.99", {zone("multi.example", "127.0.0.2", Action::block, 1)}).hits.empty());
  const auto o = check(dns, "192.0.2.99", {zone("multi.example", "127.0.0.2, 127.0.0.10-20", Action::block, 1)});
  ASSERT_EQ(o.hits.size(), 1u);
  EXPECT_EQ(o.hits[0].answer, "127.0.0.10,127.0.0.11");
  EXPECT_TRUE(o.blocked);
}

TEST(DnsblLookup, RefusedQueriesAndForeignAnswersAreNoListing) {
  StaticDns dns;
  dns.add_address("99.2.0.192.refusing.example", ip("127.255.255.254"));
  dns.add_address("99.2.0.192.wild.example", ip("198.51.100.7"));  // a wildcard in a dead list's domain
  const auto o = check(dns, "192.0.2.99",
                       {zone("refusing.example", "", Action::block, 5), zone("wild.example", "", Action::block, 5)});
  EXPECT_TRUE(o.hits.empty());
  EXPECT_FALSE(o.blocked);
  EXPECT_TRUE(has_problem(o, "refusing.example", "127.255.255.254: the list refused the query"));
  EXPECT_TRUE(has_problem(o, "wild.example", "198.51.100.7 outside 127.0.0.0/8"));
}

TEST(DnsblLookup, DnsFailuresAreNoListingAndReported) {
  StaticDns dns;
  dns.add_address("99.2.0.192.ok.example", ip("127.0.0.2"));
  dns.timeout("99.2.0.192.servfail.example");
  const auto o = check(dns, "192.0.2.99",
                       {zone("servfail.example", "", Action::block, 5), zone("ok.example", "", Action::score, 1)});
  ASSERT_EQ(o.hits.size(), 1u);
  EXPECT_EQ(o.hits[0].zone, "ok.example");
  EXPECT_FALSE(o.blocked);
  EXPECT_TRUE(has_problem(o, "servfail.example", "temporary DNS failure"));
}

TEST(DnsblLookup, BadZonesAreSkippedAndReported) {
  StaticDns dns;
  dns.add_address("99.2.0.192.ok.example", ip("127.0.0.2"));
  const auto o = check(dns, "192.0.2.99",
                       {zone("bad zone", "", Action::block, 5), zone("pattern.example", "10.0.0.1", Action::block, 5),
                        zone("ok.example", "", Action::score, 1)});
  EXPECT_EQ(o.queried, 3u);
  ASSERT_EQ(o.hits.size(), 1u);
  EXPECT_TRUE(has_problem(o, "bad zone", "not queried"));
  EXPECT_TRUE(has_problem(o, "pattern.example", "must start with 127"));
  EXPECT_EQ(dns.queries().size(), 2u);  // ok.example's A and TXT only
  EXPECT_EQ(check_zone(zone("ok.example", "127.0.0.2", Action::block, 1)), "");
  EXPECT_NE(check_zone(zone("ok.example", "127.0.0.300", Action::block, 1)).find("expected result: bad octet"),
            std::string::npos);
}

TEST(DnsblLookup, StagesSelectTheZones) {
  StaticDns dns;
  dns.add_address("99.2.0.192.connect.example", ip("127.0.0.2"));
  dns.add_address("99.2.0.192.rcpt.example", ip("127.0.0.2"));
  const std::vector<Zone> zones = {zone("connect.example", "", Action::block, 1, Stage::connect),
                                   zone("rcpt.example", "", Action::block, 1, Stage::rcpt)};
  auto o = check(dns, "192.0.2.99", zones, Stage::rcpt);
  EXPECT_EQ(o.queried, 1u);
  ASSERT_EQ(o.hits.size(), 1u);
  EXPECT_EQ(o.hits[0].zone, "rcpt.example");
  EXPECT_EQ(std::count(dns.queries().begin(), dns.queries().end(), "A 99.2.0.192.connect.example"), 0);
  o = check(dns, "192.0.2.99", {});
  EXPECT_EQ(o.queried, 0u);
  EXPECT_TRUE(o.hits.empty());
}

TEST(DnsblLookup, Ipv6ClientsAreQueriedByNibbles) {
  StaticDns dns;
  dns.add_address("b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.v6.example", ip("127.0.0.2"));
  auto o = check(dns, "2001:db8:1:2:3:4:567:89ab", {zone("v6.example", "", Action::block, 1)});
  ASSERT_EQ(o.hits.size(), 1u);
  EXPECT_EQ(o.reply.rfind("554 5.7.1 Service unavailable; client [2001:db8:1:2:3:4:567:89ab] blocked", 0), 0u);
  // A v4-mapped client is reported and queried as IPv4.
  dns.add_address("99.2.0.192.v6.example", ip("127.0.0.2"));
  o = check(dns, "::ffff:192.0.2.99", {zone("v6.example", "", Action::block, 1)});
  ASSERT_EQ(o.hits.size(), 1u);
  EXPECT_NE(o.reply.find("client [192.0.2.99]"), std::string::npos);
}

TEST(DnsblLookup, ReasonsAreOptionalAndMadePrintable) {
  StaticDns dns;
  dns.add_address("99.2.0.192.zone.example", ip("127.0.0.2"));
  dns.add_txt("99.2.0.192.zone.example", "bad\r\n\x01text\t" + std::string(300, 'x'));
  Settings settings;
  auto o = check(dns, "192.0.2.99", {zone("zone.example", "", Action::block, 1)}, Stage::connect, settings);
  ASSERT_EQ(o.hits.size(), 1u);
  EXPECT_EQ(o.hits[0].reason.size(), kMaxReason);
  EXPECT_EQ(o.hits[0].reason.rfind("badtext xxx", 0), 0u);
  for (const char c : o.reply) EXPECT_TRUE(c >= 0x20 && c <= 0x7e);
  settings.fetch_reason = false;
  dns.clear_queries();
  o = check(dns, "192.0.2.99", {zone("zone.example", "", Action::block, 1)}, Stage::connect, settings);
  EXPECT_EQ(o.hits[0].reason, "");
  EXPECT_EQ(o.reply, "554 5.7.1 Service unavailable; client [192.0.2.99] blocked using zone.example");
  EXPECT_EQ(dns.queries().size(), 1u);
}

TEST(DnsblLookup, ZonesAreQueriedAtOnce) {
  SlowDns dns(300ms);
  dns.slow_all();
  for (const char* z : {"one.example", "two.example", "three.example"})
    dns.zone().add_address(std::string("99.2.0.192.") + z, ip("127.0.0.2"));
  Settings settings;
  settings.timeout = 5000ms;
  settings.fetch_reason = false;
  const auto start = std::chrono::steady_clock::now();
  const auto o = check(dns, "192.0.2.99",
                       {zone("one.example", "", Action::score, 1), zone("two.example", "", Action::score, 1),
                        zone("three.example", "", Action::score, 1)},
                       Stage::connect, settings);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(o.hits.size(), 3u);
  EXPECT_TRUE(o.problems.empty());
  EXPECT_LT(elapsed, 800ms);  // three lookups one after the other would take 900 ms
  EXPECT_GE(elapsed, 300ms);
}

TEST(DnsblLookup, AZoneThatDoesNotAnswerTimesOut) {
  SlowDns dns(30s);
  dns.slow("99.2.0.192.hanging.example");
  dns.zone().add_address("99.2.0.192.hanging.example", ip("127.0.0.2"));  // would be listed, too late
  dns.zone().add_address("99.2.0.192.fast.example", ip("127.0.0.2"));
  Settings settings;
  settings.timeout = 100ms;
  const std::vector<Zone> zones = {zone("hanging.example", "", Action::block, 5),
                                   zone("fast.example", "", Action::score, 1)};
  const auto start = std::chrono::steady_clock::now();
  std::optional<Outcome> out;
  std::chrono::steady_clock::duration elapsed{};
  run_async([&]() -> asio::awaitable<int> {
    auto op = lookup(dns, ip("192.0.2.99"), zones, Stage::connect, settings);
    out = co_await std::move(op);
    elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(dns.waiting(), 1u);  // the hanging lookup still runs in the background
    dns.release();
    co_return 0;
  }());
  ASSERT_TRUE(out);
  EXPECT_GE(elapsed, 100ms);
  EXPECT_LT(elapsed, 2s);
  ASSERT_EQ(out->hits.size(), 1u);
  EXPECT_EQ(out->hits[0].zone, "fast.example");
  EXPECT_FALSE(out->blocked);
  EXPECT_TRUE(has_problem(*out, "hanging.example", "no answer within 100 ms"));
}

// A source whose TXT lookups hang while every other lookup answers at once.
struct TxtHangs final : portcullis::net::DnsSource {
  SlowDns slow{30s};
  TxtHangs() { slow.slow_all(); }
  StaticDns& zone() { return slow.zone(); }
  asio::awaitable<portcullis::net::TxtResult> txt(std::string n) override { return slow.txt(std::move(n)); }
  asio::awaitable<portcullis::net::AddressResult> a(std::string n) override { return zone().a(std::move(n)); }
  asio::awaitable<portcullis::net::AddressResult> aaaa(std::string n) override { return zone().aaaa(std::move(n)); }
  asio::awaitable<portcullis::net::MxResult> mx(std::string n) override { return zone().mx(std::move(n)); }
  asio::awaitable<portcullis::net::PtrResult> ptr(asio::ip::address i) override { return zone().ptr(i); }
};

TEST(DnsblLookup, ASlowTxtReasonDoesNotHoldTheVerdict) {
  TxtHangs dns;
  dns.zone().add_address("99.2.0.192.zone.example", ip("127.0.0.2"));
  dns.zone().add_txt("99.2.0.192.zone.example", "listed");
  Settings settings;
  settings.timeout = 100ms;
  const std::vector<Zone> zones = {zone("zone.example", "", Action::block, 5)};
  std::optional<Outcome> out;
  const auto start = std::chrono::steady_clock::now();
  run_async([&]() -> asio::awaitable<int> {
    auto op = lookup(dns, ip("192.0.2.99"), zones, Stage::connect, settings);
    out = co_await std::move(op);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    dns.slow.release();
    co_return 0;
  }());
  ASSERT_TRUE(out);
  ASSERT_EQ(out->hits.size(), 1u);
  EXPECT_EQ(out->hits[0].reason, "");
  EXPECT_TRUE(out->blocked);
  EXPECT_TRUE(out->problems.empty());  // the reason is optional: its absence is no problem
  EXPECT_EQ(out->reply, "554 5.7.1 Service unavailable; client [192.0.2.99] blocked using zone.example");
}

TEST(DnsblProbe, Rfc5782TestPoints) {
  StaticDns dns;
  dns.add_address("2.0.0.127.good.example", ip("127.0.0.2"));
  dns.add_address("2.0.0.127.good.example", ip("127.0.0.10"));
  dns.add_address("2.0.0.127.everything.example", ip("127.0.0.2"));
  dns.add_address("1.0.0.127.everything.example", ip("127.0.0.2"));
  dns.add_address("2.0.0.127.refusing.example", ip("127.255.255.254"));
  dns.timeout("2.0.0.127.broken.example");
  auto probe_of = [&](const char* name, const char* expect = "") {
    Zone z = zone(name, expect, Action::block, 1);
    return run_async(probe(dns, z, 1000ms));
  };
  auto p = probe_of("good.example");
  EXPECT_TRUE(p.working) << p.detail;
  EXPECT_EQ(p.detail, "test point 127.0.0.2 listed (127.0.0.2,127.0.0.10), 127.0.0.1 not listed");
  p = probe_of("good.example", "127.0.0.4");
  EXPECT_TRUE(p.working);
  EXPECT_NE(p.detail.find("the expected result '127.0.0.4' matches none"), std::string::npos);
  p = probe_of("everything.example");
  EXPECT_FALSE(p.working);
  EXPECT_NE(p.detail.find("127.0.0.1 is listed"), std::string::npos);
  p = probe_of("empty.example");
  EXPECT_FALSE(p.working);
  EXPECT_NE(p.detail.find("127.0.0.2 is not listed"), std::string::npos);
  p = probe_of("refusing.example");
  EXPECT_FALSE(p.working);
  EXPECT_NE(p.detail.find("refused the query"), std::string::npos);
  p = probe_of("broken.example");
  EXPECT_FALSE(p.working);
  EXPECT_NE(p.detail.find("temporary DNS failure"), std::string::npos);
  p = probe_of("bad zone");
  EXPECT_FALSE(p.working);
  EXPECT_NE(p.detail.find("cannot be queried"), std::string::npos);
}

}  // namespace
