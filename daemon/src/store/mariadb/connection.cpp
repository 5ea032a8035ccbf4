#include "store/mariadb/connection.hpp"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>

#include <mutex>

namespace portcullis::store::mariadb {
namespace {

// MariaDB 11: an idle session closed by the server (wait_timeout); not in every header.
constexpr unsigned er_client_interaction_timeout = 4031;
constexpr std::size_t statement_cache_limit = 64;

void library_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (mysql_library_init(0, nullptr, nullptr) != 0)
      throw MariadbError(CR_UNKNOWN_ERROR, "cannot initialise the MariaDB client library");
  });
}

bool is_integer_type(enum_field_types type) {
  switch (type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR:
      return true;
    default:
      return false;
  }
}

std::string session_settings(const Settings& s) {
  return "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
         "NO_ENGINE_SUBSTITUTION', time_zone = '+00:00', innodb_lock_wait_timeout = " +
         std::to_string(s.lock_wait_timeout) + ", lock_wait_timeout = " + std::to_string(s.lock_wait_timeout) +
         ", max_statement_time = " + std::to_string(s.max_statement_time);
}

}  // namespace

// ---- errors ----

MariadbError::MariadbError(unsigned error_code, const std::string& what) : StoreError(what), code(error_code) {}

bool MariadbError::connection_lost() const {
  switch (code) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case er_client_interaction_timeout:
      return true;
    default:
      return false;
  }
}

bool MariadbError::duplicate_key() const { return code == ER_DUP_ENTRY; }
bool MariadbError::deadlock() const { return code == ER_LOCK_DEADLOCK; }

Settings Settings::long_running() const {
  Settings s = *this;
  s.read_timeout = 3600;
  s.write_timeout = 3600;
  s.lock_wait_timeout = 60;
  s.max_statement_time = 0;
  s.multi_statements = true;
  return s;
}

// ---- rows ----

const Row::Cell& Row::at(std::size_t column) const {
  if (column >= cells_.size())
    throw StoreError("result has " + std::to_string(cells_.size()) + " columns, not " + std::to_string(column + 1));
  return cells_[column];
}

bool Row::is_null(std::size_t column) const { return std::holds_alternative<std::monostate>(at(column)); }

std::string Row::text(std::size_t column) const {
  const Cell& cell = at(column);
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  if (const auto* i = std::get_if<int64_t>(&cell)) return std::to_string(*i);
  if (const auto* u = std::get_if<uint64_t>(&cell)) return std::to_string(*u);
  if (const auto* d = std::get_if<double>(&cell)) return std::to_string(*d);
  return {};
}

int64_t Row::integer(std::size_t column) const {
  const Cell& cell = at(column);
  if (const auto* i = std::get_if<int64_t>(&cell)) return *i;
  if (const auto* u = std::get_if<uint64_t>(&cell)) return static_cast<int64_t>(*u);
  if (const auto* d = std::get_if<double>(&cell)) return static_cast<int64_t>(*d);
  if (const auto* s = std::get_if<std::string>(&cell)) {
    try {
      return std::stoll(*s);
    } catch (const std::exception&) {
      throw StoreError("column " + std::to_string(column) + ": '" + *s + "' is not a number");
    }
  }
  return 0;
}

double Row::real(std::size_t column) const {
  const Cell& cell = at(column);
  if (const auto* d = std::get_if<double>(&cell)) return *d;
  return static_cast<double>(integer(column));
}

// ---- connection ----

struct Connection::Statement {
  MYSQL_STMT* stmt = nullptr;
  ~Statement() {
    if (stmt) mysql_stmt_close(stmt);
  }
};

Connection::Connection(const Settings& settings) {
  library_init();
  db_ = mysql_init(nullptr);
  if (!db_) throw MariadbError(CR_OUT_OF_MEMORY, "cannot connect to " + settings.uri.describe() + ": out of memory");
  const bool tcp = settings.uri.socket.empty();
  const unsigned protocol = tcp ? MYSQL_PROTOCOL_TCP : MYSQL_PROTOCOL_SOCKET;
  const my_bool no = 0;
  mysql_options(db_, MYSQL_OPT_CONNECT_TIMEOUT, &settings.connect_timeout);
  mysql_options(db_, MYSQL_OPT_READ_TIMEOUT, &settings.read_timeout);
  mysql_options(db_, MYSQL_OPT_WRITE_TIMEOUT, &settings.write_timeout);
  mysql_options(db_, MYSQL_OPT_PROTOCOL, &protocol);
  mysql_options(db_, MYSQL_OPT_RECONNECT, &no);  // a silent reconnect would lose session state
  mysql_options(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  mysql_options(db_, MYSQL_INIT_COMMAND, session_settings(settings).c_str());
  mysql_options(db_, MYSQL_INIT_COMMAND, "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  const unsigned long flags = CLIENT_FOUND_ROWS | (settings.multi_statements ? CLIENT_MULTI_STATEMENTS : 0UL);
  if (!mysql_real_connect(db_, tcp ? settings.uri.host.c_str() : nullptr, settings.uri.user.c_str(),
                          settings.password.c_str(), settings.uri.database.c_str(), settings.uri.port,
                          tcp ? nullptr : settings.uri.socket.c_str(), flags)) {
    const unsigned code = mysql_errno(db_);
    const std::string message = mysql_error(db_);
    mysql_close(db_);
    db_ = nullptr;
    throw MariadbError(code, "cannot connect to " + settings.uri.describe() + ": " + message);
  }
}

Connection::~Connection() {
  statements_.clear();  // before the connection they belong to
  if (db_) mysql_close(db_);
}

void Connection::fail(unsigned code, const std::string& message) {
  MariadbError error(code, message);
  if ((code >= CR_MIN_ERROR && code <= CR_MAX_ERROR) || error.connection_lost()) broken_ = true;
  throw error;
}

void Connection::fail_connection() { fail(mysql_errno(db_), mysql_error(db_)); }

void Connection::fail_statement(Statement& st, std::string_view sql) {
  const unsigned code = mysql_stmt_errno(st.stmt);
  const std::string message = mysql_stmt_error(st.stmt);
  forget(sql);  // a statement that failed is not reused
  fail(code, message);
}

void Connection::forget(std::string_view sql) { statements_.erase(std::string(sql)); }

Connection::Statement& Connection::prepare(std::string_view sql) {
  const auto found = statements_.find(std::string(sql));
  if (found != statements_.end()) return *found->second;
  if (statements_.size() >= statement_cache_limit) statements_.clear();
  auto st = std::make_unique<Statement>();
  st->stmt = mysql_stmt_init(db_);
  if (!st->stmt) fail(CR_OUT_OF_MEMORY, "out of memory");
  const my_bool yes = 1;
  mysql_stmt_attr_set(st->stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &yes);
  if (mysql_stmt_prepare(st->stmt, sql.data(), sql.size()) != 0)
    fail(mysql_stmt_errno(st->stmt), mysql_stmt_error(st->stmt));
  return *statements_.emplace(std::string(sql), std::move(st)).first->second;
}

namespace {

// Binds `params` to `stmt` and executes it; the bound buffers live only for this call.
bool bind_and_execute(MYSQL_STMT* stmt, const Params& params, std::string& error) {
  const unsigned long expected = mysql_stmt_param_count(stmt);
  if (expected != params.size()) {
    error = "statement expects " + std::to_string(expected) + " parameters, got " + std::to_string(params.size());
    return false;
  }
  std::vector<Param::Value> values;
  values.reserve(params.size());
  for (const Param& p : params) values.push_back(p.value());
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<unsigned long> lengths(params.size());
  static char empty[] = "";
  for (std::size_t i = 0; i < values.size(); ++i) {
    MYSQL_BIND& b = binds[i];
    auto& v = values[i];
    if (auto* s = std::get_if<int64_t>(&v)) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = s;
    } else if (auto* u = std::get_if<uint64_t>(&v)) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = u;
      b.is_unsigned = 1;
    } else if (auto* d = std::get_if<double>(&v)) {
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      b.buffer = d;
    } else if (auto* t = std::get_if<std::string_view>(&v)) {
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = t->empty() ? empty : const_cast<char*>(t->data());
      b.buffer_length = lengths[i] = t->size();
      b.length = &lengths[i];
    } else {
      b.buffer_type = MYSQL_TYPE_NULL;
    }
  }
  if (!binds.empty() && mysql_stmt_bind_param(stmt, binds.data()) != 0) return false;
  return mysql_stmt_execute(stmt) == 0;
}

}  // namespace

uint64_t Connection::execute(std::string_view sql, const Params& params) {
  Statement& st = prepare(sql);
  std::string error;
  if (!bind_and_execute(st.stmt, params, error)) {
    if (!error.empty()) fail(CR_INVALID_PARAMETER_NO, error);
    fail_statement(st, sql);
  }
  if (mysql_stmt_field_count(st.stmt) > 0) {  // rows nobody asked for
    mysql_stmt_store_result(st.stmt);
    mysql_stmt_free_result(st.stmt);
  }
  return mysql_stmt_affected_rows(st.stmt);
}

std::vector<Row> Connection::query(std::string_view sql, const Params& params) {
  Statement& st = prepare(sql);
  std::string error;
  if (!bind_and_execute(st.stmt, params, error)) {
    if (!error.empty()) fail(CR_INVALID_PARAMETER_NO, error);
    fail_statement(st, sql);
  }
  std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> meta(mysql_stmt_result_metadata(st.stmt),
                                                                &mysql_free_result);
  if (!meta) {
    if (mysql_stmt_errno(st.stmt) != 0) fail_statement(st, sql);
    return {};
  }
  if (mysql_stmt_store_result(st.stmt) != 0) fail_statement(st, sql);
  const unsigned n = mysql_num_fields(meta.get());
  const MYSQL_FIELD* fields = mysql_fetch_fields(meta.get());
  struct Column {
    int64_t integer = 0;
    double real = 0;
    std::vector<char> text;
    unsigned long length = 0;
    my_bool null = 0;
  };
  std::vector<Column> columns(n);
  std::vector<MYSQL_BIND> binds(n);
  for (unsigned i = 0; i < n; ++i) {
    MYSQL_BIND& b = binds[i];
    Column& c = columns[i];
    b.is_null = &c.null;
    b.length = &c.length;
    if (is_integer_type(fields[i].type)) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = &c.integer;
      b.is_unsigned = (fields[i].flags & UNSIGNED_FLAG) != 0;
    } else if (fields[i].type == MYSQL_TYPE_FLOAT || fields[i].type == MYSQL_TYPE_DOUBLE) {
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      b.buffer = &c.real;
    } else {
      c.text.resize(fields[i].max_length + 1);
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = c.text.data();
      b.buffer_length = c.text.size();
    }
  }
  if (n > 0 && mysql_stmt_bind_result(st.stmt, binds.data()) != 0) fail_statement(st, sql);
  std::vector<Row> rows;
  for (;;) {
    const int rc = mysql_stmt_fetch(st.stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == MYSQL_DATA_TRUNCATED) {
      forget(sql);
      fail(CR_UNKNOWN_ERROR, "result truncated (statement: " + std::string(sql) + ")");
    }
    if (rc != 0) fail_statement(st, sql);
    std::vector<Row::Cell> cells(n);
    for (unsigned i = 0; i < n; ++i) {
      const Column& c = columns[i];
      if (c.null) continue;
      if (binds[i].buffer_type == MYSQL_TYPE_LONGLONG) {
        if (binds[i].is_unsigned)
          cells[i] = static_cast<uint64_t>(c.integer);
        else
          cells[i] = c.integer;
      } else if (binds[i].buffer_type == MYSQL_TYPE_DOUBLE) {
        cells[i] = c.real;
      } else {
        cells[i] = std::string(c.text.data(), c.length);
      }
    }
    rows.emplace_back(std::move(cells));
  }
  mysql_stmt_free_result(st.stmt);
  return rows;
}

void Connection::run(std::string_view sql) {
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail_connection();
  if (MYSQL_RES* result = mysql_store_result(db_)) mysql_free_result(result);
}

void Connection::script(const std::string& sql) {
  if (mysql_real_query(db_, sql.data(), sql.size()) != 0) fail_connection();
  for (;;) {
    MYSQL_RES* result = mysql_store_result(db_);
    if (result)
      mysql_free_result(result);
    else if (mysql_field_count(db_) != 0)
      fail_connection();
    const int next = mysql_next_result(db_);
    if (next > 0) fail_connection();
    if (next < 0) break;
  }
}

void Connection::ping() {
  if (mysql_ping(db_) != 0) fail_connection();
}

unsigned long Connection::thread_id() const { return mysql_thread_id(db_); }

// ---- transaction ----

Transaction::Transaction(Connection& connection) : connection_(connection) { connection_.run("START TRANSACTION"); }

Transaction::~Transaction() {
  if (done_ || connection_.broken()) return;  // the server rolls back a lost session itself
  try {
    connection_.run("ROLLBACK");
  } catch (const StoreError&) {
    // the connection is marked broken; the pool drops it
  }
}

void Transaction::commit() {
  connection_.run("COMMIT");
  done_ = true;
}

}  // namespace portcullis::store::mariadb
