// Checking that a zone works (checks/dnsbl/examine.hpp, portcullis dnsbl test): the answers
// seen and judged, the findings assess() draws from them (pure), and examine() over in-memory
// zones: the names it asks, the TXT record only for a listed address, the time bound.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>

#include "checks/dnsbl/examine.hpp"
#include "checks/dnsbl/query_name.hpp"
#include "net/static_dns.hpp"
#include "../run_async.hpp"
#include "slow_dns.hpp"

namespace {

namespace asio = boost::asio;
using namespace portcullis::checks::dnsbl;
using namespace std::chrono_literals;
using portcullis::net::AddressResult;
using portcullis::net::DnsStatus;
using portcullis::net::StaticDns;
using portcullis::testing::run_async;
using portcullis::testing::SlowDns;


asio::ip::address ip(const char* text) { return asio::ip::make_address(text); }

AddressResult answer(std::initializer_list<const char*> addresses) {
  AddressResult r;
  r.status = DnsStatus::ok;
  for (const char* a : addresses) r.addresses.push_back(ip(a));
  return r;
}

AddressResult status(DnsStatus s) {
  AddressResult r;
  r.status = s;
  return r;
}

const std::optional<AddressResult> no_answer = std::nullopt;
const std::optional<AddressResult> nxdomain = status(DnsStatus::nxdomain);

// A ZoneCheck as examine() would fill it, from what each lookup gave.
ZoneCheck check(const std::optional<AddressResult>& two, const std::optional<AddressResult>& one,
                const char* expect = "") {
  ZoneCheck c;
  c.zone = "bl.example";
  c.expect = expect;
  c.timeout = 2000ms;
  const AnswerPattern pattern = *parse_pattern(expect).pattern;
  c.listed_point = see("2.0.0.127.bl.example", two, pattern);
  c.unlisted_point = see("1.0.0.127.bl.example", one, pattern);
  return c;
}

std::vector<std::string> texts(const Assessment& a, Level level) {
  std::vector<std::string> out;
  for (const auto& f : a.findings)
    if (f.level == level) out.push_back(f.text);
  return out;
}

bool has(const Assessment& a, Level level, const std::string& part) {
  const auto t = texts(a, level);
  return std::any_of(t.begin(), t.end(), [&](const std::string& s) { return s.find(part) != std::string::npos; });
}

TEST(DnsblSee, AnswersAreJudgedByThePattern) {
  const auto pattern = *parse_pattern("127.0.0.2-3").pattern;
  const Seen s =
      see("n", answer({"127.0.0.2", "127.0.0.4", "127.255.255.254", "198.51.100.7", "2001:db8::1"}), pattern);
  EXPECT_TRUE(s.answered);
  EXPECT_EQ(s.status, DnsStatus::ok);
  ASSERT_EQ(s.answers.size(), 4u);  // the IPv6 address is no A answer
  EXPECT_EQ(s.answers[0].address, "127.0.0.2");
  EXPECT_TRUE(s.answers[0].counts);
  EXPECT_EQ(s.answers[1].kind, AnswerKind::listing_range);
  EXPECT_FALSE(s.answers[1].counts);
  EXPECT_EQ(s.answers[2].kind, AnswerKind::refused);
  EXPECT_EQ(s.answers[3].kind, AnswerKind::outside);
  EXPECT_TRUE(s.listed());
  EXPECT_TRUE(s.counted());
  EXPECT_FALSE(see("n", answer({"127.255.255.254"}), pattern).listed());
  EXPECT_FALSE(see("n", answer({"127.0.0.4"}), pattern).counted());
  const Seen late = see("n", no_answer, pattern);
  EXPECT_FALSE(late.answered);
  EXPECT_FALSE(late.listed());
  EXPECT_EQ(see("n", nxdomain, pattern).status, DnsStatus::nxdomain);
}

TEST(DnsblAssess, HealthyZone) {
  const auto a = assess(check(answer({"127.0.0.2", "127.0.0.10"}), nxdomain));
  EXPECT_TRUE(a.healthy);
  ASSERT_EQ(a.findings.size(), 1u);
  EXPECT_EQ(a.findings[0].level, Level::ok);
  EXPECT_EQ(a.findings[0].text, "test point 127.0.0.2 listed (127.0.0.2,127.0.0.10), 127.0.0.1 not listed");
  // NODATA for 127.0.0.1 is "not listed" as well.
  EXPECT_TRUE(assess(check(answer({"127.0.0.2"}), status(DnsStatus::nodata))).healthy);
}

TEST(DnsblAssess, ZoneListingEverything) {
  const auto a = assess(check(answer({"127.0.0.2"}), answer({"127.0.0.2"})));
  EXPECT_FALSE(a.healthy);
  EXPECT_EQ(texts(a, Level::problem),
            std::vector<std::string>{
                "test point 127.0.0.1 is listed (127.0.0.2): the zone answers for every address, do not use it"});
  EXPECT_TRUE(texts(a, Level::ok).empty());
}

TEST(DnsblAssess, TestPointNotListed) {
  for (const auto& two : {nxdomain, std::optional<AddressResult>(status(DnsStatus::nodata))}) {
    const auto a = assess(check(two, nxdomain));
    EXPECT_FALSE(a.healthy);
    ASSERT_EQ(texts(a, Level::problem).size(), 1u);
    EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.2 is not listed (RFC 5782 5"));
  }
}

TEST(DnsblAssess, RefusalCodesSayWhatTheyMean) {
  auto a = assess(check(answer({"127.255.255.254"}), nxdomain));
  EXPECT_FALSE(a.healthy);
  ASSERT_EQ(texts(a, Level::problem).size(), 1u);  // not also "not listed": the refusal says why
  EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.2: answer 127.255.255.254: the list refused the query"));
  EXPECT_TRUE(has(a, Level::problem, "public or open resolver"));
  a = assess(check(answer({"127.255.255.255"}), answer({"127.255.255.255"})));
  EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.1: answer 127.255.255.255"));
  EXPECT_TRUE(has(a, Level::problem, "too many queries"));
  EXPECT_FALSE(has(a, Level::problem, "is listed"));  // a refusal code is no listing
  EXPECT_TRUE(has(assess(check(answer({"127.255.255.252"}), nxdomain)), Level::problem, "typing error"));
  EXPECT_TRUE(has(assess(check(answer({"127.255.255.1"}), nxdomain)), Level::problem, "an error code of the list"));
}

TEST(DnsblAssess, ForeignAnswersTimeoutsAndFailures) {
  auto a = assess(check(answer({"198.51.100.7"}), answer({"198.51.100.7"})));
  EXPECT_FALSE(a.healthy);
  EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.2: answer 198.51.100.7 is outside 127.0.0.0/8"));
  EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.1: answer 198.51.100.7 is outside"));
  a = assess(check(no_answer, no_answer));
  EXPECT_FALSE(a.healthy);
  EXPECT_EQ(texts(a, Level::problem), (std::vector<std::string>{"test point 127.0.0.2: no answer within 2000 ms",
                                                                 "test point 127.0.0.1: no answer within 2000 ms"}));
  a = assess(check(status(DnsStatus::temp_failure), nxdomain));
  EXPECT_FALSE(a.healthy);
  EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.2: temporary DNS failure: the resolver answered SERVFAIL"));
  // A healthy 127.0.0.2 does not excuse a failing 127.0.0.1.
  a = assess(check(answer({"127.0.0.2"}), status(DnsStatus::temp_failure)));
  EXPECT_FALSE(a.healthy);
  EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.1: temporary DNS failure"));
}

TEST(DnsblAssess, PatternThatMatchesNoTestAnswerIsAWarning) {
  auto a = assess(check(answer({"127.0.0.2", "127.0.0.10"}), nxdomain, "127.0.0.4"));
  EXPECT_TRUE(a.healthy);
  EXPECT_TRUE(has(a, Level::warning, "the expected result '127.0.0.4' matches none of the answers for 127.0.0.2 "
                                     "(127.0.0.2,127.0.0.10)"));
  a = assess(check(answer({"127.0.0.2", "127.0.0.10"}), nxdomain, "127.0.0.10-11"));
  EXPECT_TRUE(texts(a, Level::warning).empty());
}

TEST(DnsblAssess, Ipv6TestPoints) {
  const auto pattern = AnswerPattern();
  auto c = check(answer({"127.0.0.2"}), nxdomain);
  c.listed_point6 = see("v6-2", answer({"127.0.0.2"}), pattern);
  c.unlisted_point6 = see("v6-1", nxdomain, pattern);
  auto a = assess(c);
  EXPECT_TRUE(a.healthy);
  EXPECT_TRUE(has(a, Level::info, "IPv6 test point ::ffff:7f00:2 listed (127.0.0.2), ::ffff:7f00:1 not listed"));
  // An IPv4-only zone: fine, said so.
  c.listed_point6 = see("v6-2", nxdomain, pattern);
  a = assess(c);
  EXPECT_TRUE(a.healthy);
  EXPECT_TRUE(has(a, Level::info, "an IPv4-only zone"));
  // Failures of the optional IPv6 lookups are notes...
  c.listed_point6 = see("v6-2", no_answer, pattern);
  a = assess(c);
  EXPECT_TRUE(a.healthy);
  EXPECT_TRUE(has(a, Level::info, "IPv6 test point ::ffff:7f00:2: no answer within 2000 ms"));
  // ... and left out when IPv4 failed already.
  c.listed_point = see("2", no_answer, pattern);
  a = assess(c);
  EXPECT_FALSE(has(a, Level::info, "IPv6"));
  // Listing ::ffff:7f00:1 is listing every IPv6 client: a problem.
  c = check(answer({"127.0.0.2"}), nxdomain);
  c.listed_point6 = see("v6-2", answer({"127.0.0.2"}), pattern);
  c.unlisted_point6 = see("v6-1", answer({"127.0.0.2"}), pattern);
  a = assess(c);
  EXPECT_FALSE(a.healthy);
  EXPECT_TRUE(has(a, Level::problem, "IPv6 test point ::ffff:7f00:1 is listed (127.0.0.2)"));
  EXPECT_TRUE(has(a, Level::ok, "test point 127.0.0.2 listed"));  // IPv4 itself is fine
}

TEST(DnsblAssess, AddressLookup) {
  const auto with_address = [](const char* expect, const std::optional<AddressResult>& result,
                               const char* address = "192.0.2.99") {
    auto c = check(answer({"127.0.0.2"}), nxdomain, expect);
    c.address = ip(address);
    c.lookup = see("99.2.0.192.bl.example", result, *parse_pattern(expect).pattern);
    return c;
  };
  auto a = assess(with_address("", answer({"127.0.0.2", "127.0.0.4"})));
  EXPECT_TRUE(a.healthy);
  EXPECT_TRUE(has(a, Level::info, "192.0.2.99 is listed: 127.0.0.2,127.0.0.4 (any answer in 127.0.0.0/8 counts)"));
  a = assess(with_address("127.0.0.4-5", answer({"127.0.0.2", "127.0.0.4"})));
  EXPECT_TRUE(has(a, Level::info, "192.0.2.99 is listed: 127.0.0.2,127.0.0.4; 127.0.0.4 matches the expected "
                                  "result '127.0.0.4-5'"));
  a = assess(with_address("127.0.0.3", answer({"127.0.0.2", "127.0.0.4"})));
  EXPECT_TRUE(has(a, Level::info, "which the expected result '127.0.0.3' does not match: the gateway does not count"));
  a = assess(with_address("", nxdomain, "2001:db8::1"));
  EXPECT_TRUE(a.healthy);
  EXPECT_TRUE(has(a, Level::info, "2001:db8::1 is not listed"));
  auto c = with_address("", answer({"127.0.0.2"}));
  c.lookup->reason = "Listed for spam, see https://bl.example/q?192.0.2.99";
  EXPECT_TRUE(has(assess(c), Level::info, "192.0.2.99: reason: Listed for spam, see https://bl.example/q?192.0.2.99"));
  // Whatever stops the lookup is a problem of the zone.
  a = assess(with_address("", answer({"127.255.255.254"})));
  EXPECT_FALSE(a.healthy);
  EXPECT_TRUE(has(a, Level::problem, "192.0.2.99: answer 127.255.255.254: the list refused the query"));
  EXPECT_FALSE(has(a, Level::info, "is not listed"));
  a = assess(with_address("", no_answer));
  EXPECT_FALSE(a.healthy);
  EXPECT_TRUE(has(a, Level::problem, "192.0.2.99: no answer within 2000 ms"));
}

TEST(DnsblAssess, UnusableZone) {
  ZoneCheck c;
  c.zone = "bad zone";
  c.error = "the zone holds a character other than letters, digits, '-', '_' and '.'";
  const auto a = assess(c);
  EXPECT_FALSE(a.healthy);
  EXPECT_TRUE(has(a, Level::problem, "cannot be queried: the zone holds a character"));
}

TEST(DnsblExamine, AsksTheTestPointsAndTheAddress) {
  StaticDns dns;
  dns.add_address("2.0.0.127.bl.example", ip("127.0.0.2"));
  dns.add_address("2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.example", ip("127.0.0.2"));
  dns.add_address("99.2.0.192.bl.example", ip("127.0.0.3"));
  dns.add_txt("99.2.0.192.bl.example", "spam\r\nsource");
  Zone z;
  z.zone = "BL.example.";
  z.expect = "127.0.0.3";
  ExamineOptions options;
  options.timeout = 1000ms;
  options.address = ip("::ffff:192.0.2.99");
  const ZoneCheck c = run_async(examine(dns, z, options));
  EXPECT_EQ(c.error, "");
  ASSERT_TRUE(c.listed_point && c.unlisted_point && c.listed_point6 && c.unlisted_point6 && c.lookup);
  EXPECT_TRUE(c.listed_point->listed());
  EXPECT_EQ(c.unlisted_point->status, DnsStatus::nxdomain);
  EXPECT_TRUE(c.listed_point6->listed());
  EXPECT_FALSE(c.unlisted_point6->listed());
  EXPECT_EQ(c.address, ip("192.0.2.99"));  // v4-mapped: asked and shown as IPv4
  EXPECT_TRUE(c.lookup->counted());
  EXPECT_EQ(c.lookup->reason, "spamsource");
  const auto& q = dns.queries();
  EXPECT_EQ(q, (std::vector<std::string>{
                   "A 2.0.0.127.bl.example", "A 1.0.0.127.bl.example",
                   "A 2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.example",
                   "A 1.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.bl.example",
                   "A 99.2.0.192.bl.example", "TXT 99.2.0.192.bl.example"}));
  const auto a = assess(c);
  EXPECT_TRUE(a.healthy);
  EXPECT_TRUE(has(a, Level::warning, "matches none of the answers for 127.0.0.2"));

  // Not listed: no TXT lookup; without ipv6, no nibble names.
  dns.clear_queries();
  options.ipv6 = false;
  options.address = ip("192.0.2.1");
  const ZoneCheck plain = run_async(examine(dns, z, options));
  EXPECT_FALSE(plain.listed_point6);
  EXPECT_EQ(dns.queries(), (std::vector<std::string>{"A 2.0.0.127.bl.example", "A 1.0.0.127.bl.example",
                                                     "A 1.2.0.192.bl.example"}));
}

TEST(DnsblExamine, UnusableZonesAreNotAsked) {
  StaticDns dns;
  Zone z;
  z.zone = "bl.example";
  z.expect = "10.0.0.2";
  const ZoneCheck c = run_async(examine(dns, z, ExamineOptions{}));
  EXPECT_NE(c.error.find("expected result: pattern '10.0.0.2' must start with 127"), std::string::npos);
  EXPECT_TRUE(dns.queries().empty());
  EXPECT_FALSE(assess(c).healthy);
}

TEST(DnsblExamine, ASilentResolverIsReportedAtTheTimeBound) {
  SlowDns dns(30s);
  dns.slow_all();
  Zone z;
  z.zone = "bl.example";
  ExamineOptions options;
  options.timeout = 100ms;
  std::optional<ZoneCheck> out;
  const auto start = std::chrono::steady_clock::now();
  run_async([&]() -> asio::awaitable<int> {
    auto op = examine(dns, z, options);
    out = co_await std::move(op);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    dns.release();
    co_return 0;
  }());
  ASSERT_TRUE(out);
  const auto a = assess(*out);
  EXPECT_FALSE(a.healthy);
  EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.2: no answer within 100 ms"));
  EXPECT_TRUE(has(a, Level::problem, "test point 127.0.0.1: no answer within 100 ms"));
  EXPECT_FALSE(has(a, Level::info, "IPv6"));
}

}  // namespace
