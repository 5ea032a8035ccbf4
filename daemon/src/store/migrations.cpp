#include "store/migrations.hpp"

#include <initializer_list>
#include <vector>

namespace portcullis::store {
namespace {

// Triggers that bump policy_serial on every change of the given policy tables, so a daemon
// polling the serial reloads policy.
std::string serial_triggers(Dialect dialect, std::initializer_list<const char*> tables) {
  std::string sql;
  for (const char* table : tables) {
    for (const auto& [event, suffix] : {std::pair{"INSERT", "ai"}, {"UPDATE", "au"}, {"DELETE", "ad"}}) {
      sql += dialect == Dialect::sqlite ? "CREATE TRIGGER " : "CREATE TRIGGER IF NOT EXISTS ";
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
// the backend, so plain binary comparison is the right collation in both dialects (on
// MariaDB utf8mb4_nopad_bin: like SQLite, 'a' and 'a ' are different keys).
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
)sql" + serial_triggers(Dialect::sqlite, {"settings", "domains", "recipients", "aliases", "alias_targets",
                                              "relaynets"});
}

// MariaDB: DDL commits implicitly there, so a failed step is not rolled back as a whole; each
// statement is written so the step can be re-run after the cause is fixed by hand (IF NOT
// EXISTS, an idempotent insert). Triggers run as their definer (the migrating account).
std::string v1_mariadb() {
  return R"sql(
CREATE TABLE IF NOT EXISTS schema_version (
  version     INT PRIMARY KEY,
  description VARCHAR(200) NOT NULL,
  applied_at  VARCHAR(32) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS policy_serial (
  id     INT PRIMARY KEY CHECK (id = 1),
  serial BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO policy_serial (id, serial) VALUES (1, 0) ON DUPLICATE KEY UPDATE id = id;
CREATE TABLE IF NOT EXISTS settings (
  `key` VARCHAR(190) PRIMARY KEY,
  value TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS domains (
  name             VARCHAR(255) PRIMARY KEY,
  destination_host VARCHAR(255) NOT NULL,
  destination_port INT NOT NULL CHECK (destination_port BETWEEN 1 AND 65535),
  recipient_mode   ENUM('all', 'specified') NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS recipients (
  address VARCHAR(320) PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS aliases (
  address VARCHAR(320) PRIMARY KEY
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS alias_targets (
  alias    VARCHAR(320) NOT NULL,
  position INT NOT NULL,
  target   VARCHAR(320) NOT NULL,
  PRIMARY KEY (alias, position),
  FOREIGN KEY (alias) REFERENCES aliases (address) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS relaynets (
  cidr VARCHAR(64) PRIMARY KEY,
  note TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
)sql" + serial_triggers(Dialect::mariadb, {"settings", "domains", "recipients", "aliases", "alias_targets",
                                               "relaynets"});
}

// Version 2: message log (tracking), greylist, auto-ban, IP ranges, admin users.
std::string v2_sqlite() {
  return R"sql(
CREATE TABLE messages (
  queue_id  TEXT PRIMARY KEY,
  received  INTEGER NOT NULL,
  client_ip TEXT NOT NULL,
  helo      TEXT NOT NULL,
  tls       TEXT NOT NULL,
  sender    TEXT NOT NULL,
  size      INTEGER NOT NULL,
  verdict   TEXT NOT NULL,
  score     REAL NOT NULL,
  symbols   TEXT NOT NULL,
  gateway   TEXT NOT NULL
);
CREATE INDEX messages_received ON messages (received);
CREATE INDEX messages_sender ON messages (sender);
CREATE TABLE message_rcpts (
  queue_id  TEXT NOT NULL REFERENCES messages (queue_id) ON DELETE CASCADE,
  position  INTEGER NOT NULL,
  recipient TEXT NOT NULL,
  status    TEXT NOT NULL,
  reply     TEXT NOT NULL,
  relay     TEXT NOT NULL,
  attempts  INTEGER NOT NULL,
  updated   INTEGER NOT NULL,
  PRIMARY KEY (queue_id, recipient)
);
CREATE INDEX message_rcpts_recipient ON message_rcpts (recipient);
CREATE TABLE greylist (
  client_net TEXT NOT NULL,
  sender     TEXT NOT NULL,
  recipient  TEXT NOT NULL,
  first_seen INTEGER NOT NULL,
  last_seen  INTEGER NOT NULL,
  passed     INTEGER NOT NULL,
  PRIMARY KEY (client_net, sender, recipient)
);
CREATE INDEX greylist_last_seen ON greylist (last_seen);
CREATE TABLE bans (
  ip      TEXT PRIMARY KEY,
  until   INTEGER NOT NULL,
  reason  TEXT NOT NULL,
  created INTEGER NOT NULL
);
CREATE TABLE ip_ranges (
  name     TEXT PRIMARY KEY,
  cidr     TEXT NOT NULL,
  priority INTEGER NOT NULL,
  action   TEXT NOT NULL CHECK (action IN ('allow', 'deny')),
  expires  INTEGER NOT NULL,
  note     TEXT NOT NULL
);
CREATE TABLE admin_users (
  name          TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),
  created       INTEGER NOT NULL
);
)sql" + serial_triggers(Dialect::sqlite, {"ip_ranges"});
}

std::string v2_mariadb() {
  return R"sql(
CREATE TABLE IF NOT EXISTS messages (
  queue_id  VARCHAR(32) PRIMARY KEY,
  received  BIGINT NOT NULL,
  client_ip VARCHAR(64) NOT NULL,
  helo      VARCHAR(255) NOT NULL,
  tls       VARCHAR(128) NOT NULL,
  sender    VARCHAR(320) NOT NULL,
  size      BIGINT UNSIGNED NOT NULL,
  verdict   VARCHAR(16) NOT NULL,
  score     DOUBLE NOT NULL,
  symbols   TEXT NOT NULL,
  gateway   VARCHAR(255) NOT NULL,
  INDEX messages_received (received),
  INDEX messages_sender (sender)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS message_rcpts (
  queue_id  VARCHAR(32) NOT NULL,
  position  INT NOT NULL,
  recipient VARCHAR(320) NOT NULL,
  status    VARCHAR(16) NOT NULL,
  reply     TEXT NOT NULL,
  relay     VARCHAR(300) NOT NULL,
  attempts  INT UNSIGNED NOT NULL,
  updated   BIGINT NOT NULL,
  PRIMARY KEY (queue_id, recipient),
  INDEX message_rcpts_recipient (recipient),
  FOREIGN KEY (queue_id) REFERENCES messages (queue_id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS greylist (
  client_net VARCHAR(64) NOT NULL,
  sender     VARCHAR(320) NOT NULL,
  recipient  VARCHAR(320) NOT NULL,
  first_seen BIGINT NOT NULL,
  last_seen  BIGINT NOT NULL,
  passed     INT UNSIGNED NOT NULL,
  PRIMARY KEY (client_net, sender, recipient),
  INDEX greylist_last_seen (last_seen)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS bans (
  ip      VARCHAR(64) PRIMARY KEY,
  until   BIGINT NOT NULL,
  reason  TEXT NOT NULL,
  created BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS ip_ranges (
  name     VARCHAR(190) PRIMARY KEY,
  cidr     VARCHAR(64) NOT NULL,
  priority INT NOT NULL,
  action   ENUM('allow', 'deny') NOT NULL,
  expires  BIGINT NOT NULL,
  note     TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS admin_users (
  name          VARCHAR(190) PRIMARY KEY,
  password_hash VARCHAR(512) NOT NULL,
  role          ENUM('admin', 'viewer') NOT NULL,
  created       BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
)sql" + serial_triggers(Dialect::mariadb, {"ip_ranges"});
}

// Version 3: key/value entries for the Lua rules' kv API.
std::string v3_sqlite() {
  return R"sql(
CREATE TABLE kv (
  k       TEXT PRIMARY KEY,
  value   TEXT NOT NULL,
  expires INTEGER NOT NULL DEFAULT 0,
  updated INTEGER NOT NULL
);
CREATE INDEX kv_expires ON kv (expires);
)sql";
}

std::string v3_mariadb() {
  return R"sql(
CREATE TABLE IF NOT EXISTS kv (
  k       VARBINARY(255) PRIMARY KEY,
  value   MEDIUMBLOB NOT NULL,
  expires BIGINT NOT NULL DEFAULT 0,
  updated BIGINT NOT NULL,
  KEY kv_expires (expires)
) ENGINE=InnoDB;
)sql";
}

// Version 4: outbound TLS policies per destination domain; the TLS of each delivery.
std::string v4_sqlite() {
  return R"sql(
CREATE TABLE tls_policies (
  domain      TEXT PRIMARY KEY,
  mode        TEXT NOT NULL CHECK (mode IN ('none', 'may', 'encrypt', 'verify')),
  match_names TEXT NOT NULL,
  note        TEXT NOT NULL
);
ALTER TABLE message_rcpts ADD COLUMN tls TEXT NOT NULL DEFAULT '';
)sql" + serial_triggers(Dialect::sqlite, {"tls_policies"});
}

std::string v4_mariadb() {
  return R"sql(
CREATE TABLE IF NOT EXISTS tls_policies (
  domain      VARCHAR(255) PRIMARY KEY,
  mode        ENUM('none', 'may', 'encrypt', 'verify') NOT NULL,
  match_names TEXT NOT NULL,
  note        TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
ALTER TABLE message_rcpts ADD COLUMN IF NOT EXISTS tls VARCHAR(128) NOT NULL DEFAULT '';
)sql" + serial_triggers(Dialect::mariadb, {"tls_policies"});
}

// Version 5: an index for the active-ban listing and the ban sweep (WHERE until > now).
std::string v5_sqlite() { return "CREATE INDEX bans_until ON bans (until);\n"; }
std::string v5_mariadb() { return "CREATE INDEX IF NOT EXISTS bans_until ON bans (until);\n"; }

// Version 6: DKIM signing keys (policy: the daemon signs with the active ones) and DMARC
// aggregate report rows (state: one per message a DMARC record applied to; no serial trigger).
// The report rows have a surrogate key: InnoDB (and Galera) want a primary key, and it keeps
// the order rows of one second were recorded in.
std::string v6_sqlite() {
  return R"sql(
CREATE TABLE dkim_keys (
  domain      TEXT NOT NULL,
  selector    TEXT NOT NULL,
  algorithm   TEXT NOT NULL CHECK (algorithm IN ('rsa-sha256', 'ed25519-sha256')),
  private_pem TEXT NOT NULL,
  public_txt  TEXT NOT NULL,
  active      INTEGER NOT NULL CHECK (active IN (0, 1)),
  created     INTEGER NOT NULL,
  PRIMARY KEY (domain, selector)
);
CREATE TABLE dmarc_rows (
  id            INTEGER PRIMARY KEY,
  received      INTEGER NOT NULL,
  queue_id      TEXT NOT NULL,
  source_ip     TEXT NOT NULL,
  header_from   TEXT NOT NULL,
  envelope_from TEXT NOT NULL,
  policy_domain TEXT NOT NULL,
  published     TEXT NOT NULL,
  disposition   TEXT NOT NULL CHECK (disposition IN ('none', 'quarantine', 'reject')),
  dmarc         TEXT NOT NULL CHECK (dmarc IN ('pass', 'fail')),
  spf_domain    TEXT NOT NULL,
  spf_result    TEXT NOT NULL,
  dkim          TEXT NOT NULL,
  reason        TEXT NOT NULL
);
CREATE INDEX dmarc_rows_domain_received ON dmarc_rows (policy_domain, received);
CREATE INDEX dmarc_rows_received ON dmarc_rows (received);
)sql" + serial_triggers(Dialect::sqlite, {"dkim_keys"});
}

std::string v6_mariadb() {
  return R"sql(
CREATE TABLE IF NOT EXISTS dkim_keys (
  domain      VARCHAR(255) NOT NULL,
  selector    VARCHAR(255) NOT NULL,
  algorithm   ENUM('rsa-sha256', 'ed25519-sha256') NOT NULL,
  private_pem TEXT NOT NULL,
  public_txt  TEXT NOT NULL,
  active      BOOLEAN NOT NULL,
  created     BIGINT NOT NULL,
  PRIMARY KEY (domain, selector)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS dmarc_rows (
  id            BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY,
  received      BIGINT NOT NULL,
  queue_id      VARCHAR(64) NOT NULL,
  source_ip     VARCHAR(64) NOT NULL,
  header_from   VARCHAR(255) NOT NULL,
  envelope_from VARCHAR(255) NOT NULL,
  policy_domain VARCHAR(255) NOT NULL,
  published     VARCHAR(255) NOT NULL,
  disposition   ENUM('none', 'quarantine', 'reject') NOT NULL,
  dmarc         ENUM('pass', 'fail') NOT NULL,
  spf_domain    VARCHAR(255) NOT NULL,
  spf_result    VARCHAR(16) NOT NULL,
  dkim          TEXT NOT NULL,
  reason        VARCHAR(255) NOT NULL,
  INDEX dmarc_rows_domain_received (policy_domain, received),
  INDEX dmarc_rows_received (received)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
)sql" + serial_triggers(Dialect::mariadb, {"dkim_keys"});
}

// Version 7: spam and malware policies with their assignments, DNSBL zones (policy: serial
// triggers), the quarantine index and the digest settings (state: none), and an index for the
// greylist sweep of entries never passed (first_seen). The score thresholds' order (tag <=
// quarantine <= reject) is checked by the store (store/spam_rules.hpp), not by SQL: a threshold
// above 1000 is "off" and exempt from it. A policy still assigned cannot be removed (the
// foreign key restricts; the store says which targets use it).
std::string v7_sqlite() {
  return R"sql(
CREATE TABLE spam_policies (
  name              TEXT PRIMARY KEY,
  tag_score         REAL NOT NULL DEFAULT 5.0,
  quarantine_score  REAL NOT NULL DEFAULT 10.0,
  reject_score      REAL NOT NULL DEFAULT 15.0,
  subject_tag       TEXT NOT NULL DEFAULT '[SPAM]',
  virus_action      TEXT NOT NULL DEFAULT 'reject' CHECK (virus_action IN ('reject', 'quarantine', 'discard')),
  attachment_action TEXT NOT NULL DEFAULT 'reject'
                    CHECK (attachment_action IN ('reject', 'remove', 'quarantine', 'off')),
  greylisting       INTEGER NOT NULL DEFAULT 0 CHECK (greylisting IN (0, 1)),
  spam_scan         INTEGER NOT NULL DEFAULT 1 CHECK (spam_scan IN (0, 1)),
  virus_scan        INTEGER NOT NULL DEFAULT 1 CHECK (virus_scan IN (0, 1)),
  scanner_failure   TEXT NOT NULL DEFAULT 'tempfail' CHECK (scanner_failure IN ('tempfail', 'accept')),
  note              TEXT NOT NULL DEFAULT ''
);
CREATE TABLE spam_policy_targets (
  target TEXT PRIMARY KEY,
  policy TEXT NOT NULL REFERENCES spam_policies (name)
);
CREATE INDEX spam_policy_targets_policy ON spam_policy_targets (policy);
CREATE TABLE dnsbl_zones (
  zone   TEXT PRIMARY KEY,
  expect TEXT NOT NULL DEFAULT '',
  action TEXT NOT NULL CHECK (action IN ('block', 'score')),
  score  REAL NOT NULL DEFAULT 0,
  stage  TEXT NOT NULL DEFAULT 'connect' CHECK (stage IN ('connect', 'rcpt')),
  note   TEXT NOT NULL DEFAULT ''
);
CREATE TABLE quarantine (
  id        TEXT NOT NULL,
  recipient TEXT NOT NULL,
  received  INTEGER NOT NULL,
  sender    TEXT NOT NULL,
  subject   TEXT NOT NULL,
  reason    TEXT NOT NULL,
  score     REAL NOT NULL,
  size      INTEGER NOT NULL,
  gateway   TEXT NOT NULL,
  expires   INTEGER NOT NULL,
  PRIMARY KEY (id, recipient)
);
CREATE INDEX quarantine_recipient ON quarantine (recipient);
CREATE INDEX quarantine_expires ON quarantine (expires);
CREATE INDEX quarantine_received ON quarantine (received);
CREATE TABLE quarantine_digests (
  recipient TEXT PRIMARY KEY,
  frequency TEXT NOT NULL CHECK (frequency IN ('off', 'daily', 'weekly')),
  last_sent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX greylist_first_seen ON greylist (first_seen);
)sql" + serial_triggers(Dialect::sqlite, {"spam_policies", "spam_policy_targets", "dnsbl_zones"});
}

std::string v7_mariadb() {
  return R"sql(
CREATE TABLE IF NOT EXISTS spam_policies (
  name              VARCHAR(64) PRIMARY KEY,
  tag_score         DOUBLE NOT NULL DEFAULT 5.0,
  quarantine_score  DOUBLE NOT NULL DEFAULT 10.0,
  reject_score      DOUBLE NOT NULL DEFAULT 15.0,
  subject_tag       VARCHAR(64) NOT NULL DEFAULT '[SPAM]',
  virus_action      ENUM('reject', 'quarantine', 'discard') NOT NULL DEFAULT 'reject',
  attachment_action ENUM('reject', 'remove', 'quarantine', 'off') NOT NULL DEFAULT 'reject',
  greylisting       BOOLEAN NOT NULL DEFAULT 0,
  spam_scan         BOOLEAN NOT NULL DEFAULT 1,
  virus_scan        BOOLEAN NOT NULL DEFAULT 1,
  scanner_failure   ENUM('tempfail', 'accept') NOT NULL DEFAULT 'tempfail',
  note              TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS spam_policy_targets (
  target VARCHAR(320) PRIMARY KEY,
  policy VARCHAR(64) NOT NULL,
  INDEX spam_policy_targets_policy (policy),
  FOREIGN KEY (policy) REFERENCES spam_policies (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS dnsbl_zones (
  zone   VARCHAR(255) PRIMARY KEY,
  expect VARCHAR(255) NOT NULL DEFAULT '',
  action ENUM('block', 'score') NOT NULL,
  score  DOUBLE NOT NULL DEFAULT 0,
  stage  ENUM('connect', 'rcpt') NOT NULL DEFAULT 'connect',
  note   TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS quarantine (
  id        VARCHAR(64) NOT NULL,
  recipient VARCHAR(320) NOT NULL,
  received  BIGINT NOT NULL,
  sender    VARCHAR(320) NOT NULL,
  subject   VARCHAR(255) NOT NULL,
  reason    VARCHAR(255) NOT NULL,
  score     DOUBLE NOT NULL,
  size      BIGINT UNSIGNED NOT NULL,
  gateway   VARCHAR(255) NOT NULL,
  expires   BIGINT NOT NULL,
  PRIMARY KEY (id, recipient),
  INDEX quarantine_recipient (recipient),
  INDEX quarantine_expires (expires),
  INDEX quarantine_received (received)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE TABLE IF NOT EXISTS quarantine_digests (
  recipient VARCHAR(320) PRIMARY KEY,
  frequency ENUM('off', 'daily', 'weekly') NOT NULL,
  last_sent BIGINT NOT NULL DEFAULT 0
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin;
CREATE INDEX IF NOT EXISTS greylist_first_seen ON greylist (first_seen);
)sql" + serial_triggers(Dialect::mariadb, {"spam_policies", "spam_policy_targets", "dnsbl_zones"});
}

// Test builds only (CMake options, see daemon/CMakeLists.txt): PORTCULLIS_SCHEMA_LIMIT=N builds
// the previous release's schema (the boot test's version N-1); PORTCULLIS_FAULT_MIGRATION=N
// makes migration N fail half-way, after its own statements ran, so the upgrade's rollback
// is tested against a really half-migrated database.
void apply_test_options([[maybe_unused]] std::vector<Migration>& list) {
#ifdef PORTCULLIS_SCHEMA_LIMIT
  std::erase_if(list, [](const Migration& m) { return m.version > PORTCULLIS_SCHEMA_LIMIT; });
#endif
#ifdef PORTCULLIS_FAULT_MIGRATION
  for (Migration& m : list) {
    if (m.version != PORTCULLIS_FAULT_MIGRATION) continue;
    m.sqlite += "SELECT injected_fault FROM portcullis_injected_fault;\n";
    m.mariadb += "SELECT injected_fault FROM portcullis_injected_fault;\n";
  }
#endif
}

std::vector<Migration> build() {
  std::vector<Migration> list;
  list.push_back({1, "policy tables: settings, domains, recipients, aliases, relay networks", v1_sqlite(),
                  v1_mariadb()});
  list.push_back({2, "message log, greylist, bans, IP ranges, admin users", v2_sqlite(), v2_mariadb()});
  list.push_back({3, "key/value store for Lua rules", v3_sqlite(), v3_mariadb()});
  list.push_back({4, "outbound TLS policies; TLS of each delivery", v4_sqlite(), v4_mariadb()});
  list.push_back({5, "index for ban expiry", v5_sqlite(), v5_mariadb()});
  list.push_back({6, "DKIM signing keys; DMARC aggregate report rows", v6_sqlite(), v6_mariadb()});
  list.push_back({7, "spam and malware policies; DNSBL zones; quarantine index", v7_sqlite(), v7_mariadb()});
  apply_test_options(list);
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
