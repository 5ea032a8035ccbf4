// open_store(): picks the backend from the URI scheme.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "store/mariadb/mariadb_store.hpp"
#include "store/mariadb/uri.hpp"
#include "store/sqlite/sqlite_store.hpp"
#include "store/store.hpp"

namespace portcullis::store {
namespace {

constexpr std::string_view sqlite_scheme = "sqlite:";
constexpr std::string_view mariadb_scheme = "mariadb://";

std::unique_ptr<Store> open_sqlite(const std::string& uri, const std::string& path) {
  if (path.empty()) throw StoreError("store URI '" + uri + "' has no path (expected sqlite:PATH)");
  if (path != ":memory:") {
    // SQLite would report a missing directory only as "unable to open database file".
    const std::filesystem::path file(path);
    const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
    std::error_code ec;
    const auto status = std::filesystem::status(dir, ec);
    if (!std::filesystem::exists(status))
      throw StoreError("cannot open sqlite store " + path + ": directory " + dir.string() + " does not exist");
    if (!std::filesystem::is_directory(status))
      throw StoreError("cannot open sqlite store " + path + ": " + dir.string() + " is not a directory");
    if (std::filesystem::is_directory(file, ec))
      throw StoreError("cannot open sqlite store " + path + ": it is a directory");
  }
  return std::make_unique<sqlite::SqliteStore>(path);
}

}  // namespace

// The password is the file's first line without its line ending; no file, no password.
std::string read_password(const std::string& password_file) {
  if (password_file.empty()) return {};
  std::error_code ec;
  if (std::filesystem::is_directory(password_file, ec))
    throw StoreError("cannot read the MariaDB password file " + password_file + ": it is a directory");
  std::ifstream in(password_file, std::ios::binary);
  if (!in)
    throw StoreError("cannot read the MariaDB password file " + password_file + ": " + std::strerror(errno));
  std::string password;
  std::getline(in, password);
  if (in.bad()) throw StoreError("cannot read the MariaDB password file " + password_file + ": read error");
  if (password.ends_with('\r')) password.pop_back();
  return password;
}

namespace {

std::unique_ptr<Store> open_mariadb(const std::string& uri, const std::string& password_file) {
  const mariadb::Uri parsed = mariadb::parse_uri(uri);  // URI errors first: they need no file
  return std::make_unique<mariadb::MariadbStore>(parsed, read_password(password_file));
}

}  // namespace

void check_store_uri(const std::string& uri) {
  if (uri.starts_with(sqlite_scheme)) return;
  if (uri.starts_with(mariadb_scheme)) {
    (void)mariadb::parse_uri(uri);
    return;
  }
  throw StoreError("unsupported store URI '" + uri + "' (expected sqlite:PATH or mariadb://...)");
}

std::unique_ptr<Store> open_store_with_password(const std::string& uri, const std::string& password) {
  if (uri.starts_with(sqlite_scheme)) return open_sqlite(uri, uri.substr(sqlite_scheme.size()));
  if (uri.starts_with(mariadb_scheme)) return std::make_unique<mariadb::MariadbStore>(mariadb::parse_uri(uri), password);
  throw StoreError("unsupported store URI '" + uri + "' (expected sqlite:PATH or mariadb://...)");
}

std::unique_ptr<Store> open_store(const std::string& uri, const std::string& password_file) {
  if (uri.starts_with(sqlite_scheme)) return open_sqlite(uri, uri.substr(sqlite_scheme.size()));
  if (uri.starts_with(mariadb_scheme)) return open_mariadb(uri, password_file);
  throw StoreError("unsupported store URI '" + uri + "' (expected sqlite:PATH or mariadb://...)");
}

}  // namespace portcullis::store
