// The per-client state the connection-level checks keep on this gateway: the bans in force
// (a copy of the store's list, refreshed on a timer, plus the bans decided here), the auto-ban
// failure counts, and the rate limits' buckets (checks/reputation). One per Server, used on
// its io_context only. Clients the policy exempts (setting reputation-exempt) and trusted
// clients (the caller skips those) are never counted, limited or banned.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <mutex>
#include <string>

#include "checks/reputation/auto_ban.hpp"
#include "checks/reputation/ban_cache.hpp"
#include "checks/reputation/rate_limit.hpp"
#include "smtp/reputation_policy.hpp"
#include "store/store.hpp"

namespace portcullis::smtp {

class ClientGuard {
 public:
  // `store` (nullptr: bans stay on this gateway) is used on `workers` under `store_mutex`.
  ClientGuard(boost::asio::io_context& io, boost::asio::thread_pool& workers, store::Store* store,
              std::mutex* store_mutex);

  // A new policy's auto-ban and rate limit settings (counts and buckets are kept).
  void configure(const ReputationPolicy& policy);
  // At connect: the refusal instead of the greeting ("" = welcome): a ban in force (421) or
  // the connection rate (421).
  std::string at_connect(const boost::asio::ip::address& client, const std::string& client_text,
                         const ReputationPolicy& policy, const std::string& hostname);
  // One more message (at MAIL) or recipient (at RCPT): the refusal (451 4.7.1), "" = allowed.
  std::string take(const boost::asio::ip::address& client, const std::string& client_text,
                   const ReputationPolicy& policy, checks::reputation::RateKind kind);
  // A failure of the client (invalid command, relay attempt, ...): bans it when it is one too
  // many (in force here at once, written to the store for the other gateways).
  void failure(const boost::asio::ip::address& client, const std::string& client_text,
               const ReputationPolicy& policy, checks::reputation::Failure failure);

  // Reads the store's bans now (blocking: call before the event loop serves clients) and
  // every `period` after, until stop().
  void start(std::chrono::seconds period);
  void stop();

 private:
  boost::asio::awaitable<void> refresh_loop(std::chrono::seconds period);
  boost::asio::awaitable<void> persist(store::Ban ban);

  boost::asio::io_context& io_;
  boost::asio::thread_pool& workers_;
  store::Store* store_;
  std::mutex* store_mutex_;
  checks::reputation::BanCache bans_;
  checks::reputation::AutoBan auto_ban_;
  checks::reputation::RateLimiter rates_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
  std::string last_refresh_error_;
};

}  // namespace portcullis::smtp
