// A real SQLite store in a temporary folder for the reputation and greylist tests, with its
// schema prepared as the daemon does, a worker pool and the store mutex the async wrappers
// take, and a way to break a table (raw SQL) to see how the checks behave when the store
// fails. Also used by tests/unit/greylist.
#pragma once
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>

#include "../run_async.hpp"
#include "store/schema.hpp"
#include "store/sqlite/db.hpp"
#include "store/store.hpp"

namespace portcullis::testing {

class TempStore {
 public:
  TempStore() {
    std::string pattern = (std::filesystem::temp_directory_path() / "portcullis-rep-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    store_ = store::open_store(uri());
    store::prepare_schema(*store_, store::MigratePolicy::fresh_only);
  }
  ~TempStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempStore(const TempStore&) = delete;
  TempStore& operator=(const TempStore&) = delete;

  std::string uri() const { return "sqlite:" + (dir_ / "x.db").string(); }
  store::Store& store() { return *store_; }
  // A second connection, as another gateway sharing the database would have.
  std::unique_ptr<store::Store> other() { return store::open_store(uri()); }
  // Raw SQL on the database (e.g. "DROP TABLE greylist" to make the store fail).
  void execute(const std::string& sql) {
    store::sqlite::Connection c((dir_ / "x.db").string());
    c.set_busy_timeout(5000);
    c.exec(sql);
  }

  boost::asio::thread_pool workers{2};
  std::mutex mutex;

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace portcullis::testing
