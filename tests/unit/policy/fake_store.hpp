// A tiny in-memory store::Store for the policy tests (the real backends have their own suite).
#pragma once
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "store/store.hpp"

namespace portcullis::policy::testing {

class FakeStore : public store::Store {
 public:
  int schema_version() override { return 1; }
  int latest_schema_version() override { return 1; }
  void migrate() override {}
  int64_t policy_serial() override { return serial_; }

  void add_domain(const store::Domain& d) override {
    if (domains_.contains(d.name)) throw store::StoreError("domain exists: " + d.name);
    domains_[d.name] = d;
    ++serial_;
  }
  void update_domain(const store::Domain& d) override {
    if (!domains_.contains(d.name)) throw store::StoreError("no such domain: " + d.name);
    domains_[d.name] = d;
    ++serial_;
  }
  bool remove_domain(const std::string& name) override { return erase(domains_, name); }
  std::optional<store::Domain> find_domain(const std::string& name) override {
    const auto it = domains_.find(name);
    if (it == domains_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<store::Domain> list_domains() override { return values(domains_); }

  void add_recipient(const store::Recipient& r) override {
    recipients_[r.address] = r;
    ++serial_;
  }
  bool remove_recipient(const std::string& address) override { return erase(recipients_, address); }
  std::vector<store::Recipient> list_recipients() override { return values(recipients_); }

  void add_alias(const store::Alias& a) override {
    aliases_[a.address] = a;
    ++serial_;
  }
  bool remove_alias(const std::string& address) override { return erase(aliases_, address); }
  std::vector<store::Alias> list_aliases() override { return values(aliases_); }

  void add_relaynet(const store::RelayNet& n) override {
    relaynets_[n.cidr] = n;
    ++serial_;
  }
  bool remove_relaynet(const std::string& cidr) override { return erase(relaynets_, cidr); }
  std::vector<store::RelayNet> list_relaynets() override { return values(relaynets_); }

  std::optional<std::string> get_setting(const std::string& key) override {
    const auto it = settings_.find(key);
    if (it == settings_.end()) return std::nullopt;
    return it->second;
  }
  void set_setting(const std::string& key, const std::string& value) override {
    settings_[key] = value;
    ++serial_;
  }
  bool remove_setting(const std::string& key) override { return erase(settings_, key); }
  std::vector<std::pair<std::string, std::string>> list_settings() override {
    return {settings_.begin(), settings_.end()};
  }

 private:
  template <typename Map>
  bool erase(Map& map, const std::string& key) {
    if (map.erase(key) == 0) return false;
    ++serial_;
    return true;
  }
  template <typename Map>
  static std::vector<typename Map::mapped_type> values(const Map& map) {
    std::vector<typename Map::mapped_type> out;
    for (const auto& [key, value] : map) out.push_back(value);
    return out;
  }

  int64_t serial_ = 0;
  std::map<std::string, store::Domain> domains_;
  std::map<std::string, store::Recipient> recipients_;
  std::map<std::string, store::Alias> aliases_;
  std::map<std::string, store::RelayNet> relaynets_;
  std::map<std::string, std::string> settings_;
};

}  // namespace portcullis::policy::testing
