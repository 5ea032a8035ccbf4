#include "store/migrations.hpp"

namespace portcullis::store {
namespace {

// The tables whose every change bumps policy_serial, so a daemon polling it reloads policy.
constexpr const char* policy_tables[] = {"settings", "domains", "recipients", "aliases", "alias_targets",
                                         "relaynets"};

std::string serial_triggers(Dialect dialect) {
  std::string sql;
  for (const char* table : policy_tables) {
    for (const auto& [event, suffix] : {std::pair{"INSERT", "ai"}, {"UPDATE", "au"}, {"DELETE", "ad"}}) {
      sql += "CREATE TRIGGER ";
      sql += std::string(table) + "_" + suffix + "_serial AFTER " + event + " ON " + table;
      if (dialect == Dialect::sqlite)
        sql += " BEGIN UPDATE policy_serial SET serial = serial + 1 WHERE id = 1; END;\n";
      else
        sql += " FOR EACH ROW UPDATE policy_serial SET serial = serial + 1 WHERE id = 1;\n";
    }
  }
  return sql;
}

// Version 1: policy tables. Keys (domain names, addresses, CIDRs) are stored lower-case by
// the backend, so plain binary comparison is the right collation in both dialects.
std::string v1_sqlite() {
  return R"sql(
CREATE TABLE schema_version (
  version     INTEGER PRIMARY KEY,
  description TEXT NOT NULL,
  applied_at  TEXT NOT NULL
);
CREATE TABLE policy_serial (
  id     INTEGER PRIMARY KEY CHECK (id = 1),
  serial INTEGER NOT NULL
);
INSERT INTO policy_serial (id, serial) VALUES (1, 0);
CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE domains (
  name             TEXT PRIMARY KEY,
  destination_host TEXT NOT NULL,
  destination_port INTEGER NOT NULL CHECK (destination_port BETWEEN 1 AND 65535),
  recipient_mode   TEXT NOT NULL CHECK (recipient_mode IN ('all', 'specified'))
);
CREATE TABLE recipients (
  address TEXT PRIMARY KEY
);
CREATE TABLE aliases (
  address TEXT PRIMARY KEY
);
CREATE TABLE alias_targets (
  alias    TEXT NOT NULL REFERENCES aliases (address) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  target   TEXT NOT NULL,
  PRIMARY KEY (alias, position)
);
CREATE TABLE relaynets (
  cidr TEXT PRIMARY KEY,
  note TEXT NOT NULL DEFAULT ''
);
)sql" + serial_triggers(Dialect::sqlite);
}

// MariaDB: DDL commits implicitly there, so a failed step is not rolled back as a whole; each
// statement is written so the step can be re-run after the cause is fixed by hand.
std::string v1_mariadb() {
  return R"sql(
CREATE TABLE schema_version (
  version     INT PRIMARY KEY,
  description VARCHAR(200) NOT NULL,
  applied_at  VARCHAR(32) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE policy_serial (
  id     INT PRIMARY KEY CHECK (id = 1),
  serial BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO policy_serial (id, serial) VALUES (1, 0);
CREATE TABLE settings (
  `key` VARCHAR(190) PRIMARY KEY,
  value TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE domains (
  name             VARCHAR(255) PRIMARY KEY,
  destination_host VARCHAR(255) NOT NULL,
  destination_port INT NOT NULL CHECK (destination_port BETWEEN 1 AND 65535),
  recipient_mode   ENUM('all', 'specified') NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE recipients (
  address VARCHAR(320) PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE aliases (
  address VARCHAR(320) PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE alias_targets (
  alias    VARCHAR(320) NOT NULL,
  position INT NOT NULL,
  target   VARCHAR(320) NOT NULL,
  PRIMARY KEY (alias, position),
  FOREIGN KEY (alias) REFERENCES aliases (address) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE relaynets (
  cidr VARCHAR(64) PRIMARY KEY,
  note TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
)sql" + serial_triggers(Dialect::mariadb);
}

std::vector<Migration> build() {
  std::vector<Migration> list;
  list.push_back({1, "policy tables: settings, domains, recipients, aliases, relay networks", v1_sqlite(),
                  v1_mariadb()});
  return list;
}

}  // namespace

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> list = build();
  return list;
}

int latest_version() { return migrations().empty() ? 0 : migrations().back().version; }

std::string newer_schema_message(int database_version, int build_version) {
  return "database schema version " + std::to_string(database_version) + " is newer than this build (" +
         std::to_string(build_version) + ")";
}

}  // namespace portcullis::store
