// checks/dnsbl/lookup.hpp: the zones queried at once, answers judged, hits scored.
#include "checks/dnsbl/lookup.hpp"
#include "core/ip.hpp"

#include <optional>
#include <utility>

#include "core/text.hpp"
#include "core/gather.hpp"
#include "checks/dnsbl/examine.hpp"
#include "checks/dnsbl/pattern.hpp"
#include "checks/dnsbl/query_name.hpp"

namespace portcullis::checks::dnsbl {

namespace asio = boost::asio;

namespace {

using Bytes = std::array<std::uint8_t, 4>;

std::string failure_text(net::DnsStatus status) {
  if (status == net::DnsStatus::temp_failure) return "temporary DNS failure (SERVFAIL or no answer from the resolver)";
  return "DNS error (" + std::string(net::to_string(status)) + ")";
}

std::string timeout_text(std::chrono::milliseconds timeout) {
  return "no answer within " + std::to_string(timeout.count()) + " ms";
}

// What one zone's A answer means under its pattern: the matching answers (empty: not
// listed) and the problems seen.
struct Judged {
  std::vector<std::string> matched;
  std::vector<std::string> problems;
};

Judged judge(const std::optional<net::AddressResult>& result, const AnswerPattern& pattern,
             std::chrono::milliseconds timeout) {
  Judged j;
  if (!result) {
    j.problems.push_back(timeout_text(timeout));
    return j;
  }
  switch (result->status) {
    case net::DnsStatus::nxdomain:
    case net::DnsStatus::nodata:
      return j;
    case net::DnsStatus::temp_failure:
    case net::DnsStatus::perm_failure:
      j.problems.push_back(failure_text(result->status));
      return j;
    case net::DnsStatus::ok:
      break;
  }
  for (const auto& ip : result->addresses) {
    if (!ip.is_v4()) continue;  // an A lookup answers IPv4 only
    const Bytes bytes = ip.to_v4().to_bytes();
    const std::string text = ip.to_string();
    switch (answer_kind(bytes)) {
      case AnswerKind::outside:
        j.problems.push_back("answer " + text + " outside 127.0.0.0/8 ignored (RFC 5782 2.3)");
        break;
      case AnswerKind::refused:
        j.problems.push_back("answer " + text +
                             ": the list refused the query (public resolver, over quota or not subscribed)");
        break;
      case AnswerKind::listing_range:
        if (pattern.matches(bytes)) j.matched.push_back(text);
        break;
    }
  }
  return j;
}

std::string client_text(const asio::ip::address& client) { return core::unmapped(client).to_string(); }

}  // namespace

std::string check_zone(const Zone& zone) {
  if (auto e = zone_error(zone.zone); !e.empty()) return e;
  if (auto parsed = parse_pattern(zone.expect); !parsed.pattern) return "expected result: " + parsed.error;
  return {};
}

asio::awaitable<Outcome> lookup(net::DnsSource& dns, asio::ip::address client, const std::vector<Zone>& zones,
                                Stage stage, const Settings& settings) {
  Outcome out;
  struct Query {
    const Zone* zone = nullptr;
    AnswerPattern pattern = {};
    std::string name = {};
  };
  std::vector<Query> queries;
  for (const auto& z : zones) {
    if (z.stage != stage) continue;
    ++out.queried;
    if (auto e = check_zone(z); !e.empty()) {
      out.problems.push_back({z.zone, "not queried: " + e});
      continue;
    }
    auto name = query_name(client, z.zone);
    if (!name) {
      out.problems.push_back({z.zone, "not queried: the query name would exceed 253 characters"});
      continue;
    }
    queries.push_back({&z, *parse_pattern(z.expect).pattern, std::move(*name)});
  }
  if (queries.empty()) co_return out;

  std::vector<asio::awaitable<net::AddressResult>> lookups;
  for (const auto& q : queries) lookups.push_back(dns.a(q.name));
  auto gathering = core::gather(lookups, settings.timeout);
  const auto answers = co_await std::move(gathering);

  std::vector<const Query*> hit_queries;
  for (std::size_t i = 0; i < queries.size(); ++i) {
    const Query& q = queries[i];
    Judged j = judge(answers[i], q.pattern, settings.timeout);
    for (auto& p : j.problems) out.problems.push_back({q.zone->zone, std::move(p)});
    if (j.matched.empty()) continue;
    Hit hit;
    hit.zone = q.zone->zone;
    hit.answer = core::join(j.matched, ",");
    hit.symbol = symbol_for(q.zone->zone);
    hit.score = q.zone->score;
    hit.blocks = q.zone->action == Action::block;
    out.score += hit.score;
    out.hits.push_back(std::move(hit));
    hit_queries.push_back(&q);
  }

  if (settings.fetch_reason && !hit_queries.empty()) {
    std::vector<asio::awaitable<net::TxtResult>> txts;
    for (const Query* q : hit_queries) txts.push_back(dns.txt(q->name));
    auto fetching = core::gather(txts, settings.timeout);
    const auto reasons = co_await std::move(fetching);
    for (std::size_t i = 0; i < reasons.size(); ++i) {
      if (!reasons[i] || reasons[i]->status != net::DnsStatus::ok) continue;  // the reason is optional
      out.hits[i].reason = core::printable_ascii(core::join(reasons[i]->records, " "), kMaxReason);
    }
  }

  for (const auto& hit : out.hits) {
    if (!hit.blocks) continue;
    out.blocked = true;
    out.reply = "554 5.7.1 Service unavailable; client [" + client_text(client) + "] blocked using " + hit.zone;
    if (!hit.reason.empty()) out.reply += "; " + hit.reason;
    break;
  }
  co_return out;
}

asio::awaitable<ProbeResult> probe(net::DnsSource& dns, const Zone& zone, std::chrono::milliseconds timeout) {
  // The IPv4 part of examine() (checks/dnsbl/examine.hpp), said in one sentence.
  ExamineOptions options;
  options.timeout = timeout;
  options.ipv6 = false;
  auto examining = examine(dns, zone, options);
  const ZoneCheck check = co_await std::move(examining);
  const Assessment assessment = assess(check);
  ProbeResult out;
  out.working = assessment.healthy;
  for (const auto& f : assessment.findings) {
    if (f.level == Level::problem && out.detail.empty()) out.detail = f.text;
    if (out.working && f.level == Level::ok) out.detail = f.text + out.detail;
    if (out.working && f.level == Level::warning) out.detail += "; note: " + f.text;
  }
  co_return out;
}

}  // namespace portcullis::checks::dnsbl
