// SqliteStore: key/value entries for the Lua rules. kv_incr reads and writes inside one
// BEGIN IMMEDIATE transaction: SQLite's write lock makes it atomic across connections.
#include "store/kv_rules.hpp"
#include "store/sqlite/db.hpp"
#include "store/sqlite/errors.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace portcullis::store::sqlite {

std::optional<std::string> SqliteStore::kv_get(const std::string& key, int64_t now) {
  check_kv_key(key);
  Statement st(*db_, "SELECT value FROM kv WHERE k = ?1 AND (expires = 0 OR expires > ?2)");
  st.bind_all(key, now);
  if (!st.step()) return std::nullopt;
  return st.text(0);
}

void SqliteStore::kv_set(const std::string& key, const std::string& value, int64_t expires, int64_t now) {
  check_kv_key(key);
  check_kv_value(value);
  write("kv " + key, "kv " + key + ": conflict", [&] {
    Statement(*db_,
              "INSERT INTO kv (k, value, expires, updated) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (k) DO UPDATE SET "
              "value = excluded.value, expires = excluded.expires, updated = excluded.updated")
        .bind_all(key, value, expires, now)
        .run();
  });
}

int64_t SqliteStore::kv_incr(const std::string& key, int64_t delta, int64_t expires, int64_t now) {
  check_kv_key(key);
  int64_t result = 0;
  write("kv " + key, "kv " + key + ": conflict", [&] {
    Transaction tx(*db_);
    Statement get(*db_, "SELECT value, expires FROM kv WHERE k = ?1");
    get.bind(1, key);
    int64_t current = 0;
    int64_t keep_expires = expires;
    if (get.step()) {
      const int64_t old_expires = get.integer(1);
      if (old_expires == 0 || old_expires > now) {  // a live entry: add to it, keep its expiry
        current = kv_integer(key, get.text(0));
        keep_expires = old_expires;
      }
    }
    result = kv_add(key, current, delta);
    Statement(*db_,
              "INSERT INTO kv (k, value, expires, updated) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (k) DO UPDATE SET "
              "value = excluded.value, expires = excluded.expires, updated = excluded.updated")
        .bind_all(key, std::to_string(result), keep_expires, now)
        .run();
    tx.commit();
  });
  return result;
}

bool SqliteStore::kv_delete(const std::string& key) { return remove_by_key("DELETE FROM kv WHERE k = ?1", key); }

std::size_t SqliteStore::kv_expire(int64_t now) {
  Statement(*db_, "DELETE FROM kv WHERE expires > 0 AND expires <= ?1").bind(1, now).run();
  return static_cast<std::size_t>(db_->changes());
}

}  // namespace portcullis::store::sqlite
