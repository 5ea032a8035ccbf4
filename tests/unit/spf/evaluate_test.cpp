// check_host() over a net::StaticDns zone: results and what the Outcome reports, the limits
// of RFC 7208 4.6.4 (DNS-querying terms, void lookups, MX and PTR names, include/redirect
// loops), DNS failures, explanations, and the HELO identity.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "checks/spf/evaluate.hpp"
#include "net/static_dns.hpp"

namespace {

namespace asio = boost::asio;
using namespace portcullis::checks::spf;
using portcullis::net::RrType;
using portcullis::net::StaticDns;

Outcome run(asio::awaitable<Outcome> check) {
  asio::io_context io;
  std::optional<Outcome> out;
  asio::co_spawn(io, [&]() -> asio::awaitable<void> { out = co_await std::move(check); }, asio::detached);
  io.run();
  if (!out) throw std::runtime_error("the check did not complete");
  return *out;
}

Request request(const char* client, const char* mail_from, const char* helo = "mail.example.org") {
  Request r;
  r.client = asio::ip::make_address(client);
  r.mail_from = mail_from;
  r.helo = helo;
  r.receiver = "mx.receiver.example";
  return r;
}

Outcome mail_from(StaticDns& dns, const char* client, const char* sender, const char* helo = "mail.example.org") {
  return run(check_mail_from(dns, request(client, sender, helo)));
}

// The result for the sender, and a problem text that names what went wrong.
void expect_problem(StaticDns& dns, const char* client, const char* sender, Result result, std::string_view part) {
  const auto o = mail_from(dns, client, sender);
  EXPECT_EQ(o.result, result) << sender;
  EXPECT_NE(o.problem.find(part), std::string::npos) << sender << ": " << o.problem;
}

bool queried(const StaticDns& dns, const std::string& query) {
  const auto& q = dns.queries();
  return std::find(q.begin(), q.end(), query) != q.end();
}

TEST(SpfEvaluate, QualifiersAndTheOutcome) {
  StaticDns dns;
  dns.add_txt("example.com", "v=spf1 ip4:192.0.2.0/24 ~ip4:198.51.100.1 ?ip4:198.51.100.2 ip6:2001:db8::/32 -all");
  dns.add_txt("example.com", "some other TXT record");
  auto o = mail_from(dns, "192.0.2.9", "user@example.com");
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_EQ(o.identity, "mailfrom");
  EXPECT_EQ(o.domain, "example.com");
  EXPECT_EQ(o.sender, "user@example.com");
  EXPECT_EQ(o.mechanism, "ip4:192.0.2.0/24");
  EXPECT_EQ(o.explanation, "");
  EXPECT_EQ(o.problem, "");
  EXPECT_EQ(o.dns_lookups, 0);
  EXPECT_EQ(o.void_lookups, 0);
  EXPECT_EQ(mail_from(dns, "::ffff:192.0.2.9", "user@example.com").result, Result::pass);  // v4-mapped = v4
  EXPECT_EQ(mail_from(dns, "2001:db8::25", "user@example.com").result, Result::pass);
  o = mail_from(dns, "198.51.100.1", "user@example.com");
  EXPECT_EQ(o.result, Result::softfail);
  EXPECT_EQ(o.mechanism, "~ip4:198.51.100.1");
  EXPECT_EQ(o.explanation, "");  // only a fail has one
  EXPECT_EQ(mail_from(dns, "198.51.100.2", "user@example.com").result, Result::neutral);
  o = mail_from(dns, "203.0.113.1", "user@example.com");
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.mechanism, "-all");
  EXPECT_EQ(o.explanation, kDefaultExplanation);
  EXPECT_EQ(to_string(o.result), "fail");
}

TEST(SpfEvaluate, NeutralByDefault) {
  StaticDns dns;
  dns.add_txt("example.com", "v=spf1 ip4:192.0.2.1");
  const auto o = mail_from(dns, "192.0.2.2", "user@example.com");
  EXPECT_EQ(o.result, Result::neutral);
  EXPECT_EQ(o.mechanism, "default");
}

TEST(SpfEvaluate, NoneMultipleAndBrokenRecords) {
  StaticDns dns;
  dns.add_txt("other.example", "not spf");
  dns.add_txt("two.example", "v=spf1 -all");
  dns.add_txt("two.example", "v=spf1 +all");
  dns.add_txt("broken.example", "v=spf1 ip4:192.0.2.1 -all moo");
  dns.timeout("slow.example", RrType::txt);
  auto o = mail_from(dns, "192.0.2.1", "user@missing.example");
  EXPECT_EQ(o.result, Result::none);
  EXPECT_NE(o.problem.find("no such domain"), std::string::npos) << o.problem;
  expect_problem(dns, "192.0.2.1", "user@other.example", Result::none, "no SPF record");
  expect_problem(dns, "192.0.2.1", "user@two.example", Result::permerror, "more than one");
  o = mail_from(dns, "192.0.2.1", "user@broken.example");
  EXPECT_EQ(o.result, Result::permerror);  // found before ip4 is even looked at (4.6)
  EXPECT_NE(o.problem.find("moo"), std::string::npos) << o.problem;
  expect_problem(dns, "192.0.2.1", "user@slow.example", Result::temperror, "TXT slow.example");
}

TEST(SpfEvaluate, OnlyFullyQualifiedDomainsAreChecked) {
  StaticDns dns;
  dns.add_txt("localhost", "v=spf1 +all");
  dns.add_txt("example.com", "v=spf1 +all");
  for (const char* sender : {"user@[192.0.2.1]", "user@localhost", "user", "user@", "user@a..example.com",
                             "user@192.0.2.1", "user@exa mple.com"}) {
    const auto o = mail_from(dns, "192.0.2.1", sender);
    EXPECT_EQ(o.result, Result::none) << sender;
    EXPECT_FALSE(o.problem.empty()) << sender;
  }
  EXPECT_TRUE(dns.queries().empty());
  const auto o = mail_from(dns, "192.0.2.1", "user@EXAMPLE.com.");
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_EQ(o.domain, "EXAMPLE.com");
  // No local part: postmaster (4.3).
  EXPECT_EQ(mail_from(dns, "192.0.2.1", "@example.com").sender, "postmaster@example.com");
}

TEST(SpfEvaluate, AAndMxWithCidrLengths) {
  StaticDns dns;
  dns.add_txt("example.com", "v=spf1 a/24//64 mx:mail.example.com/28 -all");
  dns.add_address("example.com", asio::ip::make_address("192.0.2.1"));
  dns.add_address("example.com", asio::ip::make_address("2001:db8:1:1::1"));
  dns.add_mx("mail.example.com", 10, "mx1.example.com");
  dns.add_address("mx1.example.com", asio::ip::make_address("198.51.100.1"));
  EXPECT_EQ(mail_from(dns, "192.0.2.200", "u@example.com").result, Result::pass);
  EXPECT_EQ(mail_from(dns, "2001:db8:1:1:ffff::1", "u@example.com").result, Result::pass);
  EXPECT_EQ(mail_from(dns, "2001:db8:1:2::1", "u@example.com").result, Result::fail);
  auto o = mail_from(dns, "198.51.100.14", "u@example.com");
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_EQ(o.mechanism, "mx:mail.example.com/28");
  EXPECT_EQ(o.dns_lookups, 2);
  EXPECT_EQ(mail_from(dns, "198.51.100.16", "u@example.com").result, Result::fail);
  // Only the client's family is queried (5.3).
  dns.clear_queries();
  (void)mail_from(dns, "192.0.2.200", "u@example.com");
  EXPECT_FALSE(queried(dns, "AAAA example.com"));
}

TEST(SpfEvaluate, ExistsQueriesAEvenForIpv6) {
  StaticDns dns;
  dns.add_txt("example.com", "v=spf1 exists:%{ir}.%{v}.allow.example.com -all");
  dns.add_address("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.allow.example.com",
                  asio::ip::make_address("127.0.0.2"));
  EXPECT_EQ(mail_from(dns, "2001:db8::1", "u@example.com").result, Result::pass);
  EXPECT_EQ(mail_from(dns, "2001:db8::2", "u@example.com").result, Result::fail);
}

// 4.6.4: ten terms that query DNS are allowed, the eleventh is a permerror; all, ip4, ip6
// and exp= do not count.
TEST(SpfEvaluate, TenDnsTermsAtMost) {
  StaticDns dns;
  std::string ten = "v=spf1 ip4:203.0.113.1 exp=why.example.com";
  for (int k = 0; k < 10; ++k) {
    const std::string host = "h" + std::to_string(k) + ".example.com";
    dns.add_address(host, asio::ip::make_address("198.51.100.1"));
    ten += " a:" + host;
  }
  dns.add_txt("ten.example.com", ten + " ip4:192.0.2.1 -all");
  dns.add_txt("eleven.example.com", ten + " a:h0.example.com ip4:192.0.2.1 -all");
  auto o = mail_from(dns, "192.0.2.1", "u@ten.example.com");
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_EQ(o.dns_lookups, 10);
  EXPECT_EQ(o.void_lookups, 0);
  o = mail_from(dns, "192.0.2.1", "u@eleven.example.com");
  EXPECT_EQ(o.result, Result::permerror);
  EXPECT_EQ(o.dns_lookups, 11);
  EXPECT_EQ(o.mechanism, "a:h0.example.com");
  EXPECT_NE(o.problem.find("more than 10"), std::string::npos) << o.problem;
  // Includes count, and so do the terms inside them.
  dns.add_txt("inc.example.com", "v=spf1 include:ten.example.com -all");
  o = mail_from(dns, "192.0.2.1", "u@inc.example.com");
  EXPECT_EQ(o.result, Result::permerror);
  EXPECT_EQ(o.dns_lookups, 11);
}

TEST(SpfEvaluate, TwoVoidLookupsAtMost) {
  StaticDns dns;
  dns.add_empty("empty.example.com");  // exists, no records: nodata
  dns.add_txt("two.example.com", "v=spf1 a:nx1.example.com mx:empty.example.com ?all");
  dns.add_txt("three.example.com", "v=spf1 a:nx1.example.com mx:empty.example.com exists:nx2.example.com ?all");
  auto o = mail_from(dns, "192.0.2.1", "u@two.example.com");
  EXPECT_EQ(o.result, Result::neutral);
  EXPECT_EQ(o.void_lookups, 2);
  o = mail_from(dns, "192.0.2.1", "u@three.example.com");
  EXPECT_EQ(o.result, Result::permerror);
  EXPECT_EQ(o.void_lookups, 3);
  EXPECT_NE(o.problem.find("void"), std::string::npos) << o.problem;
  // An exp= domain that does not exist is not a void lookup.
  dns.add_txt("exp.example.com", "v=spf1 a:nx1.example.com mx:empty.example.com exp=nx3.example.com -all");
  o = mail_from(dns, "192.0.2.1", "u@exp.example.com");
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.void_lookups, 2);
  EXPECT_EQ(o.explanation, kDefaultExplanation);
}

TEST(SpfEvaluate, IncludeAndRedirectLoopsEndInPermerror) {
  StaticDns dns;
  dns.add_txt("a.example.com", "v=spf1 include:b.example.com -all");
  dns.add_txt("b.example.com", "v=spf1 include:a.example.com -all");
  dns.add_txt("self.example.com", "v=spf1 redirect=self.example.com");
  dns.add_txt("macro.example.com", "v=spf1 include:%{d} -all");
  for (const char* sender : {"u@a.example.com", "u@self.example.com", "u@macro.example.com"}) {
    const auto o = mail_from(dns, "192.0.2.1", sender);
    EXPECT_EQ(o.result, Result::permerror) << sender;
    EXPECT_EQ(o.dns_lookups, kMaxDnsTerms + 1) << sender;
    EXPECT_LE(dns.queries().size(), 40u);
    dns.clear_queries();
  }
}

TEST(SpfEvaluate, IncludeResults) {
  StaticDns dns;
  dns.add_txt("pass.example.com", "v=spf1 +all");
  dns.add_txt("fail.example.com", "v=spf1 -all exp=inner.example.com");
  dns.add_txt("inner.example.com", "inner explanation");
  dns.add_txt("outer.example.com", "outer explanation");
  dns.timeout("slow.example.com");
  dns.add_txt("i1.example.com", "v=spf1 -include:pass.example.com +all");
  dns.add_txt("i2.example.com", "v=spf1 include:fail.example.com -all exp=outer.example.com");
  dns.add_txt("i3.example.com", "v=spf1 include:slow.example.com +all");
  dns.add_txt("i4.example.com", "v=spf1 include:none.example.com +all");
  auto o = mail_from(dns, "192.0.2.1", "u@i1.example.com");
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.mechanism, "-include:pass.example.com");
  o = mail_from(dns, "192.0.2.1", "u@i2.example.com");
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.explanation, "outer explanation");  // never the included record's (6.2)
  expect_problem(dns, "192.0.2.1", "u@i3.example.com", Result::temperror, "slow.example.com");
  expect_problem(dns, "192.0.2.1", "u@i4.example.com", Result::permerror, "none.example.com");
}

TEST(SpfEvaluate, RedirectTakesTheTargetsResultAndExplanation) {
  StaticDns dns;
  dns.add_txt("from.example.com", "v=spf1 ip4:198.51.100.1 exp=first.example.com redirect=to.example.com");
  dns.add_txt("to.example.com", "v=spf1 a -all exp=second.example.com");
  dns.add_address("to.example.com", asio::ip::make_address("192.0.2.1"));
  dns.add_txt("first.example.com", "first");
  dns.add_txt("second.example.com", "%{d} says no to %{i}");
  auto o = mail_from(dns, "192.0.2.1", "u@from.example.com");
  EXPECT_EQ(o.result, Result::pass);  // the a of the target means the target's domain
  EXPECT_EQ(o.mechanism, "a");
  EXPECT_EQ(o.dns_lookups, 2);
  o = mail_from(dns, "192.0.2.2", "u@from.example.com");
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.explanation, "to.example.com says no to 192.0.2.2");
  EXPECT_EQ(o.domain, "from.example.com");
  dns.add_txt("nowhere.example.com", "v=spf1 redirect=missing.example.com");
  o = mail_from(dns, "192.0.2.2", "u@nowhere.example.com");
  EXPECT_EQ(o.result, Result::permerror);  // 6.1: none becomes permerror
}

TEST(SpfEvaluate, MoreThanTenMxNamesIsAPermerror) {
  StaticDns dns;
  dns.add_txt("ten.example.com", "v=spf1 mx -all");
  dns.add_txt("eleven.example.com", "v=spf1 mx -all");
  for (int k = 0; k < 11; ++k) {
    const std::string host = "mx" + std::to_string(k) + ".example.com";
    dns.add_address(host, asio::ip::make_address("198.51.100." + std::to_string(k + 1)));
    if (k < 10) dns.add_mx("ten.example.com", static_cast<std::uint16_t>(k), host);
    dns.add_mx("eleven.example.com", static_cast<std::uint16_t>(k), host);
  }
  EXPECT_EQ(mail_from(dns, "198.51.100.10", "u@ten.example.com").result, Result::pass);
  const auto o = mail_from(dns, "198.51.100.1", "u@eleven.example.com");
  EXPECT_EQ(o.result, Result::permerror);
  EXPECT_NE(o.problem.find("MX"), std::string::npos) << o.problem;
}

TEST(SpfEvaluate, OnlyTheFirstTenPtrNamesAreLookedAt) {
  StaticDns dns;
  const auto client = asio::ip::make_address("192.0.2.7");
  for (int k = 0; k < 11; ++k) {
    const std::string name = "host" + std::to_string(k) + ".example.com";
    dns.add_ptr(client, name);
    dns.add_address(name, client);
  }
  dns.add_txt("tenth.example.com", "v=spf1 ptr:host9.example.com -all");
  dns.add_txt("eleventh.example.com", "v=spf1 ptr:host10.example.com -all");
  EXPECT_EQ(mail_from(dns, "192.0.2.7", "u@tenth.example.com").result, Result::pass);
  EXPECT_EQ(mail_from(dns, "192.0.2.7", "u@eleventh.example.com").result, Result::fail);
  EXPECT_FALSE(queried(dns, "A host10.example.com"));
}

TEST(SpfEvaluate, PtrNeedsAValidatedName) {
  StaticDns dns;
  const auto client = asio::ip::make_address("192.0.2.7");
  dns.add_ptr(client, "liar.example.com");         // its A is elsewhere
  dns.add_ptr(client, "mail.Example.com");         // validated
  dns.add_address("liar.example.com", asio::ip::make_address("192.0.2.8"));
  dns.add_address("mail.example.com", client);
  dns.add_txt("example.com", "v=spf1 ptr -all");
  dns.add_txt("liar.example.com", "v=spf1 ptr -all");
  dns.add_txt("timeout.example.com", "v=spf1 ptr ?all");
  EXPECT_EQ(mail_from(dns, "192.0.2.7", "u@EXAMPLE.COM").result, Result::pass);
  EXPECT_EQ(mail_from(dns, "192.0.2.7", "u@liar.example.com").result, Result::fail);
  // A failing PTR lookup makes ptr not match; it is no temperror (5.5).
  dns.timeout("9.2.0.192.in-addr.arpa");
  EXPECT_EQ(mail_from(dns, "192.0.2.9", "u@timeout.example.com").result, Result::neutral);
}

TEST(SpfEvaluate, DnsFailuresAreTemperrors) {
  StaticDns dns;
  dns.timeout("slow.example.com");
  dns.add_mx("mx.example.com", 10, "slow.example.com");
  dns.add_txt("a.example.com", "v=spf1 a:slow.example.com +all");
  dns.add_txt("mx.example.com", "v=spf1 mx +all");
  dns.add_txt("exists.example.com", "v=spf1 exists:slow.example.com +all");
  for (const char* sender : {"u@a.example.com", "u@mx.example.com", "u@exists.example.com"}) {
    const auto o = mail_from(dns, "192.0.2.1", sender);
    EXPECT_EQ(o.result, Result::temperror) << sender;
    EXPECT_NE(o.problem.find("slow.example.com"), std::string::npos) << o.problem;
  }
}

TEST(SpfEvaluate, UnqueryableTargetsDoNotMatch) {
  StaticDns dns;
  dns.add_txt("example.com", "v=spf1 a:%{l}.example.com a:x..example.com -all");
  const std::string long_local(64, 'x');
  const auto o = run(check_mail_from(dns, request("192.0.2.1", (long_local + "@example.com").c_str())));
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.void_lookups, 0);
  EXPECT_FALSE(queried(dns, "A " + long_local + ".example.com"));
}

TEST(SpfEvaluate, Explanations) {
  StaticDns dns;
  dns.add_txt("example.com", "v=spf1 ip4:192.0.2.1 -all exp=why.%{d}");
  dns.add_txt("why.example.com", "%{c} is not %{l}'s server; asked by %{r} at %{t}.");
  dns.add_txt("bad.example.com", "v=spf1 -all exp=why.bad.example.com");
  dns.add_txt("why.bad.example.com", "caf\xc3\xa9");
  dns.add_txt("syntax.example.com", "v=spf1 -all exp=why.syntax.example.com");
  dns.add_txt("why.syntax.example.com", "The %{x}-files.");
  dns.add_txt("two.example.com", "v=spf1 -all exp=why.two.example.com");
  dns.add_txt("why.two.example.com", "one");
  dns.add_txt("why.two.example.com", "two");
  dns.add_txt("ctrl.example.com", "v=spf1 -all exp=why.ctrl.example.com");
  dns.add_txt("why.ctrl.example.com", "%{l}");

  // Looked up for a fail only.
  auto o = mail_from(dns, "192.0.2.1", "john@example.com");
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_FALSE(queried(dns, "TXT why.example.com"));
  o = mail_from(dns, "2001:db8::1", "john@example.com");
  EXPECT_EQ(o.result, Result::fail);
  const std::string prefix = "2001:db8::1 is not john's server; asked by mx.receiver.example at ";
  ASSERT_EQ(o.explanation.substr(0, prefix.size()), prefix);
  const std::string stamp = o.explanation.substr(prefix.size(), o.explanation.size() - prefix.size() - 1);
  EXPECT_GT(std::stoll(stamp), 1600000000LL);
  EXPECT_EQ(o.dns_lookups, 0);  // exp= is not counted

  for (const char* sender : {"u@bad.example.com", "u@syntax.example.com", "u@two.example.com"})
    EXPECT_EQ(mail_from(dns, "192.0.2.9", sender).explanation, kDefaultExplanation) << sender;
  // An expansion with non-printable octets (a strange local part) is not used either.
  EXPECT_EQ(mail_from(dns, "192.0.2.9", "a\tb@ctrl.example.com").explanation, kDefaultExplanation);
}

TEST(SpfEvaluate, ValidatedNameMacroCountsAsALookup) {
  StaticDns dns;
  const auto client = asio::ip::make_address("192.0.2.7");
  dns.add_ptr(client, "mail.example.com");
  dns.add_address("mail.example.com", client);
  dns.add_address("mail.example.com.ok.example.net", asio::ip::make_address("127.0.0.2"));
  dns.add_txt("example.com", "v=spf1 exists:%{p}.ok.example.net -all");
  auto o = mail_from(dns, "192.0.2.7", "u@example.com");
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_EQ(o.dns_lookups, 2);
  o = mail_from(dns, "192.0.2.8", "u@example.com");  // no PTR: %{p} is "unknown"
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_TRUE(queried(dns, "A unknown.ok.example.net"));
}

TEST(SpfEvaluate, HeloIdentity) {
  StaticDns dns;
  dns.add_txt("mail.example.org", "v=spf1 a -all");
  dns.add_address("mail.example.org", asio::ip::make_address("192.0.2.1"));
  auto o = run(check_helo(dns, request("192.0.2.1", "someone@elsewhere.example")));
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_EQ(o.identity, "helo");
  EXPECT_EQ(o.domain, "mail.example.org");
  EXPECT_EQ(o.sender, "postmaster@mail.example.org");
  o = run(check_helo(dns, request("192.0.2.2", "", "mail.example.org")));
  EXPECT_EQ(o.result, Result::fail);
  // The null sender: MAIL FROM is postmaster@HELO (2.4), still the mailfrom identity.
  o = mail_from(dns, "192.0.2.1", "");
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_EQ(o.identity, "mailfrom");
  EXPECT_EQ(o.sender, "postmaster@mail.example.org");
  // A HELO that is no FQDN gives none, and nothing is looked up.
  dns.clear_queries();
  for (const char* helo : {"[192.0.2.1]", "OEMCOMPUTER", "192.0.2.1", "", "mail..example.org"}) {
    EXPECT_EQ(run(check_helo(dns, request("192.0.2.1", "", helo))).result, Result::none) << helo;
    EXPECT_EQ(mail_from(dns, "192.0.2.1", "", helo).result, Result::none) << helo;
  }
  EXPECT_TRUE(dns.queries().empty());
  // %{h} is the HELO as given, whichever identity is checked.
  dns.add_txt("example.net", "v=spf1 a:%{h} -all");
  EXPECT_EQ(mail_from(dns, "192.0.2.1", "u@example.net", "mail.example.org").result, Result::pass);
}

}  // namespace
