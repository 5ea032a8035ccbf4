#include "smtp/client_guard.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <ctime>
#include <exception>
#include <vector>

#include "checks/reputation/ban_store.hpp"
#include "core/log.hpp"

namespace portcullis::smtp {
namespace asio = boost::asio;
namespace rep = checks::reputation;

namespace {
std::int64_t unix_now() { return static_cast<std::int64_t>(std::time(nullptr)); }
}  // namespace

ClientGuard::ClientGuard(asio::io_context& io, asio::thread_pool& workers, store::Store* store,
                         std::mutex* store_mutex)
    : io_(io),
      workers_(workers),
      store_(store),
      store_mutex_(store_mutex),
      auto_ban_(rep::AutoBanSettings{}),
      rates_(rep::RateLimitSettings{}),
      timer_(io) {}

void ClientGuard::configure(const ReputationPolicy& policy) {
  auto_ban_.reconfigure(policy.auto_ban);
  rates_.reconfigure(policy.rates);
}

std::string ClientGuard::at_connect(const asio::ip::address& client, const std::string& client_text,
                                    const ReputationPolicy& policy, const std::string& hostname) {
  if (policy.is_exempt(client)) return {};
  const std::int64_t now = unix_now();
  if (const auto ban = bans_.find(client, now)) {
    log::info("connection_refused", {{"client", client_text}, {"reason", "banned"}, {"ban", ban->ip},
                                     {"until", std::to_string(ban->until)}});
    return rep::ban_reply(*ban, now, hostname);
  }
  return take(client, client_text, policy, rep::RateKind::connection);
}

std::string ClientGuard::take(const asio::ip::address& client, const std::string& client_text,
                              const ReputationPolicy& policy, rep::RateKind kind) {
  if (policy.is_exempt(client)) return {};
  const rep::RateVerdict v = rates_.take(client, kind);
  if (v.allowed) return {};
  const char* what = kind == rep::RateKind::connection ? "connections" : kind == rep::RateKind::message ? "messages"
                                                                                                       : "recipients";
  log::info("rate_limited", {{"client", client_text}, {"key", v.key}, {"limit", what},
                             {"retry_after", std::to_string(v.retry_after.count())}});
  return v.reply;
}

void ClientGuard::failure(const asio::ip::address& client, const std::string& client_text,
                          const ReputationPolicy& policy, rep::Failure failure) {
  if (policy.is_exempt(client) || policy.auto_ban.max_failures == 0) return;
  auto ban = auto_ban_.record(client, failure, unix_now());
  if (!ban) return;
  log::warn("client_banned", {{"client", client_text}, {"ban", ban->ip}, {"until", std::to_string(ban->until)},
                              {"reason", ban->reason}});
  bans_.add_local(*ban);  // in force at once (the write below takes a moment)
  if (store_ == nullptr || store_mutex_ == nullptr) {
    bans_.written(ban->ip);  // nothing to wait for: a refresh never drops it (there is none)
    return;
  }
  auto op = persist(std::move(*ban));
  asio::co_spawn(io_, std::move(op), asio::detached);
}

asio::awaitable<void> ClientGuard::persist(store::Ban ban) {
  auto op = rep::persist_ban(bans_, workers_, *store_, *store_mutex_, ban);
  const std::string error = co_await std::move(op);
  if (!error.empty()) log::warn("ban_write_failed", {{"ban", ban.ip}, {"error", error}});
}

void ClientGuard::start(std::chrono::seconds period) {
  if (store_ == nullptr || store_mutex_ == nullptr) return;
  // The bans in force before the first client is served (a restart must not forgive anyone):
  // one blocking read at start, before the event loop runs; then the timer's refreshes.
  const std::int64_t now = unix_now();
  try {
    const std::uint64_t ticket = bans_.begin_refresh();
    std::vector<store::Ban> bans;
    {
      std::lock_guard lock(*store_mutex_);
      bans = store_->ban_list(now);
    }
    bans_.finish_refresh(ticket, bans, now);
  } catch (const std::exception& e) {
    last_refresh_error_ = e.what();
    log::warn("ban_refresh_failed", {{"error", last_refresh_error_}});
  }
  auto op = refresh_loop(period);
  asio::co_spawn(io_, std::move(op), asio::detached);
}

void ClientGuard::stop() {
  stopped_ = true;
  timer_.cancel();
}

asio::awaitable<void> ClientGuard::refresh_loop(std::chrono::seconds period) {
  while (!stopped_) {
    timer_.expires_after(period);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopped_) break;
    auto op = rep::refresh_bans(bans_, workers_, *store_, *store_mutex_, unix_now());
    const std::string error = co_await std::move(op);
    if (error != last_refresh_error_) {  // a failure is logged once, and its end
      if (error.empty()) log::info("ban_refresh_recovered", {});
      else log::warn("ban_refresh_failed", {{"error", error}});
      last_refresh_error_ = error;
    }
  }
}

}  // namespace portcullis::smtp
