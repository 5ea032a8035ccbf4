#include "store/mariadb/pool.hpp"

#include <algorithm>
#include <utility>

namespace portcullis::store::mariadb {

Pool::Lease::Lease(Pool& pool, std::unique_ptr<Connection> connection)
    : pool_(&pool), connection_(std::move(connection)) {}

Pool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)), connection_(std::move(other.connection_)) {}

Pool::Lease::~Lease() {
  if (pool_ && connection_) pool_->give_back(std::move(connection_));
}

Pool::Pool(Settings settings) : Pool(std::move(settings), Options{}) {}

Pool::Pool(Settings settings, Options options) : settings_(std::move(settings)), options_(options) {}

Pool::Lease Pool::borrow(bool check) {
  for (;;) {
    std::unique_ptr<Connection> connection;
    Clock::time_point since;
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        connection = std::move(idle_.back().connection);
        since = idle_.back().since;
        idle_.pop_back();
      }
    }
    if (!connection) return Lease(*this, open(settings_));
    if (!check && Clock::now() - since < options_.ping_after_idle) return Lease(*this, std::move(connection));
    try {
      connection->ping();
      return Lease(*this, std::move(connection));
    } catch (const MariadbError& e) {
      // Dead (server restarted, killed the session, idle timeout): drop it, try the next.
      if (e.connection_lost()) connection_lost();
    }
  }
}

std::unique_ptr<Connection> Pool::connect(const Settings& settings) { return open(settings); }

std::unique_ptr<Connection> Pool::open(const Settings& settings) {
  {
    std::lock_guard lock(mutex_);
    if (backoff_ != Clock::duration::zero() && Clock::now() < retry_at_)
      throw StoreError("database unavailable: " + last_error_);
  }
  try {
    auto connection = std::make_unique<Connection>(settings);
    std::lock_guard lock(mutex_);
    backoff_ = Clock::duration::zero();
    last_error_.clear();
    return connection;
  } catch (const MariadbError& e) {
    std::lock_guard lock(mutex_);
    backoff_ = backoff_ == Clock::duration::zero() ? options_.backoff_min
                                                   : std::min(backoff_ * 2, options_.backoff_max);
    retry_at_ = Clock::now() + backoff_;
    last_error_ = e.what();
    throw StoreError("database unavailable: " + last_error_);
  }
}

void Pool::connection_lost() {
  std::vector<Idle> dropped;
  {
    std::lock_guard lock(mutex_);
    dropped.swap(idle_);
  }
  // closed outside the lock: closing a dead connection may touch the network
}

void Pool::give_back(std::unique_ptr<Connection> connection) {
  if (connection->broken()) return;
  std::lock_guard lock(mutex_);
  if (idle_.size() < options_.max_idle) idle_.push_back(Idle{std::move(connection), Clock::now()});
}

}  // namespace portcullis::store::mariadb
