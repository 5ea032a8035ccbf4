// What is specific to the MariaDB backend: URIs, the password file, lost connections and a
// server that goes away and comes back, concurrency, bounded waits, MariaDB's DDL.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <thread>

#include "store/mariadb/connection.hpp"
#include "store/mariadb/uri.hpp"
#include "store/migrations.hpp"
#include "store_fixture.hpp"

namespace portcullis::store::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string uri_error(const std::string& uri) {
  try {
    mariadb::parse_uri(uri);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string open_error(const std::string& uri, const std::string& password_file) {
  try {
    open_store(uri, password_file);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "(no error)";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// ---- URIs ----

TEST(MariadbUri, TcpForms) {
  auto u = mariadb::parse_uri("mariadb://portcullis@db.internal/portcullis");
  EXPECT_EQ(u.user, "portcullis");
  EXPECT_EQ(u.host, "db.internal");
  EXPECT_EQ(u.port, 3306);
  EXPECT_EQ(u.socket, "");
  EXPECT_EQ(u.database, "portcullis");
  EXPECT_EQ(u.describe(), "portcullis@db.internal:3306/portcullis");
  u = mariadb::parse_uri("mariadb://gw_1@192.0.2.5:3307/mail_db");
  EXPECT_EQ(u.host, "192.0.2.5");
  EXPECT_EQ(u.port, 3307);
  EXPECT_EQ(u.database, "mail_db");
  u = mariadb::parse_uri("mariadb://p@[2001:db8::5]:3308/db");
  EXPECT_EQ(u.host, "2001:db8::5");
  EXPECT_EQ(u.port, 3308);
  EXPECT_EQ(u.describe(), "p@[2001:db8::5]:3308/db");
  u = mariadb::parse_uri("mariadb://p@[::1]/db");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 3306);
}

TEST(MariadbUri, SocketForm) {
  const auto u = mariadb::parse_uri("mariadb://portcullis@unix:/run/mysqld/mysqld.sock/portcullis");
  EXPECT_EQ(u.user, "portcullis");
  EXPECT_EQ(u.host, "");
  EXPECT_EQ(u.port, 0);
  EXPECT_EQ(u.socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(u.database, "portcullis");
  EXPECT_EQ(u.describe(), "portcullis@unix:/run/mysqld/mysqld.sock/portcullis");
}

TEST(MariadbUri, BadFormsSayWhatIsWrong) {
  const std::pair<const char*, const char*> cases[] = {
      {"mariadb:/p@h/db", "does not start with mariadb://"},
      {"mariadb://db.internal/portcullis", "missing USER@"},
      {"mariadb://@db.internal/portcullis", "the user name is empty"},
      {"mariadb://p:secret@db.internal/portcullis", "a password does not belong in the URI"},
      {"mariadb://p@db.internal", "missing /DB"},
      {"mariadb://p@db.internal/", "the database name is empty"},
      {"mariadb://p@db.internal/a/b", "contains '/'"},
      {"mariadb://p@db.internal/my db", "has characters other than"},
      {"mariadb://p@/portcullis", "the host is empty"},
      {"mariadb://p@:3306/portcullis", "the host is empty"},
      {"mariadb://p@db.internal:/portcullis", "the port is empty"},
      {"mariadb://p@db.internal:0/portcullis", "the port '0' is not a number 1-65535"},
      {"mariadb://p@db.internal:65536/portcullis", "the port '65536' is not a number 1-65535"},
      {"mariadb://p@db.internal:99999999999/portcullis", "is not a number 1-65535"},
      {"mariadb://p@db.internal:x/portcullis", "the port 'x' is not a number"},
      {"mariadb://p@2001:db8::5/portcullis", "must be written in brackets"},
      {"mariadb://p@[2001:db8::5/portcullis", "unterminated [IPv6] address"},
      {"mariadb://p@[db.internal]/portcullis", "is not an IPv6 address"},
      {"mariadb://p@[::1]x/portcullis", "unexpected text after the [IPv6] address"},
      {"mariadb://p@db;drop/portcullis", "is not a host name or an IP address"},
      {"mariadb://p@unix:run/mysqld.sock/portcullis", "the socket path must be absolute"},
      {"mariadb://p@unix:/portcullis", "missing the socket path or the database"},
      {"mariadb://p@unix:/run/mysqld/mysqld.sock", "is /DB missing after the socket path?"},
      {"mariadb://p@unix:/run/mysqld/mysqld.sock/", "the database name is empty"},
      {"mariadb://p@db.internal/portcullis?ssl=1", "query strings and fragments are not supported"},
  };
  for (const auto& [uri, part] : cases) {
    const std::string message = uri_error(uri);
    EXPECT_TRUE(contains(message, part)) << uri << " -> " << message;
    EXPECT_TRUE(contains(message, std::string("MariaDB store URI '") + uri + "'")) << message;
    EXPECT_TRUE(contains(message, "expected mariadb://USER@HOST[:PORT]/DB")) << message;
  }
}

TEST(MariadbUri, OpenStoreReportsUriErrorsBeforeTouchingTheFile) {
  EXPECT_TRUE(contains(open_error("mariadb://p@db.internal", "/nonexistent/password"), "missing /DB"));
}

// ---- opening: password file, credentials ----

TEST(MariadbOpen, PasswordFileErrors) {
  auto& server = MariadbServer::instance();
  const std::string uri = server.uri("mysql");
  TempDir dir;
  const auto missing = (dir.path() / "nope").string();
  EXPECT_EQ(open_error(uri, missing),
            "cannot read the MariaDB password file " + missing + ": No such file or directory");
  EXPECT_EQ(open_error(uri, dir.path().string()),
            "cannot read the MariaDB password file " + dir.path().string() + ": it is a directory");
  if (geteuid() != 0) {  // root reads any file
    const auto unreadable = dir.path() / "unreadable";
    std::ofstream(unreadable) << "x\n";
    std::filesystem::permissions(unreadable, std::filesystem::perms::none);
    EXPECT_TRUE(contains(open_error(uri, unreadable.string()), "Permission denied"));
  }
}

TEST(MariadbOpen, WrongOrMissingPasswordIsAccessDenied) {
  MariadbFactory factory;
  TempDir dir;
  const auto wrong = dir.path() / "wrong";
  std::ofstream(wrong) << "not-the-password\n";
  std::string message = open_error(factory.uri(), wrong.string());
  EXPECT_TRUE(contains(message, "database unavailable: cannot connect to portcullis@unix:")) << message;
  EXPECT_TRUE(contains(message, "Access denied")) << message;
  EXPECT_FALSE(contains(message, "not-the-password")) << message;
  message = open_error(factory.uri(), "");  // no file: no password
  EXPECT_TRUE(contains(message, "Access denied")) << message;
}

TEST(MariadbOpen, PasswordFileFirstLineOnly) {
  MariadbFactory factory;
  TempDir dir;
  const auto file = dir.path() / "password";
  std::ofstream(file) << factory.server().password() << "\r\nsecond line is ignored\n";
  auto s = open_store(factory.uri(), file.string());
  s->migrate();
  EXPECT_EQ(s->schema_version(), latest_version());
  std::ofstream(file, std::ios::trunc) << factory.server().password();  // no newline at all
  EXPECT_NO_THROW(open_store(factory.uri(), file.string()));
}

TEST(MariadbOpen, UnknownDatabaseOrSocket) {
  auto& server = MariadbServer::instance();
  std::string message = open_error(server.uri("test_nonexistent"), server.password_file().string());
  EXPECT_TRUE(contains(message, "database unavailable")) << message;
  EXPECT_TRUE(contains(message, "test_nonexistent")) << message;
  TempDir dir;
  const auto start = Clock::now();
  message = open_error("mariadb://portcullis@unix:" + (dir.path() / "no.sock").string() + "/db", "");
  EXPECT_TRUE(contains(message, "database unavailable: cannot connect to portcullis@unix:")) << message;
  EXPECT_LT(Clock::now() - start, 2s);
}

// ---- lost connections ----

template <typename Fn>
std::chrono::milliseconds time_of(Fn&& fn) {
  const auto start = Clock::now();
  fn();
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
}

TEST(MariadbRecovery, KilledConnectionsAreReplacedTransparently) {
  MariadbFactory factory;
  auto s = factory.open();
  s->migrate();
  s->add_domain({"example.org", "mx", 25, RecipientMode::all});
  const auto before = factory.server().connection_ids(factory.database());
  ASSERT_FALSE(before.empty());
  for (auto id : before) factory.server().execute_as_root("KILL CONNECTION " + std::to_string(id));
  // A read on a dead connection is retried once on a fresh one.
  EXPECT_EQ(s->list_domains().size(), 1u);
  for (auto id : factory.server().connection_ids(factory.database()))
    factory.server().execute_as_root("KILL CONNECTION " + std::to_string(id));
  // A write that must not run twice pings first, so a connection that died idle never sees it.
  s->add_domain({"example.net", "mx", 25, RecipientMode::all});
  EXPECT_EQ(s->list_domains().size(), 2u);
  for (auto id : factory.server().connection_ids(factory.database())) {
    EXPECT_TRUE(std::find(before.begin(), before.end(), id) == before.end()) << id;
    factory.server().execute_as_root("KILL CONNECTION " + std::to_string(id));
  }
  s->log_message(MessageRecord{"Q1", 1, "192.0.2.1", "h", "", "a@b.example", 1, "accept", 0, "", "gw", {}});
  EXPECT_EQ(s->search_messages({}).size(), 1u);
}

// Restarts the server at the end of a test that stopped it, whatever happened.
struct RestartAtEnd {
  MariadbServer& server;
  ~RestartAtEnd() {
    try {
      server.start();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "cannot restart the server: " << e.what();
    }
  }
};

TEST(MariadbRecovery, ServerGoneFailsFastAndTheSameStoreRecovers) {
  MariadbFactory factory;
  auto s = factory.open();
  s->migrate();
  s->add_domain({"example.org", "mx", 25, RecipientMode::all});
  auto& server = factory.server();
  {
    RestartAtEnd restart{server};
    server.stop();
    // Every kind of call fails with "database unavailable", at once (no socket: refused).
    for (int i = 0; i < 5; ++i) {
      const auto took = time_of([&] {
        EXPECT_TRUE(throws_store_error([&] { s->list_domains(); }, "database unavailable"));
        EXPECT_TRUE(throws_store_error([&] { s->add_domain({"example.net", "mx", 25, RecipientMode::all}); },
                                       "database unavailable"));
        EXPECT_TRUE(throws_store_error([&] { s->policy_serial(); }, "database unavailable"));
        EXPECT_TRUE(throws_store_error([&] { s->migrate(); }, "database unavailable"));
      });
      EXPECT_LT(took, 1000ms) << "attempt " << i;
    }
    EXPECT_TRUE(contains(open_error(factory.uri(), server.password_file().string()), "database unavailable"));
  }
  ASSERT_TRUE(server.running());
  // Back: the same object works again once its backoff (at most 5 s) has passed.
  const auto deadline = Clock::now() + 15s;
  std::vector<Domain> domains;
  for (;;) {
    try {
      domains = s->list_domains();
      break;
    } catch (const StoreError& e) {
      ASSERT_TRUE(contains(e.what(), "database unavailable")) << e.what();
      ASSERT_LT(Clock::now(), deadline) << "the store did not recover: " << e.what();
      std::this_thread::sleep_for(50ms);
    }
  }
  ASSERT_EQ(domains.size(), 1u);
  s->add_domain({"example.net", "mx", 25, RecipientMode::all});
  EXPECT_EQ(s->list_domains().size(), 2u);
}

TEST(MariadbRecovery, LockWaitsAreBounded) {
  MariadbFactory factory;
  auto s = factory.open();
  s->migrate();
  // Another session holds the policy serial row, which every policy change updates.
  mariadb::Settings settings;
  settings.uri = mariadb::parse_uri(factory.uri());
  settings.password = factory.server().password();
  mariadb::Connection holder(settings);
  mariadb::Transaction tx(holder);
  holder.query("SELECT serial FROM policy_serial WHERE id = 1 FOR UPDATE");
  const auto took = time_of([&] {
    EXPECT_TRUE(throws_store_error([&] { s->add_domain({"example.org", "mx", 25, RecipientMode::all}); },
                                   "Lock wait timeout"));
  });
  EXPECT_LT(took, 6000ms);
  tx.commit();
  s->add_domain({"example.org", "mx", 25, RecipientMode::all});  // and nothing is left half done
  EXPECT_EQ(s->list_domains().size(), 1u);
}

// ---- concurrency ----

TEST(MariadbConcurrency, OneStoreManyThreads) {
  MariadbFactory factory;
  auto s = factory.open();
  s->migrate();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < 25; ++i) {
          const std::string id = "T" + std::to_string(t) + "N" + std::to_string(i);
          s->set_setting("k" + std::to_string(t), std::to_string(i));
          s->log_message(MessageRecord{id, i, "192.0.2.1", "h", "", "a@b.example", 1, "accept", 0, "", "gw",
                                       {DeliveryRecord{"x@ours.example", "queued", "", "", 0, i, ""}}});
          s->log_delivery(id, DeliveryRecord{"x@ours.example", "delivered", "250 ok", "mx:25", 1, i + 1, ""});
          if (s->get_setting("k" + std::to_string(t)) != std::to_string(i)) ++failures;
        }
      } catch (const StoreError& e) {
        ADD_FAILURE() << e.what();
        ++failures;
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  MessageQuery q;
  q.limit = 1000;
  const auto all = s->search_messages(q);
  EXPECT_EQ(all.size(), 100u);
  for (const auto& m : all) EXPECT_EQ(m.deliveries.at(0).status, "delivered") << m.queue_id;
}

TEST(MariadbConcurrency, TwoProcessesMigrateAtOnce) {
  MariadbFactory factory;
  auto a = factory.open();
  auto b = factory.open();
  std::string error_a, error_b;
  std::thread ta([&] {
    try {
      a->migrate();
    } catch (const StoreError& e) {
      error_a = e.what();
    }
  });
  std::thread tb([&] {
    try {
      b->migrate();
    } catch (const StoreError& e) {
      error_b = e.what();
    }
  });
  ta.join();
  tb.join();
  EXPECT_EQ(error_a, "");
  EXPECT_EQ(error_b, "");
  EXPECT_EQ(a->schema_version(), latest_version());
  EXPECT_EQ(b->policy_serial(), 0);
  // Each step recorded once.
  factory.execute("CREATE TABLE test_count AS SELECT COUNT(*) AS n FROM schema_version");
  mariadb::Settings settings;
  settings.uri = mariadb::parse_uri(factory.uri());
  settings.password = factory.server().password();
  mariadb::Connection c(settings);
  EXPECT_EQ(c.query("SELECT n FROM test_count").at(0).integer(0), latest_version());
}

// ---- MariaDB specifics ----

TEST(MariadbSchema, APartlyAppliedStepCanBeRunAgain) {
  // DDL is not transactional in MariaDB: a step that failed half-way leaves its first tables.
  MariadbFactory factory;
  const std::string& v1 = migrations().at(0).sql(Dialect::mariadb);
  const auto cut = v1.find("CREATE TABLE IF NOT EXISTS domains");
  ASSERT_NE(cut, std::string::npos);
  factory.execute(v1.substr(0, cut));
  auto s = factory.open();
  EXPECT_EQ(s->schema_version(), 0);  // nothing recorded yet
  s->migrate();
  EXPECT_EQ(s->schema_version(), latest_version());
  EXPECT_EQ(s->policy_serial(), 0);
  s->add_domain({"example.org", "mx", 25, RecipientMode::all});
  EXPECT_EQ(s->policy_serial(), 1);
}

TEST(MariadbSchema, Step7RunsAgainAfterItsStatementsRanOnce) {
  // Steps 1-6 recorded, then step 7's statements applied without being recorded (a failure
  // after its DDL): migrating again finishes it (tables, indexes and triggers IF NOT EXISTS).
  MariadbFactory factory;
  for (const Migration& m : migrations()) {
    if (m.version > 6) break;
    factory.execute(m.sql(Dialect::mariadb) + "INSERT INTO schema_version (version, description, applied_at) VALUES (" +
                    std::to_string(m.version) + ", 'old', '2025-09-01T00:00:00Z');");
  }
  ASSERT_GE(migrations().size(), 7u);
  factory.execute(migrations().at(6).sql(Dialect::mariadb));
  auto s = factory.open();
  EXPECT_EQ(s->schema_version(), 6);
  s->migrate();
  EXPECT_EQ(s->schema_version(), latest_version());
  const int64_t serial = s->policy_serial();
  SpamPolicy p;
  p.name = "default";
  s->set_spam_policy(p);
  EXPECT_EQ(s->policy_serial(), serial + 1);  // one trigger each, not two
}

TEST(MariadbSchema, FullUnicodeAndTrailingSpacesAreKept) {
  MariadbFactory factory;
  auto s = factory.open();
  s->migrate();
  s->set_setting("note", "4-byte: \xF0\x9F\x93\xA8 3-byte: \xE2\x82\xAC");
  EXPECT_EQ(s->get_setting("note"), "4-byte: \xF0\x9F\x93\xA8 3-byte: \xE2\x82\xAC");
  s->add_recipient({"a@example.org"});
  s->add_recipient({"a@example.org "});  // a different key, as in SQLite (NO PAD collation)
  EXPECT_EQ(s->list_recipients().size(), 2u);
  EXPECT_TRUE(throws_store_error([&] { s->add_recipient({std::string(400, 'x') + "@example.org"}); },
                                 "recipient xxx"));
}

TEST(MariadbSchema, ExecuteRunsArbitrarySql) {
  MariadbFactory factory;
  factory.execute("CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (2); SELECT * FROM t; UPDATE t SET a = 3");
  EXPECT_THROW(factory.execute("SELECT * FROM no_such_table"), StoreError);
}

}  // namespace
}  // namespace portcullis::store::testing
