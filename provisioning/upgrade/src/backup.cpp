#include "backup.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <fstream>
#include <iomanip>
#include <map>
#include <sstream>
#include <stdexcept>

#include "command.hpp"
#include "core/text.hpp"
#include "store_access.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;

constexpr const char* info_name = "backup.toml";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}


// backup.toml is written by this tool only: "key = value" lines, strings quoted.
std::map<std::string, std::string> read_info(const fs::path& file) {
  std::map<std::string, std::string> out;
  std::ifstream in(file);
  if (!in) throw std::runtime_error(file.parent_path().string() + " is not a backup set (no " + info_name + ")");
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find(" = ");
    if (line.empty() || line[0] == '#' || eq == std::string::npos) continue;
    std::string value = line.substr(eq + 3);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      std::string unq;
      for (std::size_t i = 1; i + 1 < value.size(); ++i) {
        if (value[i] == '\\' && i + 2 < value.size()) ++i;
        unq += value[i];
      }
      value = unq;
    }
    out[line.substr(0, eq)] = value;
  }
  return out;
}

// The folders under / that etc.tar holds: /etc/portcullis, and the rules folder if the
// configuration keeps it elsewhere.
std::vector<std::string> etc_members(const Layout& layout, const core::Config& config) {
  std::vector<std::string> out{layout.etc_dir.relative_path().string()};
  const fs::path rules = config.rules.dir;
  const auto rel = rules.lexically_relative(layout.etc_dir);
  if (rules.is_absolute() && (rel.empty() || rel.native().starts_with("..")) && fs::exists(rules))
    out.push_back(rules.relative_path().string());
  return out;
}

}  // namespace

BackupSet make_backup(const Layout& layout, const core::Config& config, const std::string& version, int schema,
                      const fs::path& package, Journal& journal) {
  BackupSet set;
  set.id = run_id_now();
  set.created = utc_now();
  set.version = version;
  set.schema = schema;
  fs::create_directories(layout.backups());
  fs::permissions(layout.backups(), fs::perms::owner_all);
  set.dir = layout.backups() / (set.id + "-" + version);
  for (int n = 2; fs::exists(set.dir); ++n) set.dir = layout.backups() / (set.id + "-" + version + "." + std::to_string(n));
  fs::create_directory(set.dir);
  fs::permissions(set.dir, fs::perms::owner_all);
  try {
    StoreAccess store(config, set.dir);
    if (store.sqlite) {
      set.store = "sqlite";
      sqlite_copy(store.sqlite_path, set.dir / "database.sqlite");
      journal.info("database: SQLite " + store.sqlite_path.string() + " copied (online backup)");
    } else {
      set.store = "mariadb";
      auto argv = store.client("mariadb-dump");
      for (const char* o : {"--single-transaction", "--routines", "--triggers", "--hex-blob", "--no-tablespaces",
                            "--skip-dump-date", "--default-character-set=utf8mb4"})
        argv.emplace_back(o);
      argv.push_back(store.database);
      CommandOptions o;
      o.timeout = std::chrono::seconds(1800);
      o.stdout_file = (set.dir / "database.sql").string();
      journal.detail(run_checked(argv, o));
      journal.info("database: MariaDB " + store.database + " dumped (one transaction: a consistent snapshot), " +
                   std::to_string(fs::file_size(set.dir / "database.sql")) + " octets");
    }
    std::vector<std::string> tar{"tar", "--create", "--file", (set.dir / "etc.tar").string(), "--numeric-owner",
                                 "--preserve-permissions", "--xattrs", "--acls", "--directory", "/"};
    for (const auto& m : etc_members(layout, config)) tar.push_back(m);
    journal.detail(run_checked(tar));
    journal.info("configuration: " + core::join(etc_members(layout, config), ", ") + " archived");
    if (!package.empty()) {
      set.package = package.filename().string();
      fs::copy_file(package, set.dir / set.package);
      journal.info("package: " + set.package + " kept");
    }
    std::ofstream info(set.dir / info_name);
    info << "# portcullis-upgrade backup set\n"
         << "id = " << std::quoted(set.id) << "\ncreated = " << std::quoted(set.created) << "\nversion = " << std::quoted(set.version)
         << "\nschema = " << set.schema << "\nstore = " << std::quoted(set.store) << "\npackage = " << std::quoted(set.package)
         << "\n";
    info.close();
    if (!info) throw std::runtime_error("cannot write " + (set.dir / info_name).string());
  } catch (...) {
    std::error_code ec;
    fs::remove_all(set.dir, ec);  // half a backup is no backup
    throw;
  }
  return set;
}

BackupSet read_backup(const fs::path& dir) {
  const auto info = read_info(dir / info_name);
  BackupSet set;
  set.dir = dir;
  auto get = [&](const std::string& k) {
    const auto it = info.find(k);
    if (it == info.end()) throw std::runtime_error(dir.string() + ": backup.toml lacks " + k);
    return it->second;
  };
  set.id = get("id");
  set.created = get("created");
  set.version = get("version");
  set.schema = std::stoi(get("schema"));
  set.store = get("store");
  set.package = get("package");
  const fs::path db = dir / (set.store == "sqlite" ? "database.sqlite" : "database.sql");
  for (const fs::path& need : {db, dir / "etc.tar"})
    if (!fs::is_regular_file(need)) throw std::runtime_error(dir.string() + ": incomplete backup set (" + need.filename().string() + " missing)");
  if (!set.package.empty() && !fs::is_regular_file(dir / set.package))
    throw std::runtime_error(dir.string() + ": incomplete backup set (" + set.package + " missing)");
  return set;
}

std::optional<BackupSet> latest_backup(const Layout& layout) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(layout.backups(), ec))
    if (e.is_directory() && fs::exists(e.path() / info_name)) dirs.push_back(e.path());
  if (dirs.empty()) return std::nullopt;
  std::sort(dirs.begin(), dirs.end());  // names start with the UTC time
  return read_backup(dirs.back());
}

void restore_database(const BackupSet& set, const core::Config& config, Journal& journal) {
  StoreAccess store(config, set.dir);
  if (store.sqlite) {
    if (set.store != "sqlite") throw std::runtime_error("the backup holds a MariaDB dump but the store is SQLite");
    sqlite_copy(set.dir / "database.sqlite", store.sqlite_path);
    for (const char* suffix : {"-wal", "-shm"}) {
      std::error_code ec;
      fs::remove(store.sqlite_path.string() + suffix, ec);
    }
    journal.info("database: SQLite " + store.sqlite_path.string() + " put back");
    return;
  }
  if (set.store != "mariadb") throw std::runtime_error("the backup holds an SQLite store but the store is MariaDB");
  // Everything the failed release made goes first (a half-applied migration may have added
  // tables the dump does not drop), then the dump recreates what was there.
  auto list = store.client("mariadb");
  for (const char* o : {"--batch", "--skip-column-names", "--execute",
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"})
    list.emplace_back(o);
  list.push_back(store.database);
  std::string drop = "SET FOREIGN_KEY_CHECKS = 0;\n";
  std::size_t tables = 0;
  for (const auto& name : lines_of(run_checked(list))) {
    if (name.empty()) continue;
    std::string quotedname = "`";
    for (char c : name) quotedname += c == '`' ? std::string("``") : std::string(1, c);
    drop += "DROP TABLE IF EXISTS " + quotedname + "`;\n";
    ++tables;
  }
  auto load = store.client("mariadb");
  load.emplace_back("--batch");
  load.push_back(store.database);
  CommandOptions o;
  o.timeout = std::chrono::seconds(1800);
  o.input = drop + "SET FOREIGN_KEY_CHECKS = 1;\nsource " + (set.dir / "database.sql").string() + "\n";
  journal.detail(run_checked(load, o));
  journal.info("database: MariaDB " + store.database + " put back (" + std::to_string(tables) +
               " tables dropped, the dump loaded)");
}

void restore_etc(const BackupSet& set, const Layout& layout, const fs::path& aside, Journal& journal) {
  if (fs::exists(layout.etc_dir)) {
    fs::create_directories(aside.parent_path());
    // mv, not rename(2): /var may be another file system than /etc.
    journal.detail(run_checked({"mv", "--no-target-directory", layout.etc_dir.string(), aside.string()}));
  }
  journal.detail(run_checked({"tar", "--extract", "--file", (set.dir / "etc.tar").string(), "--numeric-owner",
                              "--preserve-permissions", "--same-owner", "--xattrs", "--acls", "--directory", "/"}));
  journal.info("configuration: " + layout.etc_dir.string() + " put back (the failed release's kept in " +
               aside.string() + ")");
}

void prune_backups(const Layout& layout, std::size_t keep, Journal& journal) {
  std::vector<fs::path> dirs;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(layout.backups(), ec))
    if (e.is_directory()) dirs.push_back(e.path());
  std::sort(dirs.begin(), dirs.end());
  while (dirs.size() > keep) {
    fs::remove_all(dirs.front(), ec);
    journal.info("old backup " + dirs.front().filename().string() + " removed");
    dirs.erase(dirs.begin());
  }
}

}  // namespace portcullis::upgrade
