// A small thread-safe pool of MariaDB connections.
//
// borrow() hands out an idle connection (pinged first if it sat idle for a while, or if the
// caller asks) or opens a new one; the Lease gives it back when it goes out of scope, unless
// the connection broke. A lost connection empties the idle list (a restarted server has
// closed them all). While the server cannot be reached, new connection attempts are spaced
// by an exponential backoff (100 ms doubling to 5 s): a borrow() inside that window fails at
// once with "database unavailable: <last error>" instead of waiting, so no caller waits
// longer than about one connect timeout.
#pragma once
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/mariadb/connection.hpp"

namespace portcullis::store::mariadb {

class Pool {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    std::size_t max_idle = 4;                           // idle connections kept
    Clock::duration ping_after_idle = std::chrono::seconds(1);
    Clock::duration backoff_min = std::chrono::milliseconds(100);
    Clock::duration backoff_max = std::chrono::seconds(5);
  };

  class Lease {
   public:
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection& operator*() const { return *connection_; }
    Connection* operator->() const { return connection_.get(); }

   private:
    friend class Pool;
    Lease(Pool& pool, std::unique_ptr<Connection> connection);
    Pool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  explicit Pool(Settings settings);
  Pool(Settings settings, Options options);

  // Throws StoreError("database unavailable: ...") when no connection can be had now.
  // `check`: ping even a connection that was idle only briefly (before a write that must not
  // be sent twice).
  Lease borrow(bool check = false);

  // A connection outside the pool with these settings (migrations), subject to the backoff.
  std::unique_ptr<Connection> connect(const Settings& settings);

  // Called when a statement lost its connection: the idle ones are likely dead too.
  void connection_lost();

  const Settings& settings() const { return settings_; }

 private:
  struct Idle {
    std::unique_ptr<Connection> connection;
    Clock::time_point since;
  };
  void give_back(std::unique_ptr<Connection> connection);
  std::unique_ptr<Connection> open(const Settings& settings);

  const Settings settings_;
  const Options options_;
  std::mutex mutex_;
  std::vector<Idle> idle_;              // most recently returned last
  Clock::time_point retry_at_{};        // no connection attempt before this
  Clock::duration backoff_{};           // the current backoff; zero while healthy
  std::string last_error_;
};

}  // namespace portcullis::store::mariadb
