// checks/greylist/greylist.hpp: triplets, bypasses and the greylisting decision.
#include "checks/greylist/greylist.hpp"
#include "core/ip.hpp"

#include <algorithm>

#include "policy/names.hpp"

namespace portcullis::checks::greylist {

namespace ip = boost::asio::ip;

namespace {

// "user@example.com" listed as itself, "@example.com" for the whole domain; `address` and
// the entries compared ASCII case-insensitively.
std::string listed(const std::string& address, const std::vector<std::string>& entries) {
  if (address.empty()) return {};
  const std::string a = policy::lower_ascii(address);
  const auto at = a.rfind('@');
  const std::string domain = at == std::string::npos ? std::string() : a.substr(at);  // "@example.com"
  for (const auto& e : entries) {
    const std::string entry = policy::lower_ascii(e);
    if (entry.empty()) continue;
    if (entry == a || (entry.front() == '@' && entry == domain)) return e;
  }
  return {};
}

store::GreylistEntry fresh(const Triplet& key, std::int64_t now) {
  store::GreylistEntry e;
  e.client_net = key.client_net;
  e.sender = key.sender;
  e.recipient = key.recipient;
  e.first_seen = now;
  e.last_seen = now;
  e.passed = 0;
  return e;
}

Decision defer_new(const Triplet& key, std::int64_t now, const Settings& s, std::string reason) {
  Decision d;
  d.action = Action::defer;
  d.write = fresh(key, now);
  d.retry_in = std::max<std::int64_t>(s.delay.count(), 1);
  d.reply = defer_reply(d.retry_in);
  d.reason = std::move(reason);
  return d;
}

}  // namespace

Triplet triplet(const ip::address& client, std::string_view sender, std::string_view recipient) {
  ip::address a = core::unmapped(client);
  if (a.is_v6()) a = ip::make_address_v6(a.to_v6().to_bytes());  // no scope id
  const auto net = policy::Cidr::parse(a.to_string() + (a.is_v4() ? "/24" : "/64"));
  Triplet t;
  t.client_net = net ? net->text() : a.to_string();
  t.sender = policy::lower_ascii(sender);
  t.recipient = policy::lower_ascii(recipient);
  return t;
}

std::string bypass_reason(const Request& request, const Settings& settings) {
  if (settings.bypass_spf_pass && request.spf_pass) return "SPF pass";
  if (auto e = listed(request.sender, settings.bypass_senders); !e.empty()) return "sender listed (" + e + ")";
  if (auto e = listed(request.recipient, settings.bypass_recipients); !e.empty()) return "recipient listed (" + e + ")";
  for (const auto& net : settings.bypass_networks)
    if (net.contains(request.client)) return "client network listed (" + net.text() + ")";
  return {};
}

Decision decide(const Triplet& key, const std::optional<store::GreylistEntry>& entry, std::int64_t now,
                const Settings& settings) {
  if (!entry) return defer_new(key, now, settings, "first attempt of this triplet");
  if (entry->passed > 0) {
    if (now - entry->last_seen > settings.passed_lifetime.count())
      return defer_new(key, now, settings, "auto-whitelisted triplet unused too long, starting over");
    Decision d;
    d.write = *entry;
    d.write->last_seen = now;
    d.write->passed = entry->passed + 1;
    d.reason = "auto-whitelisted triplet (passed " + std::to_string(entry->passed) + " times before)";
    return d;
  }
  // Another gateway's clock may be a little ahead: a first_seen in the future counts as now.
  const std::int64_t waited = std::max<std::int64_t>(now - entry->first_seen, 0);
  if (waited > settings.retry_window.count())
    return defer_new(key, now, settings,
                     "retry after the retry window (" + std::to_string(waited) + " s), starting over");
  if (waited < settings.delay.count()) {
    Decision d;
    d.action = Action::defer;
    d.retry_in = settings.delay.count() - waited;
    d.reply = defer_reply(d.retry_in);
    d.reason = "retry too early (" + std::to_string(waited) + " s after the first attempt)";
    return d;
  }
  Decision d;
  d.write = *entry;
  d.write->last_seen = now;
  d.write->passed = 1;
  d.reason = "retried after " + std::to_string(waited) + " s";
  return d;
}

std::string defer_reply(std::int64_t retry_in) {
  return "451 4.7.1 Greylisted: mail from a new sender is delayed here, please try again in " +
         std::to_string(retry_in) + (retry_in == 1 ? " second" : " seconds");
}

ExpiryBounds expiry_bounds(std::int64_t now, const Settings& settings) {
  ExpiryBounds b;
  b.unused_before = now - settings.retry_window.count();
  b.used_before = now - settings.passed_lifetime.count();
  return b;
}

}  // namespace portcullis::checks::greylist
