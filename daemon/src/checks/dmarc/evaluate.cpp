// checks/dmarc/evaluate.hpp: discovery, alignment, result, policy and the report row.
#include "checks/dmarc/evaluate.hpp"

#include <utility>

#include "checks/dmarc/author.hpp"

namespace portcullis::checks::dmarc {

namespace {

using net::DnsStatus;

// The aggregate-report row as far as it does not depend on the record.
ReportRecord base_report(const Input& in) {
  ReportRecord r;
  r.source_ip = in.client;
  r.header_from = in.header_from_domain;
  r.envelope_from = in.envelope_from;
  for (const auto& d : in.dkim) {
    DkimAuthResult a;
    a.domain = d.domain;
    a.selector = d.selector;
    a.result = !d.result.empty() ? d.result : d.pass ? "pass" : "fail";
    r.dkim.push_back(std::move(a));
  }
  r.spf.domain = in.spf_domain;
  r.spf.scope = in.spf_helo ? "helo" : "mfrom";
  if (!in.spf_result.empty())
    r.spf.result = in.spf_result;
  else
    r.spf.result = in.spf_pass ? "pass" : in.spf_domain.empty() ? "none" : "fail";
  return r;
}

PolicyPublished published_of(const Record& rec, const std::string& domain) {
  PolicyPublished p;
  p.domain = domain;
  p.adkim = rec.adkim;
  p.aspf = rec.aspf;
  p.p = rec.p;
  p.sp = rec.subdomain_policy();
  p.np = rec.np;
  p.pct = rec.pct;
  p.fo = rec.fo_text;
  return p;
}

// The DMARC records among a TXT lookup's answers.
void collect(const net::TxtResult& txt, std::vector<std::string>& records) {
  if (txt.status != DnsStatus::ok) return;
  for (const auto& t : txt.records)
    if (is_dmarc_record(t)) records.push_back(t);
}

// RFC 9091 2.1: a non-existent domain answers NXDOMAIN for A, AAAA and MX.
boost::asio::awaitable<bool> nonexistent(net::DnsSource& dns, const std::string& domain) {
  const auto a = co_await dns.a(domain);
  if (a.status != DnsStatus::nxdomain) co_return false;
  const auto aaaa = co_await dns.aaaa(domain);
  if (aaaa.status != DnsStatus::nxdomain) co_return false;
  const auto mx = co_await dns.mx(domain);
  co_return mx.status == DnsStatus::nxdomain;
}

}  // namespace

boost::asio::awaitable<Outcome> evaluate(net::DnsSource& dns, const PublicSuffixList& psl, const Input& input,
                                         PercentSource percent) {
  Outcome out;
  out.report = base_report(input);

  out.from_domain = normalize_host(input.header_from_domain);
  if (out.from_domain.empty()) {
    out.result = Result::permerror;
    out.problem = "no usable RFC5322.From domain";
    out.report.result = out.result;
    co_return out;
  }
  out.report.header_from = out.from_domain;
  out.org_domain = psl.organizational_domain(out.from_domain);

  // Policy discovery (6.6.3).
  std::vector<std::string> records;
  std::string where = out.from_domain;
  const auto first = co_await dns.txt("_dmarc." + where);
  if (first.status == DnsStatus::temp_failure) {
    out.result = Result::temperror;
    out.problem = "DNS lookup of _dmarc." + where + " failed";
    out.report.result = out.result;
    co_return out;
  }
  collect(first, records);
  if (records.empty() && !out.org_domain.empty() && out.org_domain != out.from_domain) {
    where = out.org_domain;
    const auto second = co_await dns.txt("_dmarc." + where);
    if (second.status == DnsStatus::temp_failure) {
      out.result = Result::temperror;
      out.problem = "DNS lookup of _dmarc." + where + " failed";
      out.report.result = out.result;
      co_return out;
    }
    collect(second, records);
  }
  if (records.empty()) {
    out.problem = "no DMARC record for " + out.from_domain;
    out.report.result = out.result;
    co_return out;
  }
  out.record_domain = where;
  if (records.size() > 1) {
    out.problem = std::to_string(records.size()) + " DMARC records at _dmarc." + where;
    out.report.result = out.result;
    co_return out;
  }
  ParsedRecord parsed = parse_record(records.front());
  out.warnings = std::move(parsed.warnings);
  if (parsed.status != RecordStatus::ok) {
    out.result = Result::permerror;
    out.problem = "the DMARC record at _dmarc." + where + " is unusable: " + parsed.problem;
    out.report.result = out.result;
    co_return out;
  }
  const Record& rec = parsed.record;
  out.report.policy_published = published_of(rec, where);

  // Identifier alignment (3.1) and the result (4.2).
  out.spf_aligned = input.spf_pass && aligned(input.spf_domain, out.from_domain, rec.aspf, psl);
  for (const auto& d : input.dkim)
    if (d.pass && aligned(d.domain, out.from_domain, rec.adkim, psl)) out.dkim_aligned = true;
  out.result = out.spf_aligned || out.dkim_aligned ? Result::pass : Result::fail;

  // The policy for this message (6.3 p/sp, RFC 9091 np), then pct= sampling (6.6.4).
  out.published = rec.p;
  if (where != out.from_domain) {
    out.published = rec.subdomain_policy();
    if (rec.np && out.result == Result::fail) {
      const bool gone = co_await nonexistent(dns, out.from_domain);
      if (gone) out.published = *rec.np;
    }
  }
  if (out.result == Result::fail) {
    const Sampled s = sample(out.published, rec.pct, percent);
    out.policy = s.policy;
    out.sampled_out = s.sampled_out;
    if (s.sampled_out) out.report.reasons.push_back({"sampled_out", "pct=" + std::to_string(rec.pct)});
  }
  out.record = rec;

  out.report.result = out.result;
  out.report.disposition = out.policy;
  out.report.dkim_aligned_pass = out.dkim_aligned;
  out.report.spf_aligned_pass = out.spf_aligned;
  co_return out;
}

}  // namespace portcullis::checks::dmarc
