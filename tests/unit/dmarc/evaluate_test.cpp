// DMARC evaluation against zones held in memory (net::StaticDns) and the real Public Suffix
// List: results through aligned SPF or DKIM, relaxed and strict alignment, p/sp/np, the
// Organizational Domain fallback, pct= sampling with an injected random source, DNS
// failures, no or several records, the appendix B examples of RFC 7489, and the report row.
#include "checks/dmarc/evaluate.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "net/static_dns.hpp"

namespace portcullis::checks::dmarc {
namespace {

using boost::asio::ip::make_address;
using net::RrType;
using net::StaticDns;

const PublicSuffixList& psl() {
  static const PublicSuffixList list = PublicSuffixList::load(kDefaultPublicSuffixFile);
  return list;
}

class DmarcEvaluate : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kDefaultPublicSuffixFile)) << "install Debian's publicsuffix package";
    ASSERT_NO_THROW((void)psl());
  }

  Outcome run(const Input& in, PercentSource percent = {}) {
    boost::asio::io_context io;
    std::optional<Outcome> out;
    boost::asio::co_spawn(
        io, [&]() -> boost::asio::awaitable<void> { out = co_await evaluate(dns, psl(), in, percent); },
        boost::asio::detached);
    io.run();
    EXPECT_TRUE(out);
    return out ? std::move(*out) : Outcome{};
  }

  // A percent source that returns `value` and counts its calls.
  PercentSource fixed(int value) {
    return [this, value] {
      ++draws;
      return value;
    };
  }

  StaticDns dns;
  int draws = 0;
};

Input message(std::string from, std::string spf_domain, bool spf_pass) {
  Input in;
  in.header_from_domain = std::move(from);
  in.spf_domain = std::move(spf_domain);
  in.spf_pass = spf_pass;
  in.client = make_address("192.0.2.1");
  in.envelope_from = in.spf_domain;
  return in;
}

void add_dkim(Input& in, std::string domain, bool pass, std::string selector = "sel") {
  Input::Dkim d;
  d.domain = std::move(domain);
  d.selector = std::move(selector);
  d.pass = pass;
  in.dkim.push_back(std::move(d));
}

TEST_F(DmarcEvaluate, PassThroughAlignedSpf) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  const Outcome o = run(message("example.com", "example.com", true));
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_TRUE(o.spf_aligned);
  EXPECT_FALSE(o.dkim_aligned);
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_EQ(o.published, Policy::reject);
  EXPECT_FALSE(o.sampled_out);
  EXPECT_EQ(o.record_domain, "example.com");
  ASSERT_TRUE(o.record);
  EXPECT_EQ(o.record->p, Policy::reject);
  EXPECT_TRUE(o.problem.empty());
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"TXT _dmarc.example.com"});
}

TEST_F(DmarcEvaluate, PassThroughAlignedDkimOnly) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  Input in = message("example.com", "bounces.example.org", true);  // SPF passes, unaligned
  add_dkim(in, "example.net", true);                                // passes, unaligned
  add_dkim(in, "example.com", true);                                // passes, aligned
  const Outcome o = run(in);
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_FALSE(o.spf_aligned);
  EXPECT_TRUE(o.dkim_aligned);
  EXPECT_EQ(o.policy, Policy::none);
}

TEST_F(DmarcEvaluate, FailWhenNoAlignedIdentifierPasses) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  Input in = message("example.com", "example.org", true);
  add_dkim(in, "example.net", true);
  add_dkim(in, "example.com", false);  // aligned but failed
  Outcome o = run(in);
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_FALSE(o.spf_aligned);
  EXPECT_FALSE(o.dkim_aligned);
  EXPECT_EQ(o.policy, Policy::reject);
  EXPECT_EQ(o.published, Policy::reject);

  // Aligned SPF domain, but SPF did not pass.
  o = run(message("example.com", "example.com", false));
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_FALSE(o.spf_aligned);
}

TEST_F(DmarcEvaluate, RelaxedAndStrictAlignment) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  dns.add_txt("_dmarc.example.net", "v=DMARC1; p=reject; aspf=s; adkim=s");
  // Relaxed (default): a subdomain of the same Organizational Domain aligns, both ways.
  EXPECT_EQ(run(message("example.com", "bounce.example.com", true)).result, Result::pass);
  EXPECT_EQ(run(message("example.com", "EXAMPLE.COM.", true)).result, Result::pass);
  Input in = message("example.com", "", false);
  add_dkim(in, "mail.example.com", true);
  EXPECT_EQ(run(in).result, Result::pass);
  // Strict: only the very domain.
  EXPECT_EQ(run(message("example.net", "bounce.example.net", true)).result, Result::fail);
  EXPECT_EQ(run(message("example.net", "Example.NET", true)).result, Result::pass);
  in = message("example.net", "", false);
  add_dkim(in, "mail.example.net", true);
  EXPECT_EQ(run(in).result, Result::fail);
  in.dkim.clear();
  add_dkim(in, "example.net", true);
  EXPECT_EQ(run(in).result, Result::pass);
  // Relaxed never crosses a public suffix: two registrants under co.uk do not align.
  dns.add_txt("_dmarc.alpha.co.uk", "v=DMARC1; p=reject");
  EXPECT_EQ(run(message("alpha.co.uk", "beta.co.uk", true)).result, Result::fail);
}

TEST_F(DmarcEvaluate, SubdomainPolicyFromTheOrganizationalDomain) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
  Input in = message("news.example.com", "example.org", true);
  const Outcome o = run(in);
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.record_domain, "example.com");
  EXPECT_EQ(o.org_domain, "example.com");
  EXPECT_EQ(o.published, Policy::quarantine);
  EXPECT_EQ(o.policy, Policy::quarantine);
  EXPECT_EQ(dns.queries(), (std::vector<std::string>{"TXT _dmarc.news.example.com", "TXT _dmarc.example.com"}));
  // Without sp=, p= applies to subdomains too.
  dns.clear_queries();
  StaticDns other;
  other.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  dns = other;
  EXPECT_EQ(run(in).policy, Policy::reject);
}

TEST_F(DmarcEvaluate, ARecordAtTheSubdomainItselfAppliesItsP) {
  dns.add_txt("_dmarc.news.example.com", "v=DMARC1; p=none");
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=reject");
  const Outcome o = run(message("news.example.com", "example.org", true));
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.record_domain, "news.example.com");
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"TXT _dmarc.news.example.com"});
}

TEST_F(DmarcEvaluate, NonexistentSubdomainPolicy) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=none; sp=quarantine; np=reject");
  dns.add_address("www.example.com", make_address("192.0.2.80"));
  dns.add_mx("mx-only.example.com", 10, "mx.example.com");
  // ghost.example.com: no A, AAAA or MX (NXDOMAIN): np=.
  Outcome o = run(message("ghost.example.com", "example.org", true));
  EXPECT_EQ(o.published, Policy::reject);
  EXPECT_EQ(o.policy, Policy::reject);
  EXPECT_EQ(dns.queries(), (std::vector<std::string>{"TXT _dmarc.ghost.example.com", "TXT _dmarc.example.com",
                                                     "A ghost.example.com", "AAAA ghost.example.com",
                                                     "MX ghost.example.com"}));
  // Existing subdomains: sp=.
  EXPECT_EQ(run(message("www.example.com", "example.org", true)).policy, Policy::quarantine);
  EXPECT_EQ(run(message("mx-only.example.com", "example.org", true)).policy, Policy::quarantine);
  // A lookup failure is not proof of non-existence.
  dns.timeout("flaky.example.com", RrType::aaaa);
  EXPECT_EQ(run(message("flaky.example.com", "example.org", true)).policy, Policy::quarantine);
  // The organisational domain itself gets p=, and a passing message costs no extra lookup.
  EXPECT_EQ(run(message("example.com", "example.org", true)).policy, Policy::none);
  dns.clear_queries();
  EXPECT_EQ(run(message("ghost.example.com", "ghost.example.com", true)).result, Result::pass);
  EXPECT_EQ(dns.queries().size(), 2u);
}

TEST_F(DmarcEvaluate, PctZeroSamplesEverythingOut) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=0");
  const Outcome o = run(message("example.com", "example.org", true), fixed(0));
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.published, Policy::reject);
  EXPECT_EQ(o.policy, Policy::quarantine);  // the next weaker policy
  EXPECT_TRUE(o.sampled_out);
  EXPECT_EQ(draws, 0);
  ASSERT_EQ(o.report.reasons.size(), 1u);
  EXPECT_EQ(o.report.reasons[0].type, "sampled_out");
  EXPECT_EQ(o.report.disposition, Policy::quarantine);
}

TEST_F(DmarcEvaluate, PctFiftyWithAnInjectedRandomSource) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50");
  const Input in = message("example.com", "example.org", true);
  Outcome o = run(in, fixed(49));
  EXPECT_EQ(o.policy, Policy::reject);
  EXPECT_FALSE(o.sampled_out);
  EXPECT_TRUE(o.report.reasons.empty());
  o = run(in, fixed(50));
  EXPECT_EQ(o.policy, Policy::quarantine);
  EXPECT_TRUE(o.sampled_out);
  EXPECT_EQ(draws, 2);
  // A passing message is not sampled.
  o = run(message("example.com", "example.com", true), fixed(99));
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_FALSE(o.sampled_out);
  EXPECT_EQ(draws, 2);
  // Out-of-range values from the source are clamped.
  EXPECT_EQ(run(in, fixed(-7)).policy, Policy::reject);
  EXPECT_EQ(run(in, fixed(1000)).policy, Policy::quarantine);
}

TEST_F(DmarcEvaluate, PctWithQuarantineAndNone) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=quarantine; pct=50");
  dns.add_txt("_dmarc.example.org", "v=DMARC1; p=none; pct=10");
  Outcome o = run(message("example.com", "example.net", true), fixed(70));
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_TRUE(o.sampled_out);
  // p=none has nothing to sample.
  o = run(message("example.org", "example.net", true), fixed(70));
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_FALSE(o.sampled_out);
  EXPECT_EQ(draws, 1);
}

TEST_F(DmarcEvaluate, DefaultRandomSourceStaysInRange) {
  // pct=50 with the built-in source: over many messages both outcomes occur.
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; pct=50");
  int rejected = 0, quarantined = 0;
  for (int k = 0; k < 200; ++k) {
    const Policy p = run(message("example.com", "example.org", true)).policy;
    ASSERT_TRUE(p == Policy::reject || p == Policy::quarantine);
    (p == Policy::reject ? rejected : quarantined)++;
  }
  EXPECT_GT(rejected, 20);
  EXPECT_GT(quarantined, 20);
  for (int k = 0; k < 1000; ++k) {
    const int x = random_percent();
    ASSERT_GE(x, 0);
    ASSERT_LE(x, 99);
  }
}

TEST_F(DmarcEvaluate, TemperrorWhenDnsFails) {
  dns.timeout("_dmarc.example.com", RrType::txt);
  Outcome o = run(message("example.com", "example.com", true));
  EXPECT_EQ(o.result, Result::temperror);
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_FALSE(o.problem.empty());
  // At the Organizational Domain, after no record at the From domain.
  o = run(message("sub.example.com", "example.com", true));
  EXPECT_EQ(o.result, Result::temperror);
  EXPECT_EQ(dns.queries().back(), "TXT _dmarc.example.com");
  // At the From domain: no fallback to the Organizational Domain.
  dns.clear_queries();
  dns.timeout("_dmarc.news.example.org");
  dns.add_txt("_dmarc.example.org", "v=DMARC1; p=reject");
  o = run(message("news.example.org", "example.org", true));
  EXPECT_EQ(o.result, Result::temperror);
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"TXT _dmarc.news.example.org"});
}

TEST_F(DmarcEvaluate, NoneWithoutARecord) {
  dns.add_txt("_dmarc.example.com", "v=spf1 -all");          // not DMARC: ignored
  dns.add_txt("_dmarc.example.com", "some verification=1");  // ditto
  Input in = message("mail.example.com", "example.com", true);
  const Outcome o = run(in);
  EXPECT_EQ(o.result, Result::none);
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_FALSE(o.record);
  EXPECT_TRUE(o.record_domain.empty());
  EXPECT_FALSE(o.problem.empty());
  EXPECT_FALSE(o.report.policy_published);
  EXPECT_EQ(dns.queries(), (std::vector<std::string>{"TXT _dmarc.mail.example.com", "TXT _dmarc.example.com"}));
  // At the Organizational Domain itself there is no second lookup.
  dns.clear_queries();
  EXPECT_EQ(run(message("example.org", "example.org", true)).result, Result::none);
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"TXT _dmarc.example.org"});
}

TEST_F(DmarcEvaluate, NonDmarcTxtRecordsAreIgnored) {
  dns.add_txt("_dmarc.example.com", "google-site-verification=abc");
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=quarantine");
  dns.add_txt("_dmarc.example.com", "v=DMARC2; p=none");
  const Outcome o = run(message("example.com", "example.org", true));
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.policy, Policy::quarantine);
}

TEST_F(DmarcEvaluate, SeveralRecordsMeanNone) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=none");
  Outcome o = run(message("example.com", "example.org", true));
  EXPECT_EQ(o.result, Result::none);
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_NE(o.problem.find("2 DMARC records"), std::string::npos) << o.problem;
  // Several at the From domain: no fallback to the Organizational Domain's single record.
  dns.add_txt("_dmarc.sub.example.org", "v=DMARC1; p=reject");
  dns.add_txt("_dmarc.sub.example.org", "v=DMARC1; p=reject");
  dns.add_txt("_dmarc.example.org", "v=DMARC1; p=reject");
  dns.clear_queries();
  o = run(message("sub.example.org", "example.net", true));
  EXPECT_EQ(o.result, Result::none);
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"TXT _dmarc.sub.example.org"});
}

TEST_F(DmarcEvaluate, UnusableRecordIsPermerror) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=bogus");
  Outcome o = run(message("example.com", "example.com", true));
  EXPECT_EQ(o.result, Result::permerror);
  EXPECT_EQ(o.policy, Policy::none);
  EXPECT_EQ(o.record_domain, "example.com");
  EXPECT_NE(o.problem.find("invalid p="), std::string::npos) << o.problem;
  // The same with a valid rua=: treated as p=none (RFC 7489 6.6.3 step 6.1).
  dns.add_txt("_dmarc.example.org", "v=DMARC1; p=bogus; rua=mailto:dmarc@example.org");
  o = run(message("example.org", "example.net", true));
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.policy, Policy::none);
  ASSERT_TRUE(o.record);
  EXPECT_TRUE(o.record->p_defaulted);
  EXPECT_FALSE(o.warnings.empty());
}

TEST_F(DmarcEvaluate, UnusableFromDomainIsPermerrorWithoutLookups) {
  for (const char* from : {"", "ex_ample.com", "a..example.com", "[192.0.2.1]"}) {
    const Outcome o = run(message(from, "example.com", true));
    EXPECT_EQ(o.result, Result::permerror) << from;
    EXPECT_FALSE(o.problem.empty());
  }
  EXPECT_TRUE(dns.queries().empty());
}

TEST_F(DmarcEvaluate, InternationalizedFromDomain) {
  dns.add_txt("_dmarc.xn--bcher-kva.example", "v=DMARC1; p=reject");
  Input in = message("B\xc3\xbc" "cher.example", "", false);
  add_dkim(in, "xn--bcher-kva.example", true);
  const Outcome o = run(in);
  EXPECT_EQ(o.from_domain, "xn--bcher-kva.example");
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_EQ(dns.queries(), std::vector<std::string>{"TXT _dmarc.xn--bcher-kva.example"});
}

// RFC 7489 appendix B.1: alignment examples.
TEST_F(DmarcEvaluate, AppendixB1AlignmentExamples) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject");
  dns.add_txt("_dmarc.example.net", "v=DMARC1; p=reject; aspf=s; adkim=s");
  // B.1.1 SPF: MAIL FROM sender@example.com / From sender@example.com: aligned in both modes.
  EXPECT_EQ(run(message("example.com", "example.com", true)).result, Result::pass);
  EXPECT_EQ(run(message("example.net", "example.net", true)).result, Result::pass);
  // MAIL FROM child.example.com / From example.com: relaxed only.
  EXPECT_EQ(run(message("example.com", "child.example.com", true)).result, Result::pass);
  EXPECT_EQ(run(message("example.net", "child.example.net", true)).result, Result::fail);
  // MAIL FROM example.org / From example.com: no alignment.
  EXPECT_EQ(run(message("example.com", "example.org", true)).result, Result::fail);
  // B.1.2 DKIM: d=example.com, d=child.example.com (relaxed only), d=example.org (no).
  for (const auto& [from, d, expected] : std::vector<std::tuple<std::string, std::string, Result>>{
           {"example.com", "example.com", Result::pass},
           {"example.com", "child.example.com", Result::pass},
           {"example.net", "child.example.net", Result::fail},
           {"example.com", "example.org", Result::fail}}) {
    Input in = message(from, "", false);
    add_dkim(in, d, true);
    EXPECT_EQ(run(in).result, expected) << from << " d=" << d;
  }
  // B.1.3 Multiple identifiers: MAIL FROM example.com (SPF passes), From child.example.com,
  // DKIM d=example.com: both align in relaxed mode (the record at example.com is found by
  // the Organizational Domain fallback).
  Input in = message("child.example.com", "example.com", true);
  add_dkim(in, "example.com", true);
  const Outcome o = run(in);
  EXPECT_EQ(o.result, Result::pass);
  EXPECT_TRUE(o.spf_aligned);
  EXPECT_TRUE(o.dkim_aligned);
  EXPECT_EQ(o.record_domain, "example.com");
}

// B.2.1: monitoring only: failures are reported, nothing is enforced.
TEST_F(DmarcEvaluate, AppendixB21MonitoringOnly) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");
  const Outcome o = run(message("example.com", "spammer.example.net", true));
  EXPECT_EQ(o.result, Result::fail);
  EXPECT_EQ(o.policy, Policy::none);
  ASSERT_TRUE(o.record);
  EXPECT_EQ(o.record->rua.size(), 1u);
}

// B.2.4: partial quarantine, pct=25.
TEST_F(DmarcEvaluate, AppendixB24PartialQuarantine) {
  dns.add_txt("_dmarc.example.com",
              "v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m; "
              "pct=25");
  const Input in = message("example.com", "spammer.example.net", true);
  EXPECT_EQ(run(in, fixed(24)).policy, Policy::quarantine);
  const Outcome out = run(in, fixed(25));
  EXPECT_EQ(out.policy, Policy::none);
  EXPECT_TRUE(out.sampled_out);
  ASSERT_TRUE(out.report.policy_published);
  EXPECT_EQ(out.report.policy_published->pct, 25);
}

// B.4-style aggregate report row: SPF failed, DKIM passed and aligned.
TEST_F(DmarcEvaluate, ReportRow) {
  dns.add_txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine; np=reject; adkim=s; pct=100; fo=1");
  Input in = message("Example.com", "example.com", false);
  in.spf_result = "softfail";
  in.envelope_from = "example.com";
  add_dkim(in, "example.com", true, "s2024");
  add_dkim(in, "esp.example.net", false, "esp");
  in.dkim.back().result = "permerror";
  const Outcome o = run(in);
  EXPECT_EQ(o.result, Result::pass);
  const ReportRecord& r = o.report;
  EXPECT_EQ(r.source_ip, make_address("192.0.2.1"));
  EXPECT_EQ(r.header_from, "example.com");
  EXPECT_EQ(r.envelope_from, "example.com");
  EXPECT_EQ(r.result, Result::pass);
  EXPECT_EQ(r.disposition, Policy::none);
  EXPECT_TRUE(r.dkim_aligned_pass);
  EXPECT_FALSE(r.spf_aligned_pass);
  EXPECT_TRUE(r.reasons.empty());
  ASSERT_EQ(r.dkim.size(), 2u);
  EXPECT_EQ(r.dkim[0].domain, "example.com");
  EXPECT_EQ(r.dkim[0].selector, "s2024");
  EXPECT_EQ(r.dkim[0].result, "pass");
  EXPECT_EQ(r.dkim[1].domain, "esp.example.net");
  EXPECT_EQ(r.dkim[1].result, "permerror");
  EXPECT_EQ(r.spf.domain, "example.com");
  EXPECT_EQ(r.spf.scope, "mfrom");
  EXPECT_EQ(r.spf.result, "softfail");
  ASSERT_TRUE(r.policy_published);
  EXPECT_EQ(r.policy_published->domain, "example.com");
  EXPECT_EQ(r.policy_published->p, Policy::reject);
  EXPECT_EQ(r.policy_published->sp, Policy::quarantine);
  EXPECT_EQ(r.policy_published->np, Policy::reject);
  EXPECT_EQ(r.policy_published->adkim, Alignment::strict);
  EXPECT_EQ(r.policy_published->aspf, Alignment::relaxed);
  EXPECT_EQ(r.policy_published->pct, 100);
  EXPECT_EQ(r.policy_published->fo, "1");

  // A failing one from HELO: the row says so.
  Input helo = message("example.com", "mta.example.org", true);
  helo.spf_helo = true;
  const Outcome f = run(helo, fixed(0));
  EXPECT_EQ(f.report.disposition, Policy::reject);
  EXPECT_EQ(f.report.spf.scope, "helo");
  EXPECT_EQ(f.report.spf.result, "pass");
  EXPECT_FALSE(f.report.spf_aligned_pass);
  EXPECT_EQ(f.report.result, Result::fail);
  // No record: the row has no policy_published, and the result none.
  const Outcome n = run(message("example.org", "", false));
  EXPECT_FALSE(n.report.policy_published);
  EXPECT_EQ(n.report.result, Result::none);
  EXPECT_EQ(n.report.spf.result, "none");
}

TEST(DmarcWords, ToString) {
  EXPECT_EQ(to_string(Result::none), "none");
  EXPECT_EQ(to_string(Result::pass), "pass");
  EXPECT_EQ(to_string(Result::fail), "fail");
  EXPECT_EQ(to_string(Result::temperror), "temperror");
  EXPECT_EQ(to_string(Result::permerror), "permerror");
  EXPECT_EQ(to_string(Policy::none), "none");
  EXPECT_EQ(to_string(Policy::quarantine), "quarantine");
  EXPECT_EQ(to_string(Policy::reject), "reject");
  EXPECT_EQ(to_string(Alignment::relaxed), "r");
  EXPECT_EQ(to_string(Alignment::strict), "s");
  EXPECT_EQ(weaker(Policy::reject), Policy::quarantine);
  EXPECT_EQ(weaker(Policy::quarantine), Policy::none);
  EXPECT_EQ(weaker(Policy::none), Policy::none);
}

TEST(DmarcSample, Rules) {
  int calls = 0;
  const PercentSource src = [&] {
    ++calls;
    return 30;
  };
  EXPECT_EQ(sample(Policy::reject, 100, src).policy, Policy::reject);
  EXPECT_EQ(sample(Policy::none, 10, src).policy, Policy::none);
  EXPECT_EQ(calls, 0);
  EXPECT_FALSE(sample(Policy::reject, 31, src).sampled_out);
  EXPECT_TRUE(sample(Policy::reject, 30, src).sampled_out);
  EXPECT_EQ(calls, 2);
  const Sampled s = sample(Policy::quarantine, 0, src);
  EXPECT_EQ(s.policy, Policy::none);
  EXPECT_TRUE(s.sampled_out);
  EXPECT_EQ(calls, 2);
}

TEST(DmarcAligned, Modes) {
  ASSERT_TRUE(std::filesystem::exists(kDefaultPublicSuffixFile));
  EXPECT_TRUE(aligned("a.example.co.uk", "b.example.co.uk", Alignment::relaxed, psl()));
  EXPECT_FALSE(aligned("a.example.co.uk", "b.example.co.uk", Alignment::strict, psl()));
  EXPECT_FALSE(aligned("example.co.uk", "other.co.uk", Alignment::relaxed, psl()));
  EXPECT_TRUE(aligned("MAIL.Example.com.", "example.com", Alignment::relaxed, psl()));
  EXPECT_FALSE(aligned("", "example.com", Alignment::relaxed, psl()));
  EXPECT_FALSE(aligned("example.com", "", Alignment::strict, psl()));
}

}  // namespace
}  // namespace portcullis::checks::dmarc
