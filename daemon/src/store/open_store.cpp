// open_store(): picks the backend from the URI scheme.
#include <filesystem>
#include <system_error>

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

std::unique_ptr<Store> open_store(const std::string& uri, const std::string& password_file) {
  (void)password_file;  // MariaDB only
  if (uri.starts_with(sqlite_scheme)) return open_sqlite(uri, uri.substr(sqlite_scheme.size()));
  if (uri.starts_with(mariadb_scheme)) throw StoreError("MariaDB store is not available in this build yet");
  throw StoreError("unsupported store URI '" + uri + "' (expected sqlite:PATH or mariadb://...)");
}

}  // namespace portcullis::store
