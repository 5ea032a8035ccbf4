// checks/dnsbl/examine.hpp: the RFC 5782 test points and one address, seen and assessed.
#include "checks/dnsbl/examine.hpp"
#include "core/ip.hpp"

#include <utility>

#include "core/text.hpp"
#include "core/gather.hpp"
#include "checks/dnsbl/query_name.hpp"

namespace portcullis::checks::dnsbl {

namespace asio = boost::asio;

namespace {

// The answers of `seen` in the listing range (refusal codes and foreign answers left out).
std::vector<std::string> listing_answers(const Seen& seen) {
  std::vector<std::string> out;
  for (const auto& a : seen.answers)
    if (a.kind == AnswerKind::listing_range) out.push_back(a.address);
  return out;
}

std::vector<std::string> counted_answers(const Seen& seen) {
  std::vector<std::string> out;
  for (const auto& a : seen.answers)
    if (a.counts) out.push_back(a.address);
  return out;
}

// A lookup that did not answer normally: timeouts, DNS failures, refusal codes, foreign answers.
std::vector<std::string> troubles(const Seen& seen, std::chrono::milliseconds timeout) {
  std::vector<std::string> out;
  if (!seen.answered) {
    out.push_back("no answer within " + std::to_string(timeout.count()) + " ms");
    return out;
  }
  switch (seen.status) {
    case net::DnsStatus::temp_failure:
      out.push_back("temporary DNS failure: the resolver answered SERVFAIL or REFUSED, or could not be reached");
      return out;
    case net::DnsStatus::perm_failure:
      out.push_back("DNS error (the name " + seen.name + " cannot be queried)");
      return out;
    case net::DnsStatus::nxdomain:
    case net::DnsStatus::nodata:
    case net::DnsStatus::ok:
      break;
  }
  for (const auto& a : seen.answers) {
    if (a.kind == AnswerKind::refused)
      out.push_back("answer " + a.address + ": the list refused the query: " +
                    refusal_meaning(asio::ip::make_address_v4(a.address).to_bytes()));
    else if (a.kind == AnswerKind::outside)
      out.push_back("answer " + a.address + " is outside 127.0.0.0/8, so no DNSBL answer (RFC 5782 2.3): the name "
                    "may be a wildcard of another service (an expired list's domain?)");
  }
  return out;
}

bool failed(const std::optional<Seen>& seen) {
  return !seen || !seen->answered || seen->status == net::DnsStatus::temp_failure ||
         seen->status == net::DnsStatus::perm_failure;
}

}  // namespace

bool Seen::listed() const {
  for (const auto& a : answers)
    if (a.kind == AnswerKind::listing_range) return true;
  return false;
}

bool Seen::counted() const {
  for (const auto& a : answers)
    if (a.counts) return true;
  return false;
}

Seen see(std::string name, const std::optional<net::AddressResult>& result, const AnswerPattern& pattern) {
  Seen s;
  s.name = std::move(name);
  if (!result) return s;
  s.answered = true;
  s.status = result->status;
  if (s.status != net::DnsStatus::ok) return s;
  for (const auto& ip : result->addresses) {
    if (!ip.is_v4()) continue;  // an A lookup answers IPv4 only
    const auto bytes = ip.to_v4().to_bytes();
    s.answers.push_back({ip.to_string(), answer_kind(bytes), pattern.matches(bytes)});
  }
  return s;
}

Assessment assess(const ZoneCheck& c) {
  Assessment out;
  const auto add = [&out](Level level, std::string text) { out.findings.push_back({level, std::move(text)}); };
  if (!c.error.empty() || !c.listed_point || !c.unlisted_point) {
    add(Level::problem, "cannot be queried: " + (c.error.empty() ? std::string("nothing was looked up") : c.error));
    return out;
  }
  const Seen& two = *c.listed_point;
  const Seen& one = *c.unlisted_point;
  bool points_fine = true;
  for (const auto& t : troubles(two, c.timeout)) {
    add(Level::problem, "test point 127.0.0.2: " + t);
    points_fine = false;
  }
  if (points_fine && !two.listed()) {
    add(Level::problem,
        "test point 127.0.0.2 is not listed (RFC 5782 5 asks every list to list it): the zone is not a working "
        "DNSBL, or the resolver does not see it");
    points_fine = false;
  }
  for (const auto& t : troubles(one, c.timeout)) {
    add(Level::problem, "test point 127.0.0.1: " + t);
    points_fine = false;
  }
  if (one.listed()) {
    add(Level::problem, "test point 127.0.0.1 is listed (" + core::join(listing_answers(one), ",") +
                            "): the zone answers for every address, do not use it");
    points_fine = false;
  }
  if (points_fine)
    add(Level::ok, "test point 127.0.0.2 listed (" + core::join(listing_answers(two), ",") + "), 127.0.0.1 not listed");
  if (two.listed() && !c.expect.empty() && !two.counted())
    add(Level::warning, "the expected result '" + c.expect + "' matches none of the answers for 127.0.0.2 (" +
                            core::join(listing_answers(two), ",") + "): check --expect, listed clients may not count");

  if (c.listed_point6 && c.unlisted_point6) {
    const Seen& two6 = *c.listed_point6;
    const Seen& one6 = *c.unlisted_point6;
    // Failures of the IPv6 lookups are worth a note only when IPv4 worked (else they repeat it).
    const bool v4_answered = !failed(c.listed_point);
    if (v4_answered) {
      for (const auto& t : troubles(two6, c.timeout)) add(Level::info, "IPv6 test point ::ffff:7f00:2: " + t);
      for (const auto& t : troubles(one6, c.timeout)) add(Level::info, "IPv6 test point ::ffff:7f00:1: " + t);
    }
    if (one6.listed()) {
      add(Level::problem, "IPv6 test point ::ffff:7f00:1 is listed (" + core::join(listing_answers(one6), ",") +
                              "): the zone answers for every IPv6 address, do not use it");
    } else if (two6.listed()) {
      add(Level::info, "IPv6 test point ::ffff:7f00:2 listed (" + core::join(listing_answers(two6), ",") +
                           "), ::ffff:7f00:1 not listed: the zone lists IPv6 addresses too");
    } else if (v4_answered && troubles(two6, c.timeout).empty()) {
      add(Level::info, "IPv6 test point ::ffff:7f00:2 is not listed: an IPv4-only zone (IPv6 clients are never found "
                       "in it)");
    }
  }

  if (c.address && c.lookup) {
    const Seen& l = *c.lookup;
    const std::string who = c.address->to_string();  // unmapped in examine()
    const auto problems = troubles(l, c.timeout);
    for (const auto& t : problems) add(Level::problem, who + ": " + t);
    if (l.listed()) {
      const std::string answers = core::join(listing_answers(l), ",");
      const auto counted = counted_answers(l);
      if (c.expect.empty())
        add(Level::info, who + " is listed: " + answers + " (any answer in 127.0.0.0/8 counts)");
      else if (!counted.empty())
        add(Level::info, who + " is listed: " + answers + "; " + core::join(counted, ",") +
                             (counted.size() == 1 ? " matches" : " match") + " the expected result '" + c.expect + "'");
      else
        add(Level::info, who + " is listed: " + answers + ", which the expected result '" + c.expect +
                             "' does not match: the gateway does not count it");
      if (!l.reason.empty()) add(Level::info, who + ": reason: " + l.reason);
    } else if (problems.empty()) {
      add(Level::info, who + " is not listed");
    }
  }

  out.healthy = true;
  for (const auto& f : out.findings)
    if (f.level == Level::problem) out.healthy = false;
  return out;
}

asio::awaitable<ZoneCheck> examine(net::DnsSource& dns, const Zone& zone, ExamineOptions options) {
  ZoneCheck c;
  c.zone = zone.zone;
  c.expect = zone.expect;
  c.timeout = options.timeout;
  if (options.address) c.address = core::unmapped(*options.address);
  if (auto e = check_zone(zone); !e.empty()) {
    c.error = std::move(e);
    co_return c;
  }
  const AnswerPattern pattern = *parse_pattern(zone.expect).pattern;

  // The names: 127.0.0.2, 127.0.0.1, then the IPv6 points and the address as asked.
  std::vector<std::string> names;
  const auto v4_point = [&](const char* ip) { return query_name(asio::ip::make_address_v4(ip), zone.zone); };
  const auto v6_point = [&](const char* ip) {
    return ipv6_query_name(asio::ip::make_address_v6(asio::ip::v4_mapped, asio::ip::make_address_v4(ip)), zone.zone);
  };
  std::vector<std::optional<std::string>> wanted = {v4_point("127.0.0.2"), v4_point("127.0.0.1")};
  if (options.ipv6) {
    wanted.push_back(v6_point("127.0.0.2"));
    wanted.push_back(v6_point("127.0.0.1"));
  }
  if (c.address) wanted.push_back(query_name(*c.address, zone.zone));
  for (auto& n : wanted) {
    if (!n) {  // zone_error leaves room for IPv6 names: not expected
      c.error = "a query name would exceed 253 characters";
      co_return c;
    }
    names.push_back(std::move(*n));
  }

  std::vector<asio::awaitable<net::AddressResult>> lookups;
  for (const auto& n : names) lookups.push_back(dns.a(n));
  auto gathering = core::gather(lookups, options.timeout);
  const auto answers = co_await std::move(gathering);

  std::size_t i = 0;
  c.listed_point = see(names[i], answers[i], pattern);
  ++i;
  c.unlisted_point = see(names[i], answers[i], pattern);
  ++i;
  if (options.ipv6) {
    c.listed_point6 = see(names[i], answers[i], pattern);
    ++i;
    c.unlisted_point6 = see(names[i], answers[i], pattern);
    ++i;
  }
  if (c.address) {
    c.lookup = see(names[i], answers[i], pattern);
    if (c.lookup->listed()) {
      std::vector<asio::awaitable<net::TxtResult>> txts;
      txts.push_back(dns.txt(names[i]));
      auto fetching = core::gather(txts, options.timeout);
      const auto reasons = co_await std::move(fetching);
      if (reasons[0] && reasons[0]->status == net::DnsStatus::ok) {
        std::string text;
        for (const auto& r : reasons[0]->records) text += (text.empty() ? "" : " ") + r;
        c.lookup->reason = core::printable_ascii(text, kMaxReason);
      }
    }
  }
  co_return c;
}

}  // namespace portcullis::checks::dnsbl
