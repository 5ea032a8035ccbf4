// The MAIL FROM domain check (checks/reputation/sender_domain.hpp) over in-memory DNS: MX,
// null MX (RFC 7505), the A/AAAA fallback (RFC 5321 5.1), NXDOMAIN, no address, DNS failures
// and timeouts (tempfail or nothing, as configured), what is skipped, scores versus rejects.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "../dnsbl/slow_dns.hpp"
#include "checks/reputation/sender_domain.hpp"
#include "net/static_dns.hpp"
#include "temp_store.hpp"

namespace {

using namespace portcullis::checks::reputation;
using namespace std::chrono_literals;
using portcullis::net::StaticDns;
using portcullis::testing::run_async;

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

SenderDomainOutcome check(portcullis::net::DnsSource& dns, const char* sender, const SenderDomainSettings& s = {}) {
  return run_async(check_sender_domain(dns, sender, s));
}

std::vector<std::string> names(const SenderDomainOutcome& o) {
  std::vector<std::string> out;
  for (const auto& s : o.symbols) out.push_back(s.name);
  return out;
}
using Names = std::vector<std::string>;

TEST(SenderDomain, DomainOfTheReversePath) {
  EXPECT_EQ(sender_domain("user@Example.COM"), "example.com");
  EXPECT_EQ(sender_domain("\"a@b\"@example.com"), "example.com");
  EXPECT_EQ(sender_domain(""), "");
  EXPECT_EQ(sender_domain("postmaster"), "");
}

TEST(SenderDomain, MxOrAddressPasses) {
  StaticDns dns;
  dns.add_mx("mx.example", 10, "mail.mx.example");
  dns.add_address("a-only.example", ip("192.0.2.1"));
  dns.add_address("aaaa-only.example", ip("2001:db8::1"));
  for (const char* sender : {"user@mx.example", "user@A-Only.Example", "user@aaaa-only.example", "user@mx.example."}) {
    const auto o = check(dns, sender);
    EXPECT_TRUE(o.checked) << sender;
    EXPECT_TRUE(o.symbols.empty()) << sender;
    EXPECT_FALSE(o.reject);
    EXPECT_FALSE(o.tempfail);
    EXPECT_EQ(o.reply, "");
  }
  // An MX answer needs no address lookup.
  dns.clear_queries();
  check(dns, "user@mx.example");
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"MX mx.example"});
  dns.clear_queries();
  check(dns, "user@a-only.example");
  EXPECT_EQ(dns.queries(), (std::vector<std::string>{"MX a-only.example", "A a-only.example", "AAAA a-only.example"}));
}

TEST(SenderDomain, NullMxRefuses) {
  StaticDns dns;
  dns.add_mx("nomail.example", 0, ".");
  dns.add_address("nomail.example", ip("192.0.2.1"));  // an address does not matter: no fallback
  auto o = check(dns, "user@nomail.example");
  EXPECT_EQ(names(o), Names{"SENDER_NULL_MX"});
  EXPECT_TRUE(o.reject);
  EXPECT_EQ(o.reply,
            "550 5.7.27 Sender address rejected: the domain nomail.example publishes a null MX, it accepts no mail");
  EXPECT_EQ(o.score, 5.0);
  SenderDomainSettings score_only;
  score_only.null_mx = {false, 2.5};
  o = check(dns, "user@nomail.example", score_only);
  EXPECT_EQ(names(o), Names{"SENDER_NULL_MX"});
  EXPECT_FALSE(o.reject);
  EXPECT_EQ(o.reply, "");
  EXPECT_EQ(o.score, 2.5);
}

TEST(SenderDomain, NxdomainAndNoAddress) {
  StaticDns dns;
  dns.add_txt("txt-only.example", "v=spf1 -all");  // exists, no MX, no address
  auto o = check(dns, "user@missing.example");
  EXPECT_EQ(names(o), Names{"SENDER_NXDOMAIN"});
  EXPECT_TRUE(o.reject);
  EXPECT_EQ(o.reply, "550 5.1.8 Sender address rejected: the domain missing.example does not exist");
  EXPECT_EQ(o.domain, "missing.example");
  o = check(dns, "user@txt-only.example");
  EXPECT_EQ(names(o), Names{"SENDER_NO_ADDRESS"});
  EXPECT_EQ(o.reply, "550 5.1.8 Sender address rejected: the domain txt-only.example has no MX or address record");
  EXPECT_EQ(o.score, 3.0);
  SenderDomainSettings score_only;
  score_only.nxdomain = {false, 4.0};
  o = check(dns, "user@missing.example", score_only);
  EXPECT_FALSE(o.reject);
  EXPECT_EQ(o.score, 4.0);
}

TEST(SenderDomain, DnsFailuresTempfailOnlyWhenAsked) {
  StaticDns dns;
  dns.timeout("broken.example");
  dns.add_empty("half.example");  // no MX ...
  dns.timeout("half.example", portcullis::net::RrType::a);  // ... and A fails
  SenderDomainSettings quiet;
  auto o = check(dns, "user@broken.example", quiet);
  EXPECT_TRUE(o.symbols.empty());
  EXPECT_FALSE(o.tempfail);
  EXPECT_FALSE(o.reject);
  EXPECT_EQ(o.reply, "");
  EXPECT_EQ(o.dns_problem, "MX broken.example: temporary DNS failure");
  SenderDomainSettings strict;
  strict.tempfail = true;
  o = check(dns, "user@broken.example", strict);
  EXPECT_TRUE(o.tempfail);
  EXPECT_FALSE(o.reject);
  EXPECT_EQ(o.reply, "451 4.1.8 Sender address rejected: cannot verify the domain broken.example now, try again later");
  o = check(dns, "user@half.example", strict);
  EXPECT_TRUE(o.tempfail);
  EXPECT_TRUE(o.symbols.empty());
  // One family answering is enough, even if the other fails.
  dns.add_address("half.example", ip("2001:db8::5"));
  o = check(dns, "user@half.example", strict);
  EXPECT_FALSE(o.tempfail);
  EXPECT_TRUE(o.symbols.empty());
}

TEST(SenderDomain, TimeoutIsADnsFailure) {
  portcullis::testing::SlowDns dns(30s);
  dns.slow_all();
  dns.zone().add_mx("slow.example", 10, "mx.slow.example");
  SenderDomainSettings s;
  s.tempfail = true;
  s.timeout = 100ms;
  const auto start = std::chrono::steady_clock::now();
  const auto o = run_async([&]() -> boost::asio::awaitable<SenderDomainOutcome> {
    auto op = check_sender_domain(dns, "user@slow.example", s);
    auto out = co_await std::move(op);
    dns.release();
    co_return out;
  }());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(o.tempfail);
  EXPECT_EQ(o.dns_problem, "MX slow.example: no answer within 100 ms");
}

TEST(SenderDomain, SkippedAndNotFqdn) {
  StaticDns dns;
  for (const char* sender :
       {"", "user@[192.0.2.1]", "user@[IPv6:2001:db8::1]", "us\xc3\xa9r@b\xc3\xbc\x63her.example"}) {
    const auto o = check(dns, sender);
    EXPECT_FALSE(o.checked) << sender;
    EXPECT_TRUE(o.symbols.empty());
    EXPECT_FALSE(o.reject);
  }
  EXPECT_TRUE(dns.queries().empty());
  auto o = check(dns, "root@localhost");
  EXPECT_TRUE(o.checked);
  EXPECT_EQ(names(o), Names{"SENDER_NOT_FQDN"});
  EXPECT_FALSE(o.reject);  // scored by default
  SenderDomainSettings s;
  s.not_fqdn = {true, 1.0};
  o = check(dns, "root@localhost", s);
  EXPECT_TRUE(o.reject);
  EXPECT_EQ(o.reply, "504 5.5.2 Sender address rejected: need fully-qualified address");
  EXPECT_TRUE(dns.queries().empty());
}

}  // namespace
