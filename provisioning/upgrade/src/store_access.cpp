#include "store_access.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>

#include "store/mariadb/uri.hpp"
#include "store/store.hpp"

namespace portcullis::upgrade {
namespace {

// A value in a MySQL option file: quoted, with backslash and quote escaped.
std::string option_value(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    out += c;
  }
  return out + "\"";
}

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using SqliteDb = std::unique_ptr<sqlite3, SqliteCloser>;

SqliteDb open_sqlite(const std::filesystem::path& path, int flags) {
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  SqliteDb db(raw);
  if (rc != SQLITE_OK)
    throw std::runtime_error("cannot open " + path.string() + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(db.get(), 30000);  // the gateway may hold a write lock for a moment
  return db;
}

}  // namespace

StoreAccess::StoreAccess(const core::Config& config, const std::filesystem::path& private_dir) {
  if (config.store.starts_with("sqlite:")) {
    sqlite = true;
    sqlite_path = config.store.substr(7);
    return;
  }
  const auto uri = store::mariadb::parse_uri(config.store);
  database = uri.database;
  std::string text = "[client]\nuser=" + option_value(uri.user) + "\n";
  const std::string password = store::read_password(config.store_password_file.string());
  if (!password.empty()) text += "password=" + option_value(password) + "\n";
  if (!uri.socket.empty()) {
    text += "socket=" + option_value(uri.socket) + "\nprotocol=socket\n";
  } else {
    text += "host=" + option_value(uri.host) + "\nport=" + std::to_string(uri.port) + "\nprotocol=tcp\n";
  }
  std::filesystem::create_directories(private_dir);
  options_file = private_dir / ("mariadb-client." + std::to_string(::getpid()) + ".cnf");
  const int fd = ::open(options_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) throw std::runtime_error("cannot write " + options_file.string());
  const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + options_file.string());
}

StoreAccess::~StoreAccess() {
  if (!options_file.empty()) ::unlink(options_file.c_str());
}

std::vector<std::string> StoreAccess::client(const std::string& program) const {
  return {program, "--defaults-extra-file=" + options_file.string()};
}

void sqlite_copy(const std::filesystem::path& from, const std::filesystem::path& to) {
  SqliteDb src = open_sqlite(from, SQLITE_OPEN_READONLY);
  SqliteDb dst = open_sqlite(to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3_backup* b = sqlite3_backup_init(dst.get(), "main", src.get(), "main");
  if (b == nullptr) throw std::runtime_error("cannot copy " + from.string() + ": " + sqlite3_errmsg(dst.get()));
  int rc = SQLITE_BUSY;
  for (int tries = 0; tries < 600 && (rc == SQLITE_BUSY || rc == SQLITE_LOCKED); ++tries) {  // at most a minute
    rc = sqlite3_backup_step(b, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(100);
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE)
    throw std::runtime_error("cannot copy " + from.string() + " to " + to.string() + ": " + sqlite3_errstr(rc));
}

}  // namespace portcullis::upgrade
