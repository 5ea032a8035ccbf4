#include "store/sqlite/sqlite_store.hpp"

#include "store/keys.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/errors.hpp"

namespace portcullis::store::sqlite {
namespace {

constexpr int busy_timeout_ms = 5000;

RecipientMode parse_mode(const std::string& text) {
  if (text == "all") return RecipientMode::all;
  if (text == "specified") return RecipientMode::specified;
  throw StoreError("corrupt domains table: recipient_mode '" + text + "'");
}

}  // namespace

SqliteStore::SqliteStore(const std::string& path) : path_(path) {
  try {
    db_ = std::make_unique<Connection>(path);
    db_->set_busy_timeout(busy_timeout_ms);
    db_->exec("PRAGMA foreign_keys = ON");
    db_->exec("PRAGMA journal_mode = WAL");  // a no-op ("memory") for :memory:
    db_->exec("PRAGMA synchronous = NORMAL");
  } catch (const SqliteError& e) {
    throw StoreError("cannot open sqlite store " + path + ": " + e.what());
  }
}

SqliteStore::~SqliteStore() = default;

// ---- schema ----

int SqliteStore::schema_version() {
  if (!db_->table_exists("schema_version")) return 0;
  Statement st(*db_, "SELECT COALESCE(MAX(version), 0) FROM schema_version");
  st.step();
  return static_cast<int>(st.integer(0));
}

int SqliteStore::latest_schema_version() { return latest_version(); }

void SqliteStore::migrate() {
  const int latest = latest_version();
  // The common case (every CLI command, every daemon start) takes no write lock.
  const int found = schema_version();
  if (found > latest) throw StoreError(newer_schema_message(found, latest));
  if (found == latest) return;
  for (const Migration& m : migrations()) {
    Transaction tx(*db_);  // immediate: another process migrating at once waits, then skips
    const int current = schema_version();
    if (current > latest) throw StoreError(newer_schema_message(current, latest));
    if (current >= m.version) continue;
    try {
      db_->exec(m.sql(Dialect::sqlite));
      Statement st(*db_,
                   "INSERT INTO schema_version (version, description, applied_at) "
                   "VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))");
      st.bind_all(m.version, m.description).run();
    } catch (const SqliteError& e) {
      throw StoreError("migration " + std::to_string(m.version) + " failed: " + e.what());
    }
    tx.commit();
  }
}

int64_t SqliteStore::policy_serial() {
  Statement st(*db_, "SELECT serial FROM policy_serial WHERE id = 1");
  if (!st.step()) throw StoreError("policy_serial row is missing");
  return st.integer(0);
}

// ---- domains ----

void SqliteStore::add_domain(const Domain& d) {
  const std::string name = lower_ascii(d.name);
  require(!name.empty(), "domain name must not be empty");
  write("domain " + name, "domain " + name + " exists already", [&] {
    Statement st(*db_,
                 "INSERT INTO domains (name, destination_host, destination_port, recipient_mode) "
                 "VALUES (?1, ?2, ?3, ?4)");
    st.bind_all(name, d.destination_host, static_cast<int>(d.destination_port), mode_text(d.recipients)).run();
  });
}

void SqliteStore::update_domain(const Domain& d) {
  const std::string name = lower_ascii(d.name);
  write("domain " + name, "domain " + name + " exists already", [&] {
    Statement st(*db_,
                 "UPDATE domains SET destination_host = ?2, destination_port = ?3, recipient_mode = ?4 "
                 "WHERE name = ?1");
    st.bind_all(name, d.destination_host, static_cast<int>(d.destination_port), mode_text(d.recipients)).run();
  });
  require(db_->changes() > 0, "domain " + name + " does not exist");
}

bool SqliteStore::remove_domain(const std::string& name) {
  return remove_by_key("DELETE FROM domains WHERE name = ?1", lower_ascii(name));
}

std::optional<Domain> SqliteStore::find_domain(const std::string& name) {
  Statement st(*db_,
               "SELECT name, destination_host, destination_port, recipient_mode FROM domains WHERE name = ?1");
  st.bind(1, lower_ascii(name));
  if (!st.step()) return std::nullopt;
  return Domain{st.text(0), st.text(1), static_cast<uint16_t>(st.integer(2)), parse_mode(st.text(3))};
}

std::vector<Domain> SqliteStore::list_domains() {
  Statement st(*db_,
               "SELECT name, destination_host, destination_port, recipient_mode FROM domains ORDER BY name");
  std::vector<Domain> out;
  while (st.step())
    out.push_back(Domain{st.text(0), st.text(1), static_cast<uint16_t>(st.integer(2)), parse_mode(st.text(3))});
  return out;
}

// ---- recipients ----

void SqliteStore::add_recipient(const Recipient& r) {
  const std::string address = address_key(r.address);
  require(!address.empty(), "recipient address must not be empty");
  write("recipient " + address, "recipient " + address + " exists already", [&] {
    Statement st(*db_, "INSERT INTO recipients (address) VALUES (?1)");
    st.bind(1, address).run();
  });
}

bool SqliteStore::remove_recipient(const std::string& address) {
  return remove_by_key("DELETE FROM recipients WHERE address = ?1", address_key(address));
}

std::vector<Recipient> SqliteStore::list_recipients() {
  Statement st(*db_, "SELECT address FROM recipients ORDER BY address");
  std::vector<Recipient> out;
  while (st.step()) out.push_back(Recipient{st.text(0)});
  return out;
}

// ---- aliases ----

void SqliteStore::add_alias(const Alias& a) {
  const std::string address = address_key(a.address);
  require(!address.empty(), "alias address must not be empty");
  require(!a.targets.empty(), "alias " + address + " needs at least one target");
  for (const auto& target : a.targets) require(!target.empty(), "alias " + address + ": empty target");
  write("alias " + address, "alias " + address + ": duplicate key", [&] {
    Transaction tx(*db_);
    Statement(*db_, "INSERT OR IGNORE INTO aliases (address) VALUES (?1)").bind(1, address).run();
    Statement(*db_, "DELETE FROM alias_targets WHERE alias = ?1").bind(1, address).run();
    Statement insert(*db_, "INSERT INTO alias_targets (alias, position, target) VALUES (?1, ?2, ?3)");
    int position = 0;
    for (const auto& target : a.targets) {
      insert.bind_all(address, position++, target_form(target)).run();
      insert.reset();
    }
    tx.commit();
  });
}

bool SqliteStore::remove_alias(const std::string& address) {
  // alias_targets rows go with it (ON DELETE CASCADE).
  return remove_by_key("DELETE FROM aliases WHERE address = ?1", address_key(address));
}

std::vector<Alias> SqliteStore::list_aliases() {
  Statement st(*db_,
               "SELECT a.address, t.target FROM aliases a JOIN alias_targets t ON t.alias = a.address "
               "ORDER BY a.address, t.position");
  std::vector<Alias> out;
  while (st.step()) {
    std::string address = st.text(0);
    if (out.empty() || out.back().address != address) out.push_back(Alias{std::move(address), {}});
    out.back().targets.push_back(st.text(1));
  }
  return out;
}

// ---- relay networks ----

void SqliteStore::add_relaynet(const RelayNet& n) {
  const std::string cidr = lower_ascii(n.cidr);
  require(!cidr.empty(), "relay network must not be empty");
  write("relay network " + cidr, "relay network " + cidr + " exists already", [&] {
    Statement st(*db_, "INSERT INTO relaynets (cidr, note) VALUES (?1, ?2)");
    st.bind_all(cidr, n.note).run();
  });
}

bool SqliteStore::remove_relaynet(const std::string& cidr) {
  return remove_by_key("DELETE FROM relaynets WHERE cidr = ?1", lower_ascii(cidr));
}

std::vector<RelayNet> SqliteStore::list_relaynets() {
  Statement st(*db_, "SELECT cidr, note FROM relaynets ORDER BY cidr");
  std::vector<RelayNet> out;
  while (st.step()) out.push_back(RelayNet{st.text(0), st.text(1)});
  return out;
}

// ---- outbound TLS policies ----

void SqliteStore::set_tls_policy(const TlsPolicy& p) {
  const std::string domain = lower_ascii(p.domain);
  require(!domain.empty(), "TLS policy domain must not be empty");
  require(p.mode == "none" || p.mode == "may" || p.mode == "encrypt" || p.mode == "verify",
          "TLS policy mode must be none, may, encrypt or verify (not '" + p.mode + "')");
  write("TLS policy for " + domain, "TLS policy for " + domain + " exists already", [&] {
    Statement st(*db_,
                 "INSERT INTO tls_policies (domain, mode, match_names, note) VALUES (?1, ?2, ?3, ?4) "
                 "ON CONFLICT (domain) DO UPDATE SET mode = excluded.mode, match_names = excluded.match_names, "
                 "note = excluded.note");
    st.bind_all(domain, p.mode, p.match_names, p.note).run();
  });
}

bool SqliteStore::remove_tls_policy(const std::string& domain) {
  return remove_by_key("DELETE FROM tls_policies WHERE domain = ?1", lower_ascii(domain));
}

std::vector<TlsPolicy> SqliteStore::list_tls_policies() {
  Statement st(*db_, "SELECT domain, mode, match_names, note FROM tls_policies ORDER BY domain");
  std::vector<TlsPolicy> out;
  while (st.step()) out.push_back(TlsPolicy{st.text(0), st.text(1), st.text(2), st.text(3)});
  return out;
}

// ---- settings ----

std::optional<std::string> SqliteStore::get_setting(const std::string& key) {
  Statement st(*db_, "SELECT value FROM settings WHERE key = ?1");
  st.bind(1, key);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void SqliteStore::set_setting(const std::string& key, const std::string& value) {
  require(!key.empty(), "setting name must not be empty");
  write("setting " + key, "setting " + key + " exists already", [&] {
    Statement st(*db_,
                 "INSERT INTO settings (key, value) VALUES (?1, ?2) "
                 "ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    st.bind_all(key, value).run();
  });
}

bool SqliteStore::remove_setting(const std::string& key) {
  return remove_by_key("DELETE FROM settings WHERE key = ?1", key);
}

std::vector<std::pair<std::string, std::string>> SqliteStore::list_settings() {
  Statement st(*db_, "SELECT key, value FROM settings ORDER BY key");
  std::vector<std::pair<std::string, std::string>> out;
  while (st.step()) out.emplace_back(st.text(0), st.text(1));
  return out;
}

bool SqliteStore::remove_by_key(const char* sql, const std::string& key) {
  Statement st(*db_, sql);
  st.bind(1, key).run();
  return db_->changes() > 0;
}

}  // namespace portcullis::store::sqlite
