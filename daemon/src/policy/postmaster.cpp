#include "policy/postmaster.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include "policy/cidr.hpp"
#include "policy/names.hpp"

namespace portcullis::policy {

std::optional<std::string> validate_address(const std::string& address) {
  const auto at = address.find('@');
  if (at == std::string::npos) return "'" + address + "' is not an address (local@domain)";
  const std::string local = address.substr(0, at);
  const std::string domain = address.substr(at + 1);
  if (local.empty() || local.size() > 64 || !is_dot_atom(local, false))
    return "'" + address + "': invalid local part";
  if (local.find_first_of("%!") != std::string::npos)
    return "'" + address + "': '%' and '!' are not allowed in the local part";
  if (!is_valid_domain(domain)) return "'" + address + "': invalid domain";
  return std::nullopt;
}

namespace {

// A whole number from `min` to `max`, written in decimal digits only.
std::optional<std::string> number_setting(const std::string& key, const std::string& value, long min, long max,
                                          const char* what) {
  const bool digits = !value.empty() && value.size() <= 9 &&
                      std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stol(value) < min || std::stol(value) > max)
    return key + ": expected " + what + ", " + std::to_string(min) + "-" + std::to_string(max);
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate_setting(const std::string& key, const std::string& value) {
  if (key == "postmaster" || key == "admin-email" || key == "bounce-sender") {
    if (auto error = validate_address(value)) return key + ": " + *error;
    return std::nullopt;
  }
  if (key == "tls-certificate") {  // a name in tls.cert_dir (tls/cert_store.hpp); the CLI checks it loads
    const bool ok = !value.empty() && value.size() <= 64 && std::isalnum(static_cast<unsigned char>(value[0])) &&
                    std::all_of(value.begin(), value.end(), [](char c) {
                      return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                    });
    if (!ok) return "tls-certificate: '" + value + "' is not a certificate name";
    return std::nullopt;
  }
  if (key == "telemetry") {  // set by the first-boot wizard; Portcullis sends nothing while "off"
    if (value != "on" && value != "off") return "telemetry: expected on or off";
    return std::nullopt;
  }
  // Sender authentication (docs/authentication.md): each check on or off; whether DMARC
  // p=reject / p=quarantine are honoured or only reported; the id in Authentication-Results.
  if (key == "spf" || key == "dkim" || key == "dmarc" || key == "dmarc-enforce" || key == "dkim-sign" || key == "arc") {
    if (value != "on" && value != "off") return key + ": expected on or off";
    return std::nullopt;
  }
  if (key == "authserv-id") {
    if (!is_valid_domain(value)) return "authserv-id: '" + value + "' is not a host name";
    return std::nullopt;
  }
  if (key == "arc-seal-domain") {  // whose DKIM keys (portcullis dkim) seal relayed mail (RFC 8617)
    if (!is_valid_domain(value)) return "arc-seal-domain: '" + value + "' is not a domain name";
    return std::nullopt;
  }
  if (key == "arc-trusted-sealers") {  // forwarders whose passing ARC chain overrides DMARC
    const auto names = split_names(value);
    for (const auto& d : names)
      if (!is_valid_domain(d)) return "arc-trusted-sealers: '" + d + "' is not a domain name";
    if (names.empty() || names.size() > 100)
      return "arc-trusted-sealers: expected 1-100 domain names, separated by commas";
    return std::nullopt;
  }
  // The quarantine (docs/spam.md): how many days a held message is kept; the digest's default
  // frequency (each recipient may have their own: portcullis quarantine-digest).
  if (key == "quarantine-retention") return number_setting(key, value, 1, 3650, "a number of days");
  // Greylisting (docs/spam.md; on or off per recipient by the spam policies).
  if (key == "greylist-delay") return number_setting(key, value, 1, 86400, "a number of seconds");
  if (key == "greylist-bypass-spf" || key == "helo-check-dns") {
    if (value != "on" && value != "off") return key + ": expected on or off";
    return std::nullopt;
  }
  if (key == "greylist-allow") {  // senders (address, @domain) and client networks (CIDR) never greylisted
    const auto items = split_names(value);
    if (items.empty() || items.size() > 1000) return "greylist-allow: expected 1-1000 addresses, @domains or networks";
    for (const auto& item : items) {
      const auto at = item.find('@');
      const bool ok = at == 0 ? is_valid_domain(item.substr(1))
                      : at != std::string::npos ? !validate_address(item).has_value()
                                                : Cidr::parse(item).has_value();
      if (!ok) return "greylist-allow: '" + item + "' is not an address, @domain or network";
    }
    return std::nullopt;
  }
  // Connection reputation (docs/spam.md): auto-ban, rate limits (per client and minute, 0 =
  // none), who is exempt from both, the HELO and sender-domain checks.
  if (key == "auto-ban-failures") return number_setting(key, value, 0, 1000, "a number of failures (0 = off)");
  if (key == "auto-ban-window") return number_setting(key, value, 1, 86400, "a number of seconds");
  if (key == "auto-ban-duration") return number_setting(key, value, 1, 30 * 86400, "a number of seconds");
  if (key == "rate-limit-connections" || key == "rate-limit-messages" || key == "rate-limit-recipients")
    return number_setting(key, value, 0, 1000000, "a number per minute (0 = no limit)");
  if (key == "reputation-exempt") {
    if (value == "none") return std::nullopt;
    const auto items = split_names(value);
    if (items.empty() || items.size() > 1000) return key + ": expected 1-1000 networks, or none";
    for (const auto& item : items)
      if (!Cidr::parse(item)) return key + ": '" + item + "' is not a network (e.g. 192.0.2.0/24, 2001:db8::/32)";
    return std::nullopt;
  }
  if (key == "helo-check" || key == "sender-domain-check") {
    if (value != "off" && value != "score" && value != "reject") return key + ": expected off, score or reject";
    return std::nullopt;
  }
  if (key == "quarantine-digest") {
    if (value != "off" && value != "daily" && value != "weekly") return "quarantine-digest: expected off, daily or weekly";
    return std::nullopt;
  }
  if (key == "hostname") {
    if (!is_valid_domain(value)) return "hostname: '" + value + "' is not a valid host name";
    return std::nullopt;
  }
  // Settings read by the Lua rules: printable text (lua-rules/, docs/lua-api.md).
  const bool rule_setting = key == "internal-display-names" || key == "encrypt-keyword" ||
                            (key.rfind("rules.", 0) == 0 && key.size() > 6 && key.size() <= 64);
  if (rule_setting) {
    const bool printable = !value.empty() && value.size() <= 1000 &&
                           std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c != 0x7f; });
    if (!printable) return key + ": expected 1-1000 characters of text without control characters";
    return std::nullopt;
  }
  return "unknown setting '" + key +
         "' (known: postmaster, admin-email, hostname, bounce-sender, tls-certificate, telemetry, spf, dkim, dmarc, "
         "dmarc-enforce, dkim-sign, arc, arc-seal-domain, arc-trusted-sealers, authserv-id, quarantine-retention, quarantine-digest, greylist-delay, greylist-bypass-spf, "
         "greylist-allow, auto-ban-failures, auto-ban-window, auto-ban-duration, rate-limit-connections, "
         "rate-limit-messages, rate-limit-recipients, reputation-exempt, helo-check, helo-check-dns, "
         "sender-domain-check, internal-display-names, "
         "encrypt-keyword, rules.NAME)";
}

void apply_postmaster(store::Store& store, const std::string& postmaster_address) {
  const auto admin = store.get_setting("admin-email");
  if (!admin || admin->empty())
    throw std::invalid_argument(
        "admin-email is not set: set it first (postmaster, abuse and root are aliased to it)");
  if (auto error = validate_address(*admin)) throw std::invalid_argument("admin-email: " + *error);
  if (auto error = validate_address(postmaster_address))
    throw std::invalid_argument("postmaster: " + *error);

  const auto parts = split_address(postmaster_address);
  const std::string domain = lower_ascii(parts->domain);
  if (!store.find_domain(domain))
    throw std::invalid_argument("postmaster: '" + postmaster_address + "' is not in one of our domains ('" +
                                domain + "' is not configured)");

  for (const char* local : {"postmaster", "abuse", "root"})
    store.add_alias(store::Alias{std::string(local) + "@" + domain, {*admin}});
  store.set_setting("postmaster", parts->local + "@" + domain);
}

}  // namespace portcullis::policy
