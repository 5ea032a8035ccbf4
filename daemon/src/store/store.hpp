// Store: the one narrow interface to policy and state (see design.md "Storage").
// Backends: SQLite (embedded default, this room's sqlite/), MariaDB (later issue).
// Every method may throw StoreError; callers on the event loop must not call it directly
// (run it on a worker pool) — the daemon reads policy through policy::Snapshot instead.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace portcullis::store {

struct StoreError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

enum class RecipientMode { all, specified };

struct Domain {
  std::string name;              // lower-case ASCII (A-label), no trailing dot
  std::string destination_host;  // next hop for mail to this domain (host name or IP literal)
  uint16_t destination_port = 25;
  RecipientMode recipients = RecipientMode::all;
};

struct Recipient {
  std::string address;  // local@domain, domain lower-cased
};

struct Alias {
  std::string address;               // local@domain (or the domain's catch-all "@domain")
  std::vector<std::string> targets;  // one or more addresses
};

struct RelayNet {
  std::string cidr;  // normalised, e.g. "192.0.2.0/24", "2001:db8::/32"
  std::string note;
};

class Store {
 public:
  virtual ~Store() = default;

  // Schema
  virtual int schema_version() = 0;         // version recorded in the database (0 = empty)
  virtual int latest_schema_version() = 0;  // version this build knows
  virtual void migrate() = 0;               // bring an older database up to date

  // Monotonic counter bumped by every policy change (domains, recipients, aliases,
  // relay networks, settings) by any process; the daemon polls it to reload policy.
  virtual int64_t policy_serial() = 0;

  // Domains. add_* throws StoreError if it exists already; remove_* returns false if absent.
  virtual void add_domain(const Domain& d) = 0;
  virtual void update_domain(const Domain& d) = 0;  // throws if absent
  virtual bool remove_domain(const std::string& name) = 0;
  virtual std::optional<Domain> find_domain(const std::string& name) = 0;
  virtual std::vector<Domain> list_domains() = 0;

  // Internal recipients (for domains in SPECIFIED mode).
  virtual void add_recipient(const Recipient& r) = 0;
  virtual bool remove_recipient(const std::string& address) = 0;
  virtual std::vector<Recipient> list_recipients() = 0;

  // Virtual recipients / aliases. add_alias replaces the targets of an existing alias.
  virtual void add_alias(const Alias& a) = 0;
  virtual bool remove_alias(const std::string& address) = 0;
  virtual std::vector<Alias> list_aliases() = 0;

  // Relay networks (clients allowed to relay to any domain).
  virtual void add_relaynet(const RelayNet& n) = 0;
  virtual bool remove_relaynet(const std::string& cidr) = 0;
  virtual std::vector<RelayNet> list_relaynets() = 0;

  // Settings: free-form key/value (postmaster, admin-email, hostname, ...).
  virtual std::optional<std::string> get_setting(const std::string& key) = 0;
  virtual void set_setting(const std::string& key, const std::string& value) = 0;
  virtual bool remove_setting(const std::string& key) = 0;
  virtual std::vector<std::pair<std::string, std::string>> list_settings() = 0;
};

// Opens a store from its URI: "sqlite:PATH" (creates the file). Throws StoreError for an
// unknown scheme or a database that cannot be opened. Does not migrate.
std::unique_ptr<Store> open_store(const std::string& uri);

}  // namespace portcullis::store
