// What is specific to the SQLite backend: URIs, pragmas, locking, the RAII wrapper.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "store/sqlite/db.hpp"
#include "store_fixture.hpp"

namespace portcullis::store::testing {
namespace {

std::string error_of(const std::string& uri) {
  try {
    open_store(uri);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(OpenStore, SqliteCreatesTheFile) {
  TempDir dir;
  const auto file = dir.path() / "p.db";
  auto s = open_store("sqlite:" + file.string());
  EXPECT_TRUE(std::filesystem::exists(file));
  EXPECT_EQ(s->schema_version(), 0);
  s->migrate();
  EXPECT_EQ(s->schema_version(), s->latest_schema_version());
}

TEST(OpenStore, InMemory) {
  auto s = open_store("sqlite::memory:");
  s->migrate();
  s->add_domain({"example.org", "mx", 25, RecipientMode::all});
  EXPECT_EQ(s->list_domains().size(), 1u);
}

TEST(OpenStore, MissingDirectoryIsAClearError) {
  TempDir dir;
  const auto file = dir.path() / "no" / "such" / "p.db";
  const auto message = error_of("sqlite:" + file.string());
  EXPECT_NE(message.find("directory " + (dir.path() / "no" / "such").string() + " does not exist"),
            std::string::npos)
      << message;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "no"));  // nothing was created
}

TEST(OpenStore, PathIsADirectory) {
  TempDir dir;
  EXPECT_NE(error_of("sqlite:" + dir.path().string()).find("is a directory"), std::string::npos);
}

TEST(OpenStore, SchemesAndSyntax) {
  EXPECT_NE(error_of("postgres://localhost/db").find("unsupported store URI 'postgres://localhost/db'"),
            std::string::npos);
  EXPECT_NE(error_of("/var/lib/portcullis/portcullis.db").find("unsupported store URI"), std::string::npos);
  EXPECT_NE(error_of("sqlite:").find("has no path"), std::string::npos);
}

TEST(OpenStore, NotADatabase) {
  TempDir dir;
  const auto file = dir.path() / "garbage.db";
  std::ofstream(file) << std::string(4096, 'x');
  try {
    auto s = open_store("sqlite:" + file.string());
    s->migrate();
    FAIL() << "a garbage file was accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("not a database"), std::string::npos) << e.what();
  }
}

TEST(SqliteStore, UsesWalJournal) {
  SqliteFactory factory;
  factory.open()->migrate();
  sqlite::Connection raw(factory.file().string());
  sqlite::Statement st(raw, "PRAGMA journal_mode");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.text(0), "wal");
}

TEST(SqliteStore, ForeignKeysCascadeAliasTargets) {
  SqliteFactory factory;
  auto s = factory.open();
  s->migrate();
  s->add_alias({"info@example.org", {"a@example.org", "b@example.org"}});
  s->remove_alias("info@example.org");
  sqlite::Connection raw(factory.file().string());
  sqlite::Statement st(raw, "SELECT COUNT(*) FROM alias_targets");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 0);
}

TEST(SqliteStore, WriterWaitsForAnotherWritersTransaction) {
  SqliteFactory factory;
  auto s = factory.open();
  s->migrate();
  sqlite::Connection other(factory.file().string());
  auto lock = std::make_unique<sqlite::Transaction>(other);  // holds the write lock
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    lock->commit();
  });
  const auto start = std::chrono::steady_clock::now();
  s->add_domain({"example.org", "mx", 25, RecipientMode::all});  // waits (busy_timeout), then succeeds
  const auto waited = std::chrono::steady_clock::now() - start;
  release.join();
  EXPECT_GE(waited, std::chrono::milliseconds(200));
  EXPECT_TRUE(s->find_domain("example.org"));
}

TEST(SqliteStore, MigrateOfACurrentSchemaTakesNoWriteLock) {
  SqliteFactory factory;
  auto s = factory.open();
  s->migrate();
  sqlite::Connection other(factory.file().string());
  sqlite::Transaction lock(other);  // another writer holds the lock for the whole test
  const auto start = std::chrono::steady_clock::now();
  s->migrate();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(s->list_domains().size(), 0u);  // reads go on too (WAL)
}

TEST(SqliteStore, ConcurrentMigrateAppliesOnce) {
  SqliteFactory factory;
  auto a = factory.open();
  auto b = factory.open();
  std::thread t([&] { a->migrate(); });
  b->migrate();
  t.join();
  EXPECT_EQ(a->schema_version(), a->latest_schema_version());
  sqlite::Connection raw(factory.file().string());
  sqlite::Statement st(raw, "SELECT COUNT(*) FROM schema_version");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), a->latest_schema_version());
}

// ---- the RAII wrapper ----

TEST(SqliteDb, TransactionRollsBackUnlessCommitted) {
  TempDir dir;
  sqlite::Connection db((dir.path() / "t.db").string());
  db.exec("CREATE TABLE t (x INTEGER PRIMARY KEY)");
  {
    sqlite::Transaction tx(db);
    db.exec("INSERT INTO t VALUES (1)");
  }
  {
    sqlite::Transaction tx(db, sqlite::Transaction::Mode::deferred);
    db.exec("INSERT INTO t VALUES (2)");
    tx.commit();
  }
  sqlite::Statement st(db, "SELECT x FROM t");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 2);
  EXPECT_FALSE(st.step());
}

TEST(SqliteDb, StatementBindsAndReportsConstraints) {
  TempDir dir;
  sqlite::Connection db((dir.path() / "t.db").string());
  db.exec("CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER, n TEXT)");
  sqlite::Statement insert(db, "INSERT INTO t (k, v, n) VALUES (?1, ?2, ?3)");
  insert.bind_all(std::string("a"), 42).bind_null(3).run();
  EXPECT_EQ(db.changes(), 1);
  insert.reset();
  insert.bind_all(std::string("a"), 43);
  try {
    insert.run();
    FAIL() << "duplicate key accepted";
  } catch (const sqlite::SqliteError& e) {
    EXPECT_TRUE(e.is_constraint());
    EXPECT_TRUE(e.is_duplicate_key());
  }
  sqlite::Statement select(db, "SELECT k, v, n FROM t");
  ASSERT_TRUE(select.step());
  EXPECT_EQ(select.text(0), "a");
  EXPECT_EQ(select.integer(1), 42);
  EXPECT_TRUE(select.is_null(2));
  EXPECT_THROW(sqlite::Statement(db, "SELECT nonsense FROM"), sqlite::SqliteError);
  EXPECT_TRUE(db.table_exists("t"));
  EXPECT_FALSE(db.table_exists("u"));
}

}  // namespace
}  // namespace portcullis::store::testing
