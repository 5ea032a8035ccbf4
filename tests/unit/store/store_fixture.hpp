// The backend-independent store test fixture. Each backend supplies a factory type:
//   Factory()                     prepares a fresh, empty database for one test
//   std::unique_ptr<Store> open() a new connection to that database (call it twice to get
//                                 two independent connections, as two processes would have)
//   void execute(sql)             raw SQL on that database (tests that tamper with the schema)
//   static constexpr const char* name
//   static constexpr Dialect dialect  the SQL dialect of migrations() it runs
// and is added to `Backends` below: SQLite (a file in a temporary folder) and MariaDB (a
// database of its own on the test process's private server, see mariadb_server.hpp).
#pragma once
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "mariadb_server.hpp"
#include "store/migrations.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace portcullis::store::testing {

// A temporary directory removed with everything in it at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "portcullis-store-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

class SqliteFactory {
 public:
  static constexpr const char* name = "sqlite";
  static constexpr Dialect dialect = Dialect::sqlite;
  std::unique_ptr<Store> open() { return open_store("sqlite:" + file().string()); }
  void execute(const std::string& sql) {
    sqlite::Connection connection(file().string());
    connection.set_busy_timeout(5000);
    connection.exec(sql);
  }
  std::filesystem::path file() const { return dir_.path() / "portcullis.db"; }

 private:
  TempDir dir_;
};

// A fresh database "test_N" on this process's MariaDB server, dropped at the end of the test.
// open() goes through open_store() with the URI and the password file, as the daemon does.
class MariadbFactory {
 public:
  static constexpr const char* name = "mariadb";
  static constexpr Dialect dialect = Dialect::mariadb;
  MariadbFactory() : server_(MariadbServer::instance()), database_(server_.create_database()) {}
  ~MariadbFactory() { server_.drop_database(database_); }
  MariadbFactory(const MariadbFactory&) = delete;
  MariadbFactory& operator=(const MariadbFactory&) = delete;
  std::unique_ptr<Store> open() { return open_store(uri(), server_.password_file().string()); }
  void execute(const std::string& sql) { server_.execute(database_, sql); }
  std::string uri() const { return server_.uri(database_); }
  const std::string& database() const { return database_; }
  MariadbServer& server() { return server_; }

 private:
  MariadbServer& server_;
  std::string database_;
};

using Backends = ::testing::Types<SqliteFactory, MariadbFactory>;

struct BackendNames {
  template <typename Factory>
  static std::string GetName(int) {
    return Factory::name;
  }
};

// A fresh store, not migrated (schema tests).
template <typename Factory>
class FreshStoreTest : public ::testing::Test {
 protected:
  Factory factory;
  std::unique_ptr<Store> store = factory.open();
};

// A fresh store, migrated to the latest schema.
template <typename Factory>
class StoreTest : public FreshStoreTest<Factory> {
 protected:
  void SetUp() override { this->store->migrate(); }
};

// Runs `fn`, expecting a StoreError whose message contains `part`.
template <typename Fn>
::testing::AssertionResult throws_store_error(Fn&& fn, const std::string& part) {
  try {
    fn();
  } catch (const StoreError& e) {
    if (std::string(e.what()).find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "StoreError \"" << e.what() << "\" does not contain \"" << part
                                         << "\"";
  }
  return ::testing::AssertionFailure() << "no StoreError thrown (expected \"" << part << "\")";
}

}  // namespace portcullis::store::testing
