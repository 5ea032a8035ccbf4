// Keeps the current policy::Snapshot and reloads it when the store's policy serial changes
// (checked every config.policy_refresh, which is also the store's health check), so CLI
// edits reach the running daemon within seconds.
// The store is touched only on the worker pool; readers on the io thread get a shared_ptr.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>

#include "policy/snapshot.hpp"
#include "store/store.hpp"

namespace portcullis::app {

class PolicyHolder {
 public:
  PolicyHolder(boost::asio::io_context& io, boost::asio::thread_pool& workers, store::Store& store,
               std::chrono::seconds interval);
  // Loads synchronously once (start-up); returns false if the store could not be read.
  bool load_now();
  void start();
  void stop();
  void refresh_soon();  // SIGHUP
  // Called on the io thread after a new snapshot replaced the current one (not at load_now).
  std::function<void(const policy::Snapshot&)> on_change;
  // The policy to decide with, or nullptr while the store is unreachable (the last check
  // failed): then sessions answer 451 4.3.0 rather than decide on data that may be stale.
  // When the store answers again, the kept snapshot is used (or a fresh one if it changed).
  std::shared_ptr<const policy::Snapshot> current() const { return failing_ ? nullptr : current_; }
  // The last snapshot loaded, reachable store or not: routing of queued mail (the queue keeps
  // being delivered while the store is down). nullptr only if none was ever loaded.
  std::shared_ptr<const policy::Snapshot> last_good() const { return current_; }

 private:
  boost::asio::awaitable<void> loop();
  boost::asio::io_context& io_;
  boost::asio::thread_pool& workers_;
  store::Store& store_;
  std::chrono::seconds interval_;
  std::mutex store_mutex_;  // the store is used by one worker at a time
  std::shared_ptr<const policy::Snapshot> current_;
  boost::asio::steady_timer timer_;
  bool stopping_ = false;
  bool failing_ = false;
};

}  // namespace portcullis::app
