// checks/reputation/sender_domain.hpp: MX / null MX / A-AAAA fallback for the MAIL FROM domain.
#include "checks/reputation/sender_domain.hpp"

#include <optional>
#include <utility>

#include "core/gather.hpp"
#include "policy/names.hpp"

namespace portcullis::checks::reputation {

namespace asio = boost::asio;

namespace {

void add(SenderDomainOutcome& out, const char* name, const Rule& rule, std::string reply, std::string detail) {
  out.symbols.push_back({name, rule.score, std::move(detail)});
  out.score += rule.score;
  if (rule.reject && !out.reject) {
    out.reject = true;
    out.reply = std::move(reply);
  }
}

void dns_failure(SenderDomainOutcome& out, const SenderDomainSettings& s, std::string problem) {
  out.dns_problem = std::move(problem);
  if (!s.tempfail) return;
  out.tempfail = true;
  out.reply = "451 4.1.8 Sender address rejected: cannot verify the domain " + out.domain + " now, try again later";
}

bool failed(const net::DnsStatus s) { return s == net::DnsStatus::temp_failure || s == net::DnsStatus::perm_failure; }

}  // namespace

std::string sender_domain(std::string_view reverse_path) {
  const auto at = reverse_path.rfind('@');
  if (at == std::string_view::npos) return {};
  return policy::lower_ascii(reverse_path.substr(at + 1));
}

asio::awaitable<SenderDomainOutcome> check_sender_domain(net::DnsSource& dns, std::string reverse_path,
                                                         const SenderDomainSettings& settings) {
  SenderDomainOutcome out;
  std::string domain = sender_domain(reverse_path);
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (domain.empty() || domain.front() == '[') co_return out;
  for (const char c : domain)
    if (static_cast<unsigned char>(c) >= 0x80) co_return out;  // UTF-8 (SMTPUTF8): not looked up here
  out.checked = true;
  out.domain = domain;
  if (!policy::is_valid_domain(domain)) {
    // The session validates addresses; this only happens for odd but accepted forms.
    add(out, "SENDER_NOT_FQDN", settings.not_fqdn, "504 5.5.2 Sender address rejected: need fully-qualified address",
        "invalid domain");
    co_return out;
  }
  if (domain.find('.') == std::string::npos) {
    add(out, "SENDER_NOT_FQDN", settings.not_fqdn, "504 5.5.2 Sender address rejected: need fully-qualified address",
        domain + " is a single label");
    co_return out;
  }
  const std::string ms = " within " + std::to_string(settings.timeout.count()) + " ms";

  std::vector<asio::awaitable<net::MxResult>> mx_lookup;
  mx_lookup.push_back(dns.mx(domain));
  auto mx_gathering = core::gather(mx_lookup, settings.timeout);
  const auto mx_answers = co_await std::move(mx_gathering);
  const std::optional<net::MxResult>& mx = mx_answers.front();
  if (!mx) {
    dns_failure(out, settings, "MX " + domain + ": no answer" + ms);
    co_return out;
  }
  if (mx->status == net::DnsStatus::nxdomain) {
    add(out, "SENDER_NXDOMAIN", settings.nxdomain,
        "550 5.1.8 Sender address rejected: the domain " + domain + " does not exist", domain + " does not exist");
    co_return out;
  }
  if (failed(mx->status)) {
    const char* what = mx->status == net::DnsStatus::temp_failure ? "temporary DNS failure" : "DNS error";
    dns_failure(out, settings, "MX " + domain + ": " + what);
    co_return out;
  }
  if (mx->status == net::DnsStatus::ok && mx->null_mx) {
    add(out, "SENDER_NULL_MX", settings.null_mx,
        "550 5.7.27 Sender address rejected: the domain " + domain + " publishes a null MX, it accepts no mail",
        domain + " has a null MX (RFC 7505)");
    co_return out;
  }
  if (mx->status == net::DnsStatus::ok && !mx->records.empty()) co_return out;

  // No MX: the implicit MX of RFC 5321 5.1, the domain's own addresses.
  std::vector<asio::awaitable<net::AddressResult>> address_lookups;
  address_lookups.push_back(dns.a(domain));
  address_lookups.push_back(dns.aaaa(domain));
  auto address_gathering = core::gather(address_lookups, settings.timeout);
  const auto addresses = co_await std::move(address_gathering);
  bool any_failure = false;
  bool all_nxdomain = true;
  for (const auto& r : addresses) {
    if (r && r->status == net::DnsStatus::ok && !r->addresses.empty()) co_return out;
    if (!r || failed(r->status)) any_failure = true;
    if (!r || r->status != net::DnsStatus::nxdomain) all_nxdomain = false;
  }
  if (any_failure) {
    dns_failure(out, settings, "A/AAAA " + domain + ": no answer" + ms + " or a DNS failure");
  } else if (all_nxdomain) {
    add(out, "SENDER_NXDOMAIN", settings.nxdomain,
        "550 5.1.8 Sender address rejected: the domain " + domain + " does not exist", domain + " does not exist");
  } else {
    add(out, "SENDER_NO_ADDRESS", settings.no_address,
        "550 5.1.8 Sender address rejected: the domain " + domain + " has no MX or address record",
        domain + " has no MX, A or AAAA record");
  }
  co_return out;
}

}  // namespace portcullis::checks::reputation
