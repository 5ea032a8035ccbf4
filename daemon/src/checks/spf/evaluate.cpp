// checks/spf/evaluate.hpp: check_host() over net::DnsSource (RFC 7208 4, 5, 6).
#include "checks/spf/evaluate.hpp"
#include "core/ip.hpp"

#include <array>
#include <ctime>
#include <optional>
#include <utility>

#include "checks/spf/macro.hpp"
#include "checks/spf/record.hpp"

namespace portcullis::checks::spf {

namespace {

namespace asio = boost::asio;
using net::DnsStatus;

// include/redirect nesting; the 10-term limit stops a loop before this.
constexpr int kMaxNesting = 12;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (lower(a[k]) != lower(b[k])) return false;
  return true;
}

std::string_view without_final_dot(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  return name;
}

// `name` is `domain` or a subdomain of it (case-insensitive, final dots ignored).
bool within(std::string_view name, std::string_view domain) {
  name = without_final_dot(name);
  domain = without_final_dot(domain);
  if (iequals(name, domain)) return true;
  return name.size() > domain.size() && name[name.size() - domain.size() - 1] == '.' &&
         iequals(name.substr(name.size() - domain.size()), domain);
}

// A name a query can be made for: 1..253 octets, labels of 1..63 (final dot removed).
bool queryable(std::string_view name) {
  if (name.empty() || name.size() > kMaxDomainLength) return false;
  std::size_t label = 0;
  for (const char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
    } else if (++label > 63) {
      return false;
    }
  }
  return label > 0;
}

// 4.3: a fully qualified domain: at least two LDH (or '_') labels, the last not all digits.
bool valid_domain(std::string_view domain) {
  if (!queryable(domain) || domain.find('.') == std::string_view::npos) return false;
  for (const char c : domain) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  const std::string_view top = domain.substr(domain.rfind('.') + 1);
  for (const char c : top)
    if (c < '0' || c > '9') return true;
  return false;
}

template <std::size_t N>
bool prefix_equal(const std::array<unsigned char, N>& a, const std::array<unsigned char, N>& b, int bits) {
  std::size_t k = 0;
  for (; bits >= 8; bits -= 8, ++k)
    if (a[k] != b[k]) return false;
  if (bits == 0) return true;
  const auto mask = static_cast<unsigned char>(0xff << (8 - bits));
  return (a[k] & mask) == (b[k] & mask);
}

// ip within network/cidr of the same family.
bool in_network(const boost::asio::ip::address& ip, const boost::asio::ip::address& net, int cidr4, int cidr6) {
  if (ip.is_v4() && net.is_v4()) return prefix_equal(ip.to_v4().to_bytes(), net.to_v4().to_bytes(), cidr4);
  if (ip.is_v6() && net.is_v6()) return prefix_equal(ip.to_v6().to_bytes(), net.to_v6().to_bytes(), cidr6);
  return false;
}

// One check (a top-level check_host and everything it includes or redirects to).
struct Check {
  explicit Check(net::DnsSource& source) : dns(source) {}
  net::DnsSource& dns;
  MacroContext ctx;  // everything but domain and validated_name, set per expansion
  int dns_terms = 0;
  int voids = 0;
  std::string problem;  // why the last Match::temperror / permerror

  bool count_term() {
    if (++dns_terms <= kMaxDnsTerms) return true;
    problem = "more than " + std::to_string(kMaxDnsTerms) + " DNS-querying terms";
    return false;
  }
  bool count_void() {
    if (++voids <= kMaxVoidLookups) return true;
    problem = "more than " + std::to_string(kMaxVoidLookups) + " void lookups";
    return false;
  }
};

enum class Match { no, yes, temperror, permerror };

struct HostResult {
  Result result = Result::none;
  std::string mechanism;
  std::string problem;
  std::optional<std::string> exp;  // exp= of the record that decided
  std::string domain;              // that record's domain (the %{d} of the explanation)
};

// The client's family only (5.3, 5.4): A for IPv4, AAAA for IPv6.
asio::awaitable<net::AddressResult> addresses_of(Check& c, std::string name) {
  if (c.ctx.ip.is_v4()) co_return co_await c.dns.a(std::move(name));
  co_return co_await c.dns.aaaa(std::move(name));
}

bool contains(const net::AddressResult& r, const boost::asio::ip::address& ip) {
  for (const auto& a : r.addresses)
    if (a == ip) return true;
  return false;
}

// %{p} (7.3): among the first PTR names of the client those whose addresses include it, the
// domain itself, else a subdomain of it, else any; "" (expands to "unknown") if none.
asio::awaitable<std::string> validated_name(Check& c, std::string domain) {
  const auto ptr = co_await c.dns.ptr(c.ctx.ip);
  if (ptr.status != DnsStatus::ok) co_return std::string();
  std::string sub, any;
  int seen = 0;
  for (const auto& name : ptr.names) {
    if (++seen > kMaxPtrNames) break;
    const auto addresses = co_await addresses_of(c, name);
    if (addresses.status != DnsStatus::ok || !contains(addresses, c.ctx.ip)) continue;  // 5.5: skipped
    if (iequals(without_final_dot(name), without_final_dot(domain))) co_return std::string(without_final_dot(name));
    if (sub.empty() && within(name, domain)) sub = std::string(without_final_dot(name));
    if (any.empty()) any = std::string(without_final_dot(name));
  }
  co_return sub.empty() ? any : sub;
}

struct Target {
  bool ok = false;  // false: permerror (c.problem says why)
  std::string name;
};

// The target-name of a term: `spec` expanded with %{d} = domain, or domain itself.
asio::awaitable<Target> target_name(Check& c, std::string spec, std::string domain, std::string_view term) {
  Target t;
  if (spec.empty()) {
    t.ok = true;
    t.name = std::move(domain);
    co_return t;
  }
  MacroContext ctx = c.ctx;
  ctx.domain = domain;
  if (uses_macro_letter(spec, 'p')) {
    if (!c.count_term()) co_return t;  // 4.6.4: the PTR lookup of %{p} counts
    ctx.validated_name = co_await validated_name(c, domain);
  }
  auto name = expand_domain(spec, ctx);
  if (!name) {
    c.problem = "macro expansion too long in '" + printable(term) + "'";
    co_return t;
  }
  t.ok = true;
  t.name = std::move(*name);
  co_return t;
}

asio::awaitable<HostResult> check_host(Check& c, std::string domain, int depth);

// The outcome of a DNS status for a term that needs an answer: nullopt to go on with the
// answer; else the match (void lookups are counted here).
std::optional<Match> dns_trouble(Check& c, DnsStatus status, std::string_view what, std::string_view name) {
  switch (status) {
    case DnsStatus::ok: return std::nullopt;
    case DnsStatus::temp_failure:
      c.problem = "DNS failure for " + std::string(what) + " " + printable(name);
      return Match::temperror;
    case DnsStatus::nxdomain:
    case DnsStatus::nodata:
      if (!c.count_void()) return Match::permerror;
      return Match::no;
    case DnsStatus::perm_failure:  // a name that cannot be queried: as if it did not exist
      return Match::no;
  }
  return Match::no;
}

asio::awaitable<Match> matches(Check& c, const Directive& d, std::string domain, int depth) {
  const auto& ip = c.ctx.ip;
  switch (d.mechanism) {
    case Mechanism::all:
      co_return Match::yes;
    case Mechanism::ip4:
    case Mechanism::ip6:
      co_return in_network(ip, d.network, d.cidr4, d.cidr6) ? Match::yes : Match::no;
    default:
      break;
  }
  if (!c.count_term()) co_return Match::permerror;
  const Target target = co_await target_name(c, d.domain_spec, domain, d.text);
  if (!target.ok) co_return Match::permerror;

  if (d.mechanism == Mechanism::include) {
    if (depth + 1 > kMaxNesting) {
      c.problem = "include/redirect nested too deep";
      co_return Match::permerror;
    }
    const HostResult inner = co_await check_host(c, target.name, depth + 1);
    switch (inner.result) {
      case Result::pass: co_return Match::yes;
      case Result::fail:
      case Result::softfail:
      case Result::neutral: co_return Match::no;
      case Result::temperror:
        c.problem = inner.problem;
        co_return Match::temperror;
      case Result::none:
        c.problem = "no SPF record at include:" + printable(target.name);
        co_return Match::permerror;
      case Result::permerror:
        c.problem = inner.problem;
        co_return Match::permerror;
    }
    co_return Match::permerror;
  }

  // A name that no query can be made for (empty or long labels, 4.3 by analogy): no match.
  if (!queryable(target.name)) co_return Match::no;

  switch (d.mechanism) {
    case Mechanism::a: {
      const auto r = co_await addresses_of(c, target.name);
      if (const auto m = dns_trouble(c, r.status, c.ctx.ip.is_v4() ? "A" : "AAAA", target.name)) co_return *m;
      for (const auto& a : r.addresses)
        if (in_network(ip, a, d.cidr4, d.cidr6)) co_return Match::yes;
      co_return Match::no;
    }
    case Mechanism::mx: {
      const auto mx = co_await c.dns.mx(target.name);
      if (const auto m = dns_trouble(c, mx.status, "MX", target.name)) co_return *m;
      if (mx.records.size() > static_cast<std::size_t>(kMaxMxNames)) {
        c.problem = "more than " + std::to_string(kMaxMxNames) + " MX names for " + printable(target.name);
        co_return Match::permerror;
      }
      for (const auto& host : mx.records) {
        const auto r = co_await addresses_of(c, host.host);
        if (r.status == DnsStatus::temp_failure) {
          c.problem = "DNS failure for the address of MX " + printable(host.host);
          co_return Match::temperror;
        }
        for (const auto& a : r.addresses)
          if (in_network(ip, a, d.cidr4, d.cidr6)) co_return Match::yes;
      }
      co_return Match::no;
    }
    case Mechanism::ptr: {
      const auto ptr = co_await c.dns.ptr(ip);
      if (ptr.status == DnsStatus::temp_failure || ptr.status == DnsStatus::perm_failure)
        co_return Match::no;  // 5.5: a DNS error makes ptr not match
      if (const auto m = dns_trouble(c, ptr.status, "PTR", ip_readable(ip))) co_return *m;
      int seen = 0;
      for (const auto& name : ptr.names) {
        if (++seen > kMaxPtrNames) break;  // 4.6.4: the rest are ignored
        if (!within(name, target.name)) continue;
        const auto r = co_await addresses_of(c, name);
        if (r.status == DnsStatus::ok && contains(r, ip)) co_return Match::yes;  // errors: skipped
      }
      co_return Match::no;
    }
    case Mechanism::exists: {
      const auto r = co_await c.dns.a(target.name);  // A even for an IPv6 client (5.7)
      if (const auto m = dns_trouble(c, r.status, "A", target.name)) co_return *m;
      co_return r.addresses.empty() ? Match::no : Match::yes;
    }
    default:
      co_return Match::no;
  }
}

asio::awaitable<HostResult> check_host(Check& c, std::string domain, int depth) {
  HostResult r;
  r.domain = domain;
  if (!valid_domain(domain)) {
    r.problem = "not a fully qualified domain: " + printable(domain);
    co_return r;
  }
  const auto txt = co_await c.dns.txt(domain);
  if (txt.status == DnsStatus::temp_failure) {
    r.result = Result::temperror;
    r.problem = "DNS failure for TXT " + printable(domain);
    co_return r;
  }
  std::string_view spf;  // 4.5: the one record starting with "v=spf1"
  int found = 0;
  if (txt.status == DnsStatus::ok) {
    for (const auto& record : txt.records) {
      if (!is_spf_record(record)) continue;
      ++found;
      spf = record;
    }
  }
  if (found == 0) {
    r.problem = txt.status == DnsStatus::nxdomain ? "no such domain: " + printable(domain)
                                                  : "no SPF record at " + printable(domain);
    co_return r;
  }
  if (found > 1) {
    r.result = Result::permerror;
    r.problem = "more than one SPF record at " + printable(domain);
    co_return r;
  }
  const ParsedRecord parsed = parse_record(spf);
  if (!parsed.record) {
    r.result = Result::permerror;
    r.problem = parsed.error + " at " + printable(domain);
    co_return r;
  }
  const Record& record = *parsed.record;

  for (const auto& d : record.directives) {
    const Match m = co_await matches(c, d, domain, depth);
    if (m == Match::no) continue;
    r.mechanism = d.text;
    if (m == Match::yes) {
      r.result = d.qualifier;
      r.exp = record.explanation;
    } else {
      r.result = m == Match::temperror ? Result::temperror : Result::permerror;
      r.problem = c.problem;
    }
    co_return r;
  }

  if (record.redirect) {  // 6.1: only when no mechanism matched
    const std::string term = "redirect=" + *record.redirect;
    r.mechanism = term;
    if (!c.count_term()) {
      r.result = Result::permerror;
      r.problem = c.problem;
      co_return r;
    }
    const Target target = co_await target_name(c, *record.redirect, domain, term);
    if (!target.ok) {
      r.result = Result::permerror;
      r.problem = c.problem;
      co_return r;
    }
    if (depth + 1 > kMaxNesting) {
      r.result = Result::permerror;
      r.problem = "include/redirect nested too deep";
      co_return r;
    }
    HostResult inner = co_await check_host(c, target.name, depth + 1);
    if (inner.result == Result::none) {
      inner.result = Result::permerror;
      inner.mechanism = term;
      inner.problem = "no SPF record at redirect=" + printable(target.name);
    }
    co_return inner;
  }

  r.result = Result::neutral;  // 4.7
  r.mechanism = "default";
  co_return r;
}

bool explanation_text_ok(std::string_view text) {
  if (text.empty() || text.size() > kMaxExplanation) return false;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u > 0x7e) return false;
  }
  return true;
}

// 6.2: the explanation of a fail; any trouble gives the default.
asio::awaitable<std::string> explain(Check& c, std::string spec, std::string domain) {
  const std::string fallback(kDefaultExplanation);
  MacroContext ctx = c.ctx;
  ctx.domain = domain;
  bool validated = false;
  if (uses_macro_letter(spec, 'p')) {
    ctx.validated_name = co_await validated_name(c, domain);
    validated = true;
  }
  const auto name = expand_domain(spec, ctx);
  if (!name || !queryable(*name)) co_return fallback;
  const auto txt = co_await c.dns.txt(*name);
  if (txt.status != DnsStatus::ok || txt.records.size() != 1) co_return fallback;
  const std::string& text = txt.records.front();
  if (!valid_macro_string(text, MacroUse::explanation)) co_return fallback;
  if (!validated && uses_macro_letter(text, 'p')) ctx.validated_name = co_await validated_name(c, domain);
  const auto out = expand(text, ctx, MacroUse::explanation);
  if (!out || !explanation_text_ok(*out)) co_return fallback;
  co_return *out;
}

asio::awaitable<Outcome> run(net::DnsSource& dns, const Request& request, std::string identity, std::string local,
                             std::string domain) {
  Outcome out;
  out.identity = std::move(identity);
  domain = std::string(without_final_dot(domain));
  if (local.empty()) local = "postmaster";  // 4.3
  out.domain = domain;
  out.sender = local + "@" + domain;

  Check c(dns);
  c.ctx.sender = out.sender;
  c.ctx.local = local;
  c.ctx.sender_domain = domain;
  c.ctx.ip = core::unmapped(request.client);
  c.ctx.helo = request.helo;
  c.ctx.receiver = request.receiver;
  c.ctx.now = static_cast<std::int64_t>(std::time(nullptr));

  const HostResult r = co_await check_host(c, domain, 0);
  out.result = r.result;
  out.mechanism = r.mechanism;
  out.problem = r.problem;
  out.dns_lookups = c.dns_terms;
  out.void_lookups = c.voids;
  if (r.result == Result::fail) {
    if (r.exp) {
      out.explanation = co_await explain(c, *r.exp, r.domain);
    } else {
      out.explanation = std::string(kDefaultExplanation);
    }
  }
  co_return out;
}

}  // namespace

asio::awaitable<Outcome> check_mail_from(net::DnsSource& dns, Request request) {
  if (request.mail_from.empty()) co_return co_await run(dns, request, "mailfrom", "postmaster", request.helo);
  const std::size_t at = request.mail_from.rfind('@');
  if (at == std::string::npos) {
    Outcome out;
    out.identity = "mailfrom";
    out.sender = request.mail_from;
    out.problem = "no domain in the reverse-path";
    co_return out;
  }
  co_return co_await run(dns, request, "mailfrom", request.mail_from.substr(0, at), request.mail_from.substr(at + 1));
}

asio::awaitable<Outcome> check_helo(net::DnsSource& dns, Request request) {
  co_return co_await run(dns, request, "helo", "postmaster", request.helo);
}

}  // namespace portcullis::checks::spf
