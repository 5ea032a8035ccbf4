// A small RAII layer over the SQLite C API: a connection, a prepared statement, a
// transaction. Every failure is a SqliteError (a StoreError carrying SQLite's extended
// result code), so the backend can turn constraint violations into readable messages.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace portcullis::store::sqlite {

struct SqliteError : StoreError {
  SqliteError(int extended_code, const std::string& what);
  int code;  // extended result code (e.g. SQLITE_CONSTRAINT_PRIMARYKEY)
  bool is_constraint() const;
  bool is_duplicate_key() const;  // PRIMARY KEY or UNIQUE violated
};

class Connection {
 public:
  // Opens (creating if needed) the database file at `path` read-write.
  explicit Connection(const std::string& path);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more ';'-separated statements that return no rows of interest.
  void exec(const std::string& sql);
  void set_busy_timeout(int milliseconds);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t changes() const;
  bool table_exists(const std::string& name);
  sqlite3* handle() const { return db_; }

  // Throws SqliteError for `rc` with this connection's error message, prefixed by `context`.
  [[noreturn]] void fail(int rc, std::string_view context) const;

  // Prepared statements are kept per connection and reused (the SQL text is the key): a
  // Statement takes one out while it lives and gives it back, reset, when it goes.
  sqlite3_stmt* take_statement(std::string_view sql);
  void give_back(std::string_view sql, sqlite3_stmt* stmt);

 private:
  static constexpr std::size_t kMaxCached = 128;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
};

class Statement {
 public:
  Statement(Connection& connection, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are numbered from 1.
  Statement& bind(int index, std::string_view value);
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, unsigned value) { return bind(index, static_cast<int64_t>(value)); }
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  template <typename... Values>
  Statement& bind_all(const Values&... values) {
    int index = 0;
    (bind(++index, values), ...);
    return *this;
  }

  // Advances: true if a row is available, false when done.
  bool step();
  // Executes a statement that returns no rows.
  void run();
  void reset();

  // Columns are numbered from 0.
  std::string text(int column) const;
  int64_t integer(int column) const;
  double real(int column) const;
  bool is_null(int column) const;

 private:
  Connection& connection_;
  std::string sql_;  // the cache key (a copy: callers may build the text on the fly)
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN on construction, ROLLBACK on destruction unless commit() was called.
// Immediate mode takes the write lock at once, so two writers never deadlock on upgrade.
class Transaction {
 public:
  enum class Mode { deferred, immediate };
  explicit Transaction(Connection& connection, Mode mode = Mode::immediate);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace portcullis::store::sqlite
