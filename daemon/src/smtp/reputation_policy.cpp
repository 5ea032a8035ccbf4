#include "smtp/reputation_policy.hpp"

#include <cstdlib>

#include "core/log.hpp"
#include "policy/names.hpp"

namespace portcullis::smtp {
namespace dnsbl = checks::dnsbl;
namespace rep = checks::reputation;

namespace {

// A numeric setting (validated when it was set: policy/postmaster.cpp); `fallback` when absent.
long long number(const policy::Snapshot& snap, std::string_view key, long long fallback) {
  const auto v = snap.setting(key);
  if (!v || v->empty()) return fallback;
  char* end = nullptr;
  const long long n = std::strtoll(v->c_str(), &end, 10);
  return end != nullptr && *end == '\0' && n >= 0 ? n : fallback;
}

CheckMode mode(const policy::Snapshot& snap, std::string_view key) {
  const auto v = snap.setting(key).value_or("off");
  if (v == "reject") return CheckMode::reject;
  if (v == "score") return CheckMode::score;
  return CheckMode::off;
}

void zones(const policy::Snapshot& snap, ReputationPolicy& out) {
  for (const auto& z : snap.dnsbl_zones) {
    dnsbl::Zone zone{z.zone, z.expect, z.action == "block" ? dnsbl::Action::block : dnsbl::Action::score, z.score,
                     z.stage == "rcpt" ? dnsbl::Stage::rcpt : dnsbl::Stage::connect, z.note};
    if (const std::string error = dnsbl::check_zone(zone); !error.empty()) {
      log::warn("dnsbl_zone_invalid", {{"zone", z.zone}, {"error", error}, {"action", "skipped"}});
      continue;
    }
    (zone.stage == dnsbl::Stage::rcpt ? out.rcpt_zones : out.connect_zones).push_back(std::move(zone));
  }
}

void greylisting(const policy::Snapshot& snap, checks::greylist::Settings& s) {
  s.bypass_spf_pass = snap.setting("greylist-bypass-spf").value_or("on") != "off";
  s.delay = std::chrono::seconds(number(snap, "greylist-delay", s.delay.count()));
  if (const auto v = snap.setting("greylist-allow")) {
    for (const auto& item : policy::split_names(*v)) {
      if (item.find('@') != std::string::npos) {
        s.bypass_senders.push_back(item);
      } else if (auto cidr = policy::Cidr::parse(item)) {
        s.bypass_networks.push_back(*cidr);
      }
    }
  }
}

// HELO: `score` scores every finding; `reject` also refuses what no honest server sends (bad
// syntax, a bare IP, localhost, our own name or address, a literal that is not the client's).
// A single label and a missing forward-confirmed name only ever score: too many honest
// servers have them.
void helo(const policy::Snapshot& snap, const std::string& hostname,
          const std::vector<boost::asio::ip::address>& our_addresses, ReputationPolicy& out) {
  out.helo = mode(snap, "helo-check");
  auto& h = out.helo_settings;
  const bool refuse = out.helo == CheckMode::reject;
  for (rep::Rule* r : {&h.syntax, &h.bare_ip, &h.localhost, &h.is_us, &h.literal_mismatch}) r->reject = refuse;
  h.not_fqdn.reject = false;
  h.no_fcrdns.reject = false;
  h.check_dns = snap.setting("helo-check-dns").value_or("off") == "on";
  h.our_names = {hostname};
  h.our_addresses = our_addresses;
}

// Sender domain: `reject` refuses a domain that cannot receive replies (5xx) and answers 451
// when DNS cannot tell; `score` only scores.
void sender_domain(const policy::Snapshot& snap, ReputationPolicy& out) {
  out.sender_domain = mode(snap, "sender-domain-check");
  auto& s = out.sender_settings;
  const bool refuse = out.sender_domain == CheckMode::reject;
  for (rep::Rule* r : {&s.null_mx, &s.nxdomain, &s.no_address}) r->reject = refuse;
  s.not_fqdn.reject = false;
  s.tempfail = refuse;
}

}  // namespace

bool ReputationPolicy::is_exempt(const boost::asio::ip::address& client) const {
  for (const auto& c : exempt)
    if (c.contains(client)) return true;
  return false;
}

std::shared_ptr<const ReputationPolicy> compile_reputation(std::shared_ptr<const policy::Snapshot> snap,
                                                           const std::string& hostname,
                                                           const std::vector<boost::asio::ip::address>& our_addresses) {
  auto out = std::make_shared<ReputationPolicy>();
  if (!snap) return out;
  const policy::Snapshot& s = *snap;
  out->ranges = rep::IpRanges(s.ip_ranges);
  for (const auto& name : out->ranges.skipped())
    log::warn("ip_range_invalid", {{"range", name}, {"action", "skipped"}});
  zones(s, *out);
  greylisting(s, out->greylist);

  const std::string exempt = s.setting("reputation-exempt").value_or(kDefaultExempt);
  if (exempt != "none")
    for (const auto& item : policy::split_names(exempt))
      if (auto cidr = policy::Cidr::parse(item)) out->exempt.push_back(*cidr);

  out->auto_ban.max_failures = static_cast<unsigned>(number(s, "auto-ban-failures", out->auto_ban.max_failures));
  out->auto_ban.window = std::chrono::seconds(number(s, "auto-ban-window", out->auto_ban.window.count()));
  out->auto_ban.ban_for = std::chrono::seconds(number(s, "auto-ban-duration", out->auto_ban.ban_for.count()));

  out->rates.connections_per_minute = static_cast<unsigned>(number(s, "rate-limit-connections", 0));
  out->rates.messages_per_minute = static_cast<unsigned>(number(s, "rate-limit-messages", 0));
  out->rates.recipients_per_minute = static_cast<unsigned>(number(s, "rate-limit-recipients", 0));
  out->rates.hostname = hostname;

  helo(s, hostname, our_addresses, *out);
  sender_domain(s, *out);
  out->snapshot = std::move(snap);
  return out;
}

}  // namespace portcullis::smtp
