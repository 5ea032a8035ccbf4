// A backup set: everything a rollback needs to put this release back as it was.
//   backup.toml      what it is: id, release, schema, store kind, package
//   database.sql     the MariaDB dump (one consistent snapshot: --single-transaction), or
//   database.sqlite  the SQLite store (SQLite's online backup: consistent while in use)
//   etc.tar          /etc/portcullis (configuration, Lua rules, certificates, DKIM keys,
//                    secrets) with owners, modes and extended attributes
//   PACKAGE.deb      the installed release's package
// The folder is 0700 (it holds keys and password hashes). The mail queue is not in it: it
// stays where it is, and the release put back reads it as it is.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.hpp"
#include "journal.hpp"
#include "layout.hpp"

namespace portcullis::upgrade {

struct BackupSet {
  std::filesystem::path dir;
  std::string id;
  std::string created;
  std::string version;  // the release that was installed
  int schema = 0;       // its database's schema version
  std::string store;    // "sqlite" or "mariadb"
  std::string package;  // file name of the .deb in dir ("" if none was kept)
};

// Makes a backup set in layout.backups()/ID of the running system (the daemon may run: both
// dumps are consistent snapshots). `package` is the installed release's .deb, copied in.
BackupSet make_backup(const Layout& layout, const core::Config& config, const std::string& version, int schema,
                      const std::filesystem::path& package, Journal& journal);

// Reads backup.toml of a set; throws if it is not a complete set.
BackupSet read_backup(const std::filesystem::path& dir);

// The newest set in layout.backups(), if any.
std::optional<BackupSet> latest_backup(const Layout& layout);

// Puts the database and /etc/portcullis back from the set (the gateway must be stopped).
// The current /etc/portcullis is kept as `aside` for a look afterwards.
void restore_database(const BackupSet& set, const core::Config& config, Journal& journal);
void restore_etc(const BackupSet& set, const Layout& layout, const std::filesystem::path& aside, Journal& journal);

// Keeps the newest `keep` sets, removes older ones.
void prune_backups(const Layout& layout, std::size_t keep, Journal& journal);

}  // namespace portcullis::upgrade
