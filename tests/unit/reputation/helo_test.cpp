// HELO checks (checks/reputation/helo.hpp): syntax, bare addresses, literals, localhost, our
// own name and addresses, forward confirmation over in-memory DNS, timeouts and temporary
// failures (never a finding), and the replies when the admin chose reject.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>

#include "../dnsbl/slow_dns.hpp"
#include "checks/reputation/helo.hpp"
#include "net/static_dns.hpp"
#include "temp_store.hpp"

namespace {

using namespace portcullis::checks::reputation;
using namespace std::chrono_literals;
using portcullis::net::StaticDns;
using portcullis::testing::run_async;

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

HeloSettings base() {
  HeloSettings s;
  s.our_names = {"MX.Receiver.example."};
  s.our_addresses = {ip("198.51.100.25"), ip("2001:db8:25::25")};
  return s;
}

std::vector<std::string> names(const HeloOutcome& o) {
  std::vector<std::string> out;
  for (const auto& s : o.symbols) out.push_back(s.name);
  return out;
}

using Names = std::vector<std::string>;

TEST(HeloSyntax, GoodNamesAndLiteralsGiveNothing) {
  const auto s = base();
  for (const char* helo : {"mail.example.org", "MAIL.Example.ORG", "mail.example.org.", "a-b.c1.example"}) {
    const auto o = check_helo_syntax(helo, ip("192.0.2.1"), s);
    EXPECT_TRUE(o.symbols.empty()) << helo;
    EXPECT_EQ(o.score, 0);
    EXPECT_FALSE(o.reject);
  }
  EXPECT_TRUE(check_helo_syntax("[192.0.2.1]", ip("192.0.2.1"), s).symbols.empty());
  EXPECT_TRUE(check_helo_syntax("[192.0.2.1]", ip("::ffff:192.0.2.1"), s).symbols.empty());
  EXPECT_TRUE(check_helo_syntax("[IPv6:2001:db8::7]", ip("2001:db8::7"), s).symbols.empty());
  EXPECT_TRUE(check_helo_syntax("[ipv6:2001:DB8::7]", ip("2001:db8::7"), s).symbols.empty());
}

TEST(HeloSyntax, Findings) {
  const auto s = base();
  const auto client = ip("192.0.2.1");
  EXPECT_EQ(names(check_helo_syntax("", client, s)), Names{"HELO_SYNTAX"});
  EXPECT_EQ(names(check_helo_syntax("mail_server.example", client, s)), Names{"HELO_SYNTAX"});
  EXPECT_EQ(names(check_helo_syntax("mail..example", client, s)), Names{"HELO_SYNTAX"});
  EXPECT_EQ(names(check_helo_syntax("-mail.example", client, s)), Names{"HELO_SYNTAX"});
  EXPECT_EQ(names(check_helo_syntax("mail example", client, s)), Names{"HELO_SYNTAX"});
  EXPECT_EQ(names(check_helo_syntax("[192.0.2.300]", client, s)), Names{"HELO_SYNTAX"});
  EXPECT_EQ(names(check_helo_syntax("[2001:db8::1]", client, s)), Names{"HELO_SYNTAX"});  // needs "IPv6:"
  EXPECT_EQ(names(check_helo_syntax("192.0.2.1]", client, s)), Names{"HELO_SYNTAX"});
  EXPECT_EQ(names(check_helo_syntax("1.2.3", client, s)), Names{"HELO_SYNTAX"});
  EXPECT_EQ(names(check_helo_syntax("192.0.2.1", client, s)), Names{"HELO_BARE_IP"});
  EXPECT_EQ(names(check_helo_syntax("2001:db8::1", client, s)), Names{"HELO_BARE_IP"});
  EXPECT_EQ(names(check_helo_syntax("exchange01", client, s)), Names{"HELO_NOT_FQDN"});
  EXPECT_EQ(names(check_helo_syntax("localhost", client, s)), Names{"HELO_LOCALHOST"});
  EXPECT_EQ(names(check_helo_syntax("LOCALHOST.localdomain", client, s)), Names{"HELO_LOCALHOST"});
  EXPECT_EQ(names(check_helo_syntax("box.localhost", client, s)), Names{"HELO_LOCALHOST"});
  EXPECT_EQ(names(check_helo_syntax("[192.0.2.99]", client, s)), Names{"HELO_LITERAL_MISMATCH"});
  EXPECT_EQ(names(check_helo_syntax("mx.receiver.example", client, s)), Names{"HELO_IS_US"});
  EXPECT_EQ(names(check_helo_syntax("MX.RECEIVER.EXAMPLE.", client, s)), Names{"HELO_IS_US"});
  EXPECT_EQ(names(check_helo_syntax("[198.51.100.25]", client, s)), Names{"HELO_IS_US"});
  EXPECT_EQ(names(check_helo_syntax("[IPv6:2001:db8:25::25]", client, s)), Names{"HELO_IS_US"});
  EXPECT_EQ(names(check_helo_syntax("198.51.100.25", client, s)), (Names{"HELO_BARE_IP", "HELO_IS_US"}));
  // Our own addresses may call themselves by our name.
  EXPECT_TRUE(check_helo_syntax("mx.receiver.example", ip("198.51.100.25"), s).symbols.empty());
  EXPECT_TRUE(check_helo_syntax("[198.51.100.25]", ip("198.51.100.25"), s).symbols.empty());
}

TEST(HeloSyntax, ScoresDetailsAndReplies) {
  auto s = base();
  auto o = check_helo_syntax("exchange01", ip("192.0.2.1"), s);
  EXPECT_EQ(o.score, 1.0);
  EXPECT_EQ(o.symbols[0].detail, "exchange01");
  EXPECT_FALSE(o.reject);
  EXPECT_EQ(o.reply, "");
  s.not_fqdn = {true, 4.0};
  o = check_helo_syntax("exchange01", ip("192.0.2.1"), s);
  EXPECT_TRUE(o.reject);
  EXPECT_EQ(o.score, 4.0);
  EXPECT_EQ(o.reply, "504 5.5.2 Helo command rejected: need fully-qualified hostname");
  s.syntax.reject = true;
  o = check_helo_syntax("bad_name.example", ip("192.0.2.1"), s);
  EXPECT_EQ(o.reply, "501 5.5.2 Helo command rejected: invalid host name");
  s.is_us.reject = true;
  o = check_helo_syntax("mx.receiver.example", ip("192.0.2.1"), s);
  EXPECT_EQ(o.reply, "550 5.7.1 Helo command rejected: you are not me");
  EXPECT_EQ(o.symbols[0].detail, "our name mx.receiver.example from 192.0.2.1");
  s.literal_mismatch.reject = true;
  o = check_helo_syntax("[192.0.2.99]", ip("192.0.2.1"), s);
  EXPECT_EQ(o.reply, "550 5.7.1 Helo command rejected: the address literal is not your address");
  // Only the first rejecting finding gives the reply; unrejected findings still score.
  s.bare_ip = {false, 0.5};
  o = check_helo_syntax("198.51.100.25", ip("192.0.2.1"), s);
  EXPECT_TRUE(o.reject);
  EXPECT_EQ(o.score, 3.5);
  EXPECT_EQ(o.reply, "550 5.7.1 Helo command rejected: you are not me");
  // What the client sent is shown printable and cut.
  o = check_helo_syntax(std::string("bad\x01name") + std::string(200, 'x'), ip("192.0.2.1"), s);
  ASSERT_EQ(o.symbols.size(), 1u);
  EXPECT_EQ(o.symbols[0].detail.rfind("invalid host name bad?name", 0), 0u);
  EXPECT_LT(o.symbols[0].detail.size(), 120u);
}

HeloOutcome dns_check(portcullis::net::DnsSource& dns, const char* helo, const char* client, HeloSettings s) {
  s.check_dns = true;
  return run_async(check_helo(dns, helo, ip(client), s));
}

TEST(HeloDns, ForwardConfirmed) {
  StaticDns dns;
  dns.add_address("mail.example.org", ip("192.0.2.1"));
  dns.add_address("mail.example.org", ip("192.0.2.2"));
  dns.add_address("mail.example.org", ip("2001:db8::1"));
  dns.add_address("v4only.example.org", ip("192.0.2.1"));
  dns.add_cname("alias.example.org", "mail.example.org");
  EXPECT_TRUE(dns_check(dns, "mail.example.org", "192.0.2.2", base()).symbols.empty());
  EXPECT_TRUE(dns_check(dns, "MAIL.example.org.", "::ffff:192.0.2.1", base()).symbols.empty());
  EXPECT_TRUE(dns_check(dns, "mail.example.org", "2001:db8::1", base()).symbols.empty());
  EXPECT_TRUE(dns_check(dns, "alias.example.org", "192.0.2.1", base()).symbols.empty());
  // Only the client's family is asked.
  dns.clear_queries();
  dns_check(dns, "mail.example.org", "192.0.2.1", base());
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"A mail.example.org"});
  dns.clear_queries();
  dns_check(dns, "mail.example.org", "2001:db8::1", base());
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"AAAA mail.example.org"});
}

TEST(HeloDns, NotConfirmed) {
  StaticDns dns;
  dns.add_address("mail.example.org", ip("192.0.2.1"));
  dns.add_address("v4only.example.org", ip("192.0.2.1"));
  auto s = base();
  auto o = dns_check(dns, "mail.example.org", "192.0.2.77", s);
  EXPECT_EQ(names(o), Names{"HELO_NO_FCRDNS"});
  EXPECT_EQ(o.symbols[0].detail, "mail.example.org has no A record for 192.0.2.77");
  EXPECT_FALSE(o.reject);
  o = dns_check(dns, "v4only.example.org", "2001:db8::5", s);  // nodata for AAAA
  EXPECT_EQ(names(o), Names{"HELO_NO_FCRDNS"});
  EXPECT_EQ(o.symbols[0].detail, "v4only.example.org has no AAAA record for 2001:db8::5");
  s.no_fcrdns = {true, 2.0};
  o = dns_check(dns, "nowhere.example.org", "192.0.2.1", s);
  EXPECT_EQ(names(o), Names{"HELO_NO_FCRDNS"});
  EXPECT_EQ(o.symbols[0].detail, "nowhere.example.org does not exist");
  EXPECT_TRUE(o.reject);
  EXPECT_EQ(o.reply, "550 5.7.1 Helo command rejected: host name not found");
  o = dns_check(dns, "mail.example.org", "192.0.2.77", s);
  EXPECT_EQ(o.reply, "550 5.7.1 Helo command rejected: host name does not resolve to your address");
  EXPECT_EQ(o.score, 2.0);
}

TEST(HeloDns, OnlyGoodNamesAreLookedUp) {
  StaticDns dns;
  for (const char* helo :
       {"[192.0.2.1]", "192.0.2.1", "exchange01", "localhost", "mx.receiver.example", "bad_x.example"})
    dns_check(dns, helo, "192.0.2.1", base());
  EXPECT_TRUE(dns.queries().empty());
  // check_dns off: no lookup at all.
  run_async(check_helo(dns, "mail.example.org", ip("192.0.2.1"), base()));
  EXPECT_TRUE(dns.queries().empty());
}

TEST(HeloDns, TemporaryFailuresNeverReject) {
  StaticDns dns;
  dns.timeout("mail.example.org");
  auto s = base();
  s.no_fcrdns = {true, 2.0};
  auto o = dns_check(dns, "mail.example.org", "192.0.2.1", s);
  EXPECT_TRUE(o.symbols.empty());
  EXPECT_FALSE(o.reject);
  EXPECT_EQ(o.dns_problem, "A mail.example.org: temporary DNS failure");
}

TEST(HeloDns, ATimeoutNeverRejects) {
  portcullis::testing::SlowDns dns(30s);
  dns.slow_all();
  dns.zone().add_address("mail.example.org", ip("192.0.2.9"));
  auto s = base();
  s.check_dns = true;
  s.no_fcrdns = {true, 2.0};
  s.timeout = 100ms;
  const auto start = std::chrono::steady_clock::now();
  const auto o = run_async([&]() -> boost::asio::awaitable<HeloOutcome> {
    auto op = check_helo(dns, "mail.example.org", ip("192.0.2.1"), s);
    auto out = co_await std::move(op);
    dns.release();
    co_return out;
  }());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(o.symbols.empty());
  EXPECT_FALSE(o.reject);
  EXPECT_EQ(o.dns_problem, "A mail.example.org: no answer within 100 ms");
}

}  // namespace
