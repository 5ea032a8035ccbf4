// A small RAII layer over MariaDB Connector/C: one connection (MYSQL*), server-side prepared
// statements (cached per connection) with typed parameters, rows read whole, a transaction
// guard. Every failure is a MariadbError (a StoreError carrying the client or server error
// code), so callers can tell a lost connection or a duplicate key from the rest.
//
// No call can hang: connect, read and write timeouts are set on the socket, and the session
// bounds lock waits and statement time below the read timeout (see Settings).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <variant>
#include <vector>

#include "store/mariadb/uri.hpp"
#include "store/store.hpp"

struct st_mysql;
struct st_mysql_stmt;

namespace portcullis::store::mariadb {

struct MariadbError : StoreError {
  MariadbError(unsigned error_code, const std::string& what);
  unsigned code;  // CR_* (client, 2000-2999) or ER_* (server)
  // The connection is gone (server down, restarted, killed it, network): drop it. Whether a
  // statement in flight was applied is unknown.
  bool connection_lost() const;
  bool duplicate_key() const;  // a PRIMARY KEY or UNIQUE index was violated
  bool deadlock() const;       // the transaction was rolled back by the server: safe to re-run
};

struct Settings {
  Uri uri;
  std::string password;
  unsigned connect_timeout = 5;  // seconds, each
  unsigned read_timeout = 5;
  unsigned write_timeout = 5;
  // Session limits, below the read timeout so the server gives up first and says why.
  unsigned lock_wait_timeout = 3;      // row locks (innodb_lock_wait_timeout), metadata locks
  double max_statement_time = 4;       // 0: unlimited
  bool multi_statements = false;       // allow script() (migrations, tests)

  // For migrations: DDL on a big table may run for long, and waits for other sessions.
  Settings long_running() const;
};

// A statement parameter; strings are viewed, not copied (they must outlive the call).
class Param {
 public:
  Param(std::nullptr_t) : value_(std::monostate{}) {}
  Param(std::string_view text) : value_(text) {}
  Param(const std::string& text) : value_(std::string_view(text)) {}
  Param(const char* text) : value_(std::string_view(text)) {}
  Param(int v) : value_(static_cast<int64_t>(v)) {}
  Param(long v) : value_(static_cast<int64_t>(v)) {}
  Param(long long v) : value_(static_cast<int64_t>(v)) {}
  Param(unsigned v) : value_(static_cast<uint64_t>(v)) {}
  Param(unsigned long v) : value_(static_cast<uint64_t>(v)) {}
  Param(unsigned long long v) : value_(static_cast<uint64_t>(v)) {}
  Param(double v) : value_(v) {}
  using Value = std::variant<std::monostate, int64_t, uint64_t, double, std::string_view>;
  const Value& value() const { return value_; }

 private:
  Value value_;
};
using Params = std::vector<Param>;

// One result row; columns are numbered from 0.
class Row {
 public:
  using Cell = std::variant<std::monostate, int64_t, uint64_t, double, std::string>;
  explicit Row(std::vector<Cell> cells) : cells_(std::move(cells)) {}
  bool is_null(std::size_t column) const;
  std::string text(std::size_t column) const;
  int64_t integer(std::size_t column) const;
  double real(std::size_t column) const;

 private:
  const Cell& at(std::size_t column) const;
  std::vector<Cell> cells_;
};

class Connection {
 public:
  // Connects; throws MariadbError ("cannot connect to USER@...: <reason>").
  explicit Connection(const Settings& settings);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // A prepared statement with '?' placeholders. execute() returns the rows it matched
  // (CLIENT_FOUND_ROWS: an UPDATE to the same values counts), query() the rows it returned.
  uint64_t execute(std::string_view sql, const Params& params = {});
  std::vector<Row> query(std::string_view sql, const Params& params = {});
  // One statement without parameters or results, as a text query (START TRANSACTION, ...).
  void run(std::string_view sql);
  // Runs ';'-separated statements as one text query, discarding any result sets. Only on a
  // connection opened with multi_statements.
  void script(const std::string& sql);
  void ping();  // throws MariadbError if the connection is dead
  unsigned long thread_id() const;  // the server's connection id (KILL CONNECTION id)
  // True once a client-side or connection-level error made this connection unusable.
  bool broken() const { return broken_; }

 private:
  struct Statement;
  Statement& prepare(std::string_view sql);
  void forget(std::string_view sql);
  [[noreturn]] void fail(unsigned code, const std::string& message);
  [[noreturn]] void fail_connection();
  [[noreturn]] void fail_statement(Statement& st, std::string_view sql);

  st_mysql* db_ = nullptr;
  std::unordered_map<std::string, std::unique_ptr<Statement>> statements_;
  bool broken_ = false;
};

// BEGIN on construction, ROLLBACK on destruction unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Connection& connection);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& connection_;
  bool done_ = false;
};

}  // namespace portcullis::store::mariadb
