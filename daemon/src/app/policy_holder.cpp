#include "app/policy_holder.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/async.hpp"
#include "core/log.hpp"

namespace portcullis::app {
namespace asio = boost::asio;

PolicyHolder::PolicyHolder(asio::io_context& io, asio::thread_pool& workers, store::Store& store,
                           std::chrono::seconds interval)
    : io_(io), workers_(workers), store_(store), interval_(interval), timer_(io) {}

bool PolicyHolder::load_now() {
  try {
    std::lock_guard lock(store_mutex_);
    current_ = policy::Snapshot::load(store_);
    failing_ = false;
    return true;
  } catch (const std::exception& e) {
    log::error("policy_load_failed", {{"error", e.what()}});
    failing_ = true;
    return false;
  }
}

void PolicyHolder::start() { asio::co_spawn(io_, loop(), asio::detached); }

void PolicyHolder::stop() {
  stopping_ = true;
  timer_.cancel();
}

void PolicyHolder::refresh_soon() { timer_.cancel(); }

asio::awaitable<void> PolicyHolder::loop() {
  while (!stopping_) {
    timer_.expires_after(interval_);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    const int64_t have = current_ ? current_->serial : -1;
    try {
      auto fresh = co_await core::offload(workers_, [this, have]() -> std::shared_ptr<const policy::Snapshot> {
        std::lock_guard lock(store_mutex_);
        if (store_.policy_serial() == have) return nullptr;
        return policy::Snapshot::load(store_);
      });
      if (failing_) log::info("policy_store_recovered", {});
      failing_ = !current_ && !fresh;  // never loaded: still nothing to decide with
      if (fresh) {
        current_ = std::move(fresh);
        log::info("policy_reloaded", {{"serial", std::to_string(current_->serial)},
                                      {"domains", std::to_string(current_->domains.size())}});
        if (on_change) on_change(*current_);
      }
    } catch (const std::exception& e) {
      // No decisions on possibly stale policy: sessions answer 451 until the store is back.
      if (!failing_) log::warn("policy_store_unavailable", {{"error", e.what()}, {"action", "tempfail"}});
      failing_ = true;
    }
  }
}

}  // namespace portcullis::app
