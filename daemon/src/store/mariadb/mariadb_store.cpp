#include "store/mariadb/mariadb_store.hpp"

#include "store/keys.hpp"
#include "store/mariadb/errors.hpp"
#include "store/migrations.hpp"

namespace portcullis::store::mariadb {
namespace {

// Several processes (gateways, the CLI) may migrate one database at once: they take this
// server-wide user lock (per database), waiting up to migrate_lock_seconds. On a Galera
// cluster GET_LOCK is local to one node: migrate through one node.
constexpr int migrate_lock_seconds = 30;
constexpr const char* migrate_lock = "LEFT(CONCAT('portcullis_migrate:', DATABASE()), 64)";
constexpr int64_t delete_batch = 5000;

RecipientMode parse_mode(const std::string& text) {
  if (text == "all") return RecipientMode::all;
  if (text == "specified") return RecipientMode::specified;
  throw StoreError("corrupt domains table: recipient_mode '" + text + "'");
}

Domain read_domain(const Row& row) {
  return Domain{row.text(0), row.text(1), static_cast<uint16_t>(row.integer(2)), parse_mode(row.text(3))};
}

int schema_version_on(Connection& c) {
  const auto tables = c.query(
      "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = "
      "'schema_version'");
  if (tables.at(0).integer(0) == 0) return 0;
  return static_cast<int>(c.query("SELECT COALESCE(MAX(version), 0) FROM schema_version").at(0).integer(0));
}

}  // namespace

MariadbStore::MariadbStore(const Uri& uri, std::string password) {
  Settings settings;
  settings.uri = uri;
  settings.password = std::move(password);
  pool_ = std::make_unique<Pool>(std::move(settings));
  pool_->borrow();  // connect now: report a wrong address or credentials at open time
}

MariadbStore::~MariadbStore() = default;

// ---- schema ----

int MariadbStore::schema_version() {
  return with(Retry::yes, [](Connection& c) { return schema_version_on(c); });
}

int MariadbStore::latest_schema_version() { return latest_version(); }

void MariadbStore::migrate() {
  const int latest = latest_version();
  // The common case (every CLI command, every daemon start) takes no lock.
  const int found = schema_version();
  if (found > latest) throw StoreError(newer_schema_message(found, latest));
  if (found == latest) return;
  // A connection of its own: DDL may run long, and the lock is the session's.
  const auto c = pool_->connect(pool_->settings().long_running());
  const auto locked = c->query(std::string("SELECT GET_LOCK(") + migrate_lock + ", ?)", {migrate_lock_seconds});
  if (locked.at(0).is_null(0) || locked.at(0).integer(0) != 1)
    throw StoreError("cannot migrate: another process has been migrating this database for " +
                     std::to_string(migrate_lock_seconds) + " s (lock portcullis_migrate)");
  struct Unlock {
    Connection& c;
    ~Unlock() {
      try {
        c.run(std::string("DO RELEASE_LOCK(") + migrate_lock + ")");
      } catch (const StoreError&) {
        // a lost session releases its locks
      }
    }
  } unlock{*c};
  for (const Migration& m : migrations()) {
    // Re-read under the lock: another process may have applied steps meanwhile.
    const int current = schema_version_on(*c);
    if (current > latest) throw StoreError(newer_schema_message(current, latest));
    if (current >= m.version) continue;
    try {
      c->script(m.sql(Dialect::mariadb));
      c->execute(
          "INSERT INTO schema_version (version, description, applied_at) "
          "VALUES (?, ?, DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ'))",
          {m.version, m.description});
    } catch (const MariadbError& e) {
      // DDL commits at once in MariaDB: the step may be partly applied. Its statements are
      // written to be re-run (IF NOT EXISTS), so migrating again after fixing the cause works.
      throw StoreError("migration " + std::to_string(m.version) + " failed: " + e.what() +
                       " (MariaDB applies DDL at once: fix the cause and migrate again)");
    }
  }
}

int64_t MariadbStore::policy_serial() {
  return with(Retry::yes, [](Connection& c) {
    const auto rows = c.query("SELECT serial FROM policy_serial WHERE id = 1");
    require(!rows.empty(), "policy_serial row is missing");
    return rows[0].integer(0);
  });
}

// ---- domains ----

void MariadbStore::add_domain(const Domain& d) {
  const std::string name = lower_ascii(d.name);
  require(!name.empty(), "domain name must not be empty");
  with(Retry::no, [&](Connection& c) {
    write("domain " + name, "domain " + name + " exists already", [&] {
      c.execute(
          "INSERT INTO domains (name, destination_host, destination_port, recipient_mode) VALUES (?, ?, ?, ?)",
          {name, d.destination_host, static_cast<int>(d.destination_port), mode_text(d.recipients)});
    });
  });
}

void MariadbStore::update_domain(const Domain& d) {
  const std::string name = lower_ascii(d.name);
  const uint64_t matched = with(Retry::yes, [&](Connection& c) {
    return write("domain " + name, "domain " + name + " exists already", [&] {
      return c.execute(
          "UPDATE domains SET destination_host = ?, destination_port = ?, recipient_mode = ? WHERE name = ?",
          {d.destination_host, static_cast<int>(d.destination_port), mode_text(d.recipients), name});
    });
  });
  require(matched > 0, "domain " + name + " does not exist");
}

bool MariadbStore::remove_domain(const std::string& name) {
  return remove_by_key("DELETE FROM domains WHERE name = ?", lower_ascii(name));
}

std::optional<Domain> MariadbStore::find_domain(const std::string& name) {
  return with(Retry::yes, [&](Connection& c) -> std::optional<Domain> {
    const auto rows = c.query(
        "SELECT name, destination_host, destination_port, recipient_mode FROM domains WHERE name = ?",
        {lower_ascii(name)});
    if (rows.empty()) return std::nullopt;
    return read_domain(rows[0]);
  });
}

std::vector<Domain> MariadbStore::list_domains() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<Domain> out;
    for (const auto& row :
         c.query("SELECT name, destination_host, destination_port, recipient_mode FROM domains ORDER BY name"))
      out.push_back(read_domain(row));
    return out;
  });
}

// ---- recipients ----

void MariadbStore::add_recipient(const Recipient& r) {
  const std::string address = address_key(r.address);
  require(!address.empty(), "recipient address must not be empty");
  with(Retry::no, [&](Connection& c) {
    write("recipient " + address, "recipient " + address + " exists already",
          [&] { c.execute("INSERT INTO recipients (address) VALUES (?)", {address}); });
  });
}

bool MariadbStore::remove_recipient(const std::string& address) {
  return remove_by_key("DELETE FROM recipients WHERE address = ?", address_key(address));
}

std::vector<Recipient> MariadbStore::list_recipients() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<Recipient> out;
    for (const auto& row : c.query("SELECT address FROM recipients ORDER BY address"))
      out.push_back(Recipient{row.text(0)});
    return out;
  });
}

// ---- aliases ----

void MariadbStore::add_alias(const Alias& a) {
  const std::string address = address_key(a.address);
  require(!address.empty(), "alias address must not be empty");
  require(!a.targets.empty(), "alias " + address + " needs at least one target");
  for (const auto& target : a.targets) require(!target.empty(), "alias " + address + ": empty target");
  with(Retry::yes, [&](Connection& c) {
    write("alias " + address, "alias " + address + ": duplicate key", [&] {
      Transaction tx(c);
      c.execute("INSERT INTO aliases (address) VALUES (?) ON DUPLICATE KEY UPDATE address = address", {address});
      c.execute("DELETE FROM alias_targets WHERE alias = ?", {address});
      int position = 0;
      for (const auto& target : a.targets)
        c.execute("INSERT INTO alias_targets (alias, position, target) VALUES (?, ?, ?)",
                  {address, position++, target_form(target)});
      tx.commit();
    });
  });
}

bool MariadbStore::remove_alias(const std::string& address) {
  // alias_targets rows go with it (ON DELETE CASCADE).
  return remove_by_key("DELETE FROM aliases WHERE address = ?", address_key(address));
}

std::vector<Alias> MariadbStore::list_aliases() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<Alias> out;
    for (const auto& row : c.query("SELECT a.address, t.target FROM aliases a JOIN alias_targets t ON t.alias = "
                                   "a.address ORDER BY a.address, t.position")) {
      std::string address = row.text(0);
      if (out.empty() || out.back().address != address) out.push_back(Alias{std::move(address), {}});
      out.back().targets.push_back(row.text(1));
    }
    return out;
  });
}

// ---- relay networks ----

void MariadbStore::add_relaynet(const RelayNet& n) {
  const std::string cidr = lower_ascii(n.cidr);
  require(!cidr.empty(), "relay network must not be empty");
  with(Retry::no, [&](Connection& c) {
    write("relay network " + cidr, "relay network " + cidr + " exists already",
          [&] { c.execute("INSERT INTO relaynets (cidr, note) VALUES (?, ?)", {cidr, n.note}); });
  });
}

bool MariadbStore::remove_relaynet(const std::string& cidr) {
  return remove_by_key("DELETE FROM relaynets WHERE cidr = ?", lower_ascii(cidr));
}

std::vector<RelayNet> MariadbStore::list_relaynets() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<RelayNet> out;
    for (const auto& row : c.query("SELECT cidr, note FROM relaynets ORDER BY cidr"))
      out.push_back(RelayNet{row.text(0), row.text(1)});
    return out;
  });
}

// ---- outbound TLS policies ----

void MariadbStore::set_tls_policy(const TlsPolicy& p) {
  const std::string domain = lower_ascii(p.domain);
  require(!domain.empty(), "TLS policy domain must not be empty");
  require(p.mode == "none" || p.mode == "may" || p.mode == "encrypt" || p.mode == "verify",
          "TLS policy mode must be none, may, encrypt or verify (not '" + p.mode + "')");
  with(Retry::no, [&](Connection& c) {
    write("TLS policy for " + domain, "TLS policy for " + domain + " exists already", [&] {
      c.execute("INSERT INTO tls_policies (domain, mode, match_names, note) VALUES (?, ?, ?, ?) "
                "ON DUPLICATE KEY UPDATE mode = VALUES(mode), match_names = VALUES(match_names), note = VALUES(note)",
                {domain, p.mode, p.match_names, p.note});
    });
  });
}

bool MariadbStore::remove_tls_policy(const std::string& domain) {
  return remove_by_key("DELETE FROM tls_policies WHERE domain = ?", lower_ascii(domain));
}

std::vector<TlsPolicy> MariadbStore::list_tls_policies() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<TlsPolicy> out;
    for (const auto& row : c.query("SELECT domain, mode, match_names, note FROM tls_policies ORDER BY domain"))
      out.push_back(TlsPolicy{row.text(0), row.text(1), row.text(2), row.text(3)});
    return out;
  });
}

// ---- settings ----

std::optional<std::string> MariadbStore::get_setting(const std::string& key) {
  return with(Retry::yes, [&](Connection& c) -> std::optional<std::string> {
    const auto rows = c.query("SELECT value FROM settings WHERE `key` = ?", {key});
    if (rows.empty()) return std::nullopt;
    return rows[0].text(0);
  });
}

void MariadbStore::set_setting(const std::string& key, const std::string& value) {
  require(!key.empty(), "setting name must not be empty");
  with(Retry::yes, [&](Connection& c) {
    write("setting " + key, "setting " + key + " exists already", [&] {
      c.execute("INSERT INTO settings (`key`, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value)",
                {key, value});
    });
  });
}

bool MariadbStore::remove_setting(const std::string& key) {
  return remove_by_key("DELETE FROM settings WHERE `key` = ?", key);
}

std::vector<std::pair<std::string, std::string>> MariadbStore::list_settings() {
  return with(Retry::yes, [](Connection& c) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& row : c.query("SELECT `key`, value FROM settings ORDER BY `key`"))
      out.emplace_back(row.text(0), row.text(1));
    return out;
  });
}

// ---- helpers ----

bool MariadbStore::remove_by_key(const char* sql, const std::string& key) {
  return with(Retry::no, [&](Connection& c) { return c.execute(sql, {key}) > 0; });
}

std::size_t MariadbStore::delete_in_batches(const char* sql, int64_t bound) {
  return with(Retry::no, [&](Connection& c) {
    std::size_t total = 0;
    for (;;) {
      const uint64_t n = c.execute(sql, {bound, delete_batch});
      total += static_cast<std::size_t>(n);
      if (n < static_cast<uint64_t>(delete_batch)) return total;
    }
  });
}

}  // namespace portcullis::store::mariadb
