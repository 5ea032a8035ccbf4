// The numbered schema migrations of the store: one list shared by every backend, each step
// with its SQL text per dialect. A backend applies the missing steps in order, one
// transaction each, and records each applied version in the schema_version table (created by
// step 1). Steps are append-only: a released step is never edited, a change is a new step.
#pragma once
#include <string>
#include <vector>

namespace portcullis::store {

enum class Dialect { sqlite, mariadb };

struct Migration {
  int version;              // 1, 2, 3, ... without gaps
  std::string description;  // recorded in schema_version
  std::string sqlite;       // ';'-separated statements
  std::string mariadb;
  const std::string& sql(Dialect dialect) const { return dialect == Dialect::sqlite ? sqlite : mariadb; }
};

// All migrations, ordered by version.
const std::vector<Migration>& migrations();

// The version of the last migration: the schema this build expects.
int latest_version();

// The error text for a database that a newer build has migrated.
std::string newer_schema_message(int database_version, int build_version);

}  // namespace portcullis::store
