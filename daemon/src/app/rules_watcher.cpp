#include "app/rules_watcher.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/async.hpp"
#include "core/log.hpp"

namespace portcullis::app {
namespace asio = boost::asio;

RulesWatcher::RulesWatcher(asio::io_context& io, asio::thread_pool& workers, hooks::Engine& engine,
                           std::chrono::seconds poll)
    : io_(io), workers_(workers), engine_(engine), poll_(poll), timer_(io) {}

void RulesWatcher::load(bool forced) {
  if (!forced && !engine_.changed()) return;
  const hooks::LoadReport report = engine_.reload();
  if (report.rules) {
    log::info("rules_loaded", {{"scripts", std::to_string(report.rules->scripts.size())}});
    return;
  }
  for (const auto& e : report.errors) log::error("rules_error", {{"error", e}});
  log::error("rules_rejected", {{"errors", std::to_string(report.errors.size())},
                                {"running", std::to_string(engine_.script_count()) + " scripts (unchanged)"}});
}

void RulesWatcher::start() {
  load(true);
  asio::co_spawn(io_, loop(), asio::detached);
}

void RulesWatcher::stop() {
  stopping_ = true;
  timer_.cancel();
}

void RulesWatcher::reload_now() {
  forced_ = true;
  timer_.cancel();
}

asio::awaitable<void> RulesWatcher::loop() {
  while (!stopping_) {
    timer_.expires_after(poll_);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    const bool forced = std::exchange(forced_, false);
    try {
      co_await core::offload(workers_, [this, forced] { load(forced); });
    } catch (const std::exception& e) {
      log::error("rules_error", {{"error", e.what()}});
    }
  }
}

}  // namespace portcullis::app
