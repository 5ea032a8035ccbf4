#include "store/sqlite/db.hpp"

#include <sqlite3.h>

namespace portcullis::store::sqlite {

SqliteError::SqliteError(int extended_code, const std::string& what) : StoreError(what), code(extended_code) {}

bool SqliteError::is_constraint() const { return (code & 0xff) == SQLITE_CONSTRAINT; }

bool SqliteError::is_duplicate_key() const {
  return code == SQLITE_CONSTRAINT_PRIMARYKEY || code == SQLITE_CONSTRAINT_UNIQUE;
}

Connection::Connection(const std::string& path) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE;
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(rc, message);
  }
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  // Every Statement has given its handle back before its Connection goes, so once the cached
  // ones are finalised close cannot be busy.
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

sqlite3_stmt* Connection::take_statement(std::string_view sql) {
  if (auto it = cache_.find(std::string(sql)); it != cache_.end()) {
    sqlite3_stmt* stmt = it->second;
    cache_.erase(it);
    return stmt;
  }
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    fail(rc, "prepare");
  }
  return stmt;
}

void Connection::give_back(std::string_view sql, sqlite3_stmt* stmt) {
  sqlite3_reset(stmt);  // ends its read of the database; the error, if any, was reported by step
  sqlite3_clear_bindings(stmt);
  if (cache_.size() >= kMaxCached || !cache_.emplace(std::string(sql), stmt).second) sqlite3_finalize(stmt);
}

void Connection::fail(int rc, std::string_view context) const {
  std::string message(context);
  if (!message.empty()) message += ": ";
  message += sqlite3_errmsg(db_);
  const int code = sqlite3_extended_errcode(db_);
  throw SqliteError(code != SQLITE_OK ? code : rc, message);
}

void Connection::exec(const std::string& sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
  if (rc != SQLITE_OK) {
    const std::string message = error ? error : sqlite3_errstr(rc);
    sqlite3_free(error);
    const int code = sqlite3_extended_errcode(db_);
    throw SqliteError(code != SQLITE_OK ? code : rc, message);
  }
}

void Connection::set_busy_timeout(int milliseconds) {
  const int rc = sqlite3_busy_timeout(db_, milliseconds);
  if (rc != SQLITE_OK) fail(rc, "busy_timeout");
}

int64_t Connection::changes() const { return sqlite3_changes64(db_); }

bool Connection::table_exists(const std::string& name) {
  Statement st(*this, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
  st.bind(1, name);
  return st.step();
}

Statement::Statement(Connection& connection, std::string_view sql)
    : connection_(connection), sql_(sql), stmt_(connection.take_statement(sql)) {}

Statement::~Statement() {
  if (stmt_ != nullptr) connection_.give_back(sql_, stmt_);
}

Statement& Statement::bind(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) connection_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_, index, value);
  if (rc != SQLITE_OK) connection_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, double value) {
  const int rc = sqlite3_bind_double(stmt_, index, value);
  if (rc != SQLITE_OK) connection_.fail(rc, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int rc = sqlite3_bind_null(stmt_, index);
  if (rc != SQLITE_OK) connection_.fail(rc, "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_);  // leaves the statement reusable; the error stays on the connection
  connection_.fail(rc, "");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  const auto* data = sqlite3_column_text(stmt_, column);
  if (!data) return {};
  const int size = sqlite3_column_bytes(stmt_, column);
  return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

double Statement::real(int column) const { return sqlite3_column_double(stmt_, column); }

bool Statement::is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Transaction::Transaction(Connection& connection, Mode mode) : connection_(connection) {
  connection_.exec(mode == Mode::immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED");
}

Transaction::~Transaction() {
  if (done_) return;
  try {
    connection_.exec("ROLLBACK");
  } catch (const StoreError&) {
    // The transaction may already be gone (SQLite rolls back on some errors by itself).
  }
}

void Transaction::commit() {
  connection_.exec("COMMIT");
  done_ = true;
}

}  // namespace portcullis::store::sqlite
