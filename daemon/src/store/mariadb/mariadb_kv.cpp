// MariadbStore: key/value entries for the Lua rules. kv_incr is one INSERT ... ON DUPLICATE
// KEY UPDATE (the row lock makes it atomic between gateways, without the deadlocks of a
// read-then-insert), then a read of the row in the same transaction. A live value that is not
// an integer is left unchanged by the statement and reported.
#include "store/kv_rules.hpp"
#include "store/mariadb/connection.hpp"
#include "store/mariadb/errors.hpp"
#include "store/mariadb/mariadb_store.hpp"

namespace portcullis::store::mariadb {

std::optional<std::string> MariadbStore::kv_get(const std::string& key, int64_t now) {
  check_kv_key(key);
  return with(Retry::yes, [&](Connection& c) -> std::optional<std::string> {
    const auto rows = c.query("SELECT value FROM kv WHERE k = ? AND (expires = 0 OR expires > ?)", {key, now});
    if (rows.empty()) return std::nullopt;
    return rows[0].text(0);
  });
}

void MariadbStore::kv_set(const std::string& key, const std::string& value, int64_t expires, int64_t now) {
  check_kv_key(key);
  check_kv_value(value);
  with(Retry::yes, [&](Connection& c) {
    write("kv " + key, "kv " + key + ": conflict", [&] {
      c.execute(
          "INSERT INTO kv (k, value, expires, updated) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
          "value = VALUES(value), expires = VALUES(expires), updated = VALUES(updated)",
          {key, value, expires, now});
    });
  });
}

int64_t MariadbStore::kv_incr(const std::string& key, int64_t delta, int64_t expires, int64_t now) {
  check_kv_key(key);
  // Not retried after a lost connection: the increment may have been applied.
  return with(Retry::no, [&](Connection& c) {
    int64_t result = 0;
    write("kv " + key, "kv " + key + ": conflict", [&] {
      Transaction tx(c);
      // `value` is assigned before `expires`, so both conditions see the old expiry.
      c.execute(
          "INSERT INTO kv (k, value, expires, updated) VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE "
          "value = IF(expires > 0 AND expires <= ?, VALUES(value), "
          "           IF(value REGEXP '^-?[0-9]+$', CAST(CAST(value AS SIGNED) + ? AS CHAR), value)), "
          "expires = IF(expires > 0 AND expires <= ?, VALUES(expires), expires), "
          "updated = VALUES(updated)",
          {key, std::to_string(delta), expires, now, now, delta, now});
      const auto rows = c.query("SELECT value FROM kv WHERE k = ?", {key});
      require(!rows.empty(), "kv " + key + ": the entry vanished during the increment");
      result = kv_integer(key, rows[0].text(0));
      tx.commit();
    });
    return result;
  });
}

bool MariadbStore::kv_delete(const std::string& key) { return remove_by_key("DELETE FROM kv WHERE k = ?", key); }

std::size_t MariadbStore::kv_expire(int64_t now) {
  return delete_in_batches("DELETE FROM kv WHERE expires > 0 AND expires <= ? LIMIT ?", now);
}

}  // namespace portcullis::store::mariadb
