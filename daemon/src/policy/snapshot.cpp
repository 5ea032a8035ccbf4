#include "policy/snapshot.hpp"

#include <algorithm>

#include "core/log.hpp"
#include "policy/names.hpp"
#include "store/schema.hpp"

namespace portcullis::policy {

std::shared_ptr<const Snapshot> Snapshot::load(store::Store& store) {
  auto snap = std::make_shared<Snapshot>();
  snap->serial = store.policy_serial();

  for (auto& d : store.list_domains()) {
    d.name = lower_ascii(d.name);
    auto name = d.name;
    snap->domains.insert_or_assign(std::move(name), std::move(d));
  }
  for (const auto& r : store.list_recipients()) snap->recipients.insert(lower_ascii(r.address));
  for (auto& a : store.list_aliases()) {
    // Two spellings of one key (only possible if a backend kept case) merge their targets.
    auto& targets = snap->aliases[lower_ascii(a.address)];
    for (auto& t : a.targets)
      if (std::find(targets.begin(), targets.end(), t) == targets.end()) targets.push_back(std::move(t));
  }
  for (const auto& n : store.list_relaynets()) {
    if (auto cidr = Cidr::parse(n.cidr)) {
      snap->relaynets.push_back(*cidr);
    } else {
      log::warn("relaynet_invalid", {{"cidr", n.cidr}, {"note", n.note}, {"action", "skipped"}});
    }
  }
  for (auto& [key, value] : store.list_settings()) snap->settings.insert_or_assign(key, value);
  for (auto& p : store.list_tls_policies()) {
    auto key = lower_ascii(p.domain);
    snap->tls_policies.insert_or_assign(std::move(key), std::move(p));
  }
  // Keys exist from schema 6 on; a build that knows less (the boot test's "previous release",
  // PORTCULLIS_SCHEMA_LIMIT) has no such table.
  const auto keys =
      store.latest_schema_version() >= store::kSchemaDkim ? store.list_dkim_keys() : std::vector<store::DkimKey>{};
  for (auto k : keys) {
    if (!k.active) continue;
    std::string domain = lower_ascii(k.domain);
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    snap->dkim_keys[std::move(domain)].push_back(std::move(k));
  }
  snap->ip_ranges = store.list_ip_ranges();
  if (store.latest_schema_version() >= store::kSchemaSpam) {
    snap->dnsbl_zones = store.list_dnsbl_zones();
    snap->spam_policies = store.list_spam_policies();
    snap->spam_policy_targets = store.list_spam_policy_targets();
  }
  return snap;
}

const store::Domain* Snapshot::find_domain(std::string_view name) const {
  const auto it = domains.find(lower_ascii(name));
  return it == domains.end() ? nullptr : &it->second;
}

const store::TlsPolicy* Snapshot::tls_policy_for(std::string_view domain) const {
  std::string d = lower_ascii(domain);
  if (!d.empty() && d.back() == '.') d.pop_back();
  if (const auto it = tls_policies.find(d); it != tls_policies.end()) return &it->second;
  for (std::size_t dot = d.find('.'); dot != std::string::npos; dot = d.find('.', dot + 1))
    if (const auto it = tls_policies.find(std::string_view(d).substr(dot)); it != tls_policies.end()) return &it->second;
  if (const auto it = tls_policies.find("*"); it != tls_policies.end()) return &it->second;
  return nullptr;
}

std::vector<const store::DkimKey*> Snapshot::signing_keys_for(std::string_view domain) const {
  std::string d = lower_ascii(domain);
  if (!d.empty() && d.back() == '.') d.pop_back();
  std::vector<const store::DkimKey*> out;
  if (d.starts_with('.') || d.find("..") != std::string::npos) return out;  // not a domain name
  std::string_view name = d;
  while (!name.empty()) {
    if (const auto it = dkim_keys.find(name); it != dkim_keys.end()) {
      for (const auto& k : it->second)
        if (k.active) out.push_back(&k);
      if (!out.empty()) return out;
    }
    const auto dot = name.find('.');
    if (dot == std::string_view::npos) break;
    name.remove_prefix(dot + 1);
  }
  return out;
}

bool Snapshot::in_relaynets(const boost::asio::ip::address& client) const {
  return std::any_of(relaynets.begin(), relaynets.end(), [&](const Cidr& c) { return c.contains(client); });
}

const std::vector<std::string>* Snapshot::find_alias(std::string_view key) const {
  const auto it = aliases.find(key);
  return it == aliases.end() ? nullptr : &it->second;
}

std::optional<std::string> Snapshot::setting(std::string_view key) const {
  const auto it = settings.find(key);
  if (it == settings.end()) return std::nullopt;
  return it->second;
}

}  // namespace portcullis::policy
