// The store of the bootstrap configuration, as the backup sees it: an SQLite file, or a
// MariaDB database reached with the gateway's own account (URI + password file), for which
// the MariaDB client programs get a private option file (the password never on a command line).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace portcullis::upgrade {

struct StoreAccess {
  bool sqlite = false;
  std::filesystem::path sqlite_path;
  std::string database;                 // MariaDB
  std::filesystem::path options_file;   // MariaDB: [client] user, password, socket or host/port

  explicit StoreAccess(const core::Config& config, const std::filesystem::path& private_dir);
  ~StoreAccess();
  StoreAccess(const StoreAccess&) = delete;
  StoreAccess& operator=(const StoreAccess&) = delete;

  // "mariadb-dump" / "mariadb" with the option file first (it must be the first option).
  std::vector<std::string> client(const std::string& program) const;
};

// Copies one SQLite database into another with SQLite's online backup API (a consistent
// snapshot even while the gateway writes; the destination keeps its inode, owner and mode).
void sqlite_copy(const std::filesystem::path& from, const std::filesystem::path& to);

}  // namespace portcullis::upgrade
