// The queue manager: schedules every message in the spool for delivery, groups recipients by
// route, delivers with connection reuse and a per-destination concurrency limit, retries with
// exponential backoff, and turns permanent failures and expiry into DSN bounces.
// Runs on the io thread; file work goes to the worker pool.
#pragma once
#include "core/lifetime.hpp"
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>

#include "queue/mta_sts.hpp"
#include "tls/client_context.hpp"
#include <string>
#include <unordered_set>
#include <vector>

#include "core/config.hpp"
#include "hooks/engine.hpp"
#include "net/dns.hpp"
#include "policy/snapshot.hpp"
#include "queue/dkim_signing.hpp"
#include "queue/spool.hpp"
#include "smtp/client.hpp"

namespace portcullis::queue {

class Manager {
 public:
  Manager(const core::Config& config, boost::asio::io_context& io, boost::asio::thread_pool& workers, Spool& spool,
          net::Resolver& resolver, std::function<std::shared_ptr<const policy::Snapshot>()> policy);
  ~Manager();
  Manager(const Manager&) = delete;
  Manager& operator=(const Manager&) = delete;

  // Recovers the spool (on the worker pool) and starts scheduling.
  void start();
  void stop();
  // A message was just committed: deliver it now.
  void enqueue(const std::string& id);
  // Retry every deferred message now (also triggered by the file SPOOL/flush from the CLI).
  void flush();
  // Lua rules for the delivery events (nullptr: none). Set before start().
  void set_hooks(hooks::Engine* engine) { hooks_ = engine; }

  std::size_t queued() const { return known_.size(); }
  // Of those, the ones waiting for their next attempt (deferred or not yet due).
  std::size_t waiting() const { return schedule_.size(); }
  // Every message the manager knows, as "ID due=UNIXTIME" (waiting for its next attempt) or
  // "ID in-delivery", waiting ones soonest first. For the control socket's `queue list`.
  std::vector<std::string> describe() const;

 private:
  struct Limiter;
  struct IdleConnection {
    std::unique_ptr<smtp::ClientConnection> conn;
    std::chrono::steady_clock::time_point since;
  };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> recover();
  boost::asio::awaitable<void> deliver(std::string id);
  boost::asio::awaitable<void> deliver_group(const Spool::Loaded& msg, const std::string& key,
                                             const std::string& domain, std::vector<std::string> rcpts,
                                             DeliveryState& state, std::map<std::string, std::string>& remote,
                                            std::map<std::string, std::string>& tls_used);
  boost::asio::awaitable<void> acquire(const std::string& key);
  void release(const std::string& key);
  void schedule(const std::string& id, int64_t when);
  void wake();
  void close_idle(bool all);
  int64_t backoff(unsigned attempts) const;

  const core::Config& config_;
  boost::asio::io_context& io_;
  boost::asio::thread_pool& workers_;
  Spool& spool_;
  net::Resolver& resolver_;
  std::shared_ptr<boost::asio::ssl::context> tls_client_;  // STARTTLS out (tls.ca_file added to the trust)
  std::unique_ptr<MtaSts> mta_sts_;                        // nullptr: tls.mta_sts = false
  bool dane_ = false;  // tls.dane and a local resolver (queue/dane.hpp)
  std::function<std::shared_ptr<const policy::Snapshot>()> policy_;
  DkimSigning signing_;  // outbound DKIM (used on the worker pool)

  std::set<std::pair<int64_t, std::string>> schedule_;  // (due unix time, id)
  std::unordered_set<std::string> known_;                // scheduled or being delivered
  std::unordered_set<std::string> running_;
  std::map<std::string, std::unique_ptr<Limiter>> limiters_;
  std::map<std::string, std::deque<IdleConnection>> idle_;
  boost::asio::awaitable<hooks::Outcome> rules(const hooks::EventData& e);
  hooks::EventData event_for(hooks::EventKind kind, const Spool::Loaded& msg, unsigned attempt) const;

  hooks::Engine* hooks_ = nullptr;
  boost::asio::steady_timer wake_;
  bool stopping_ = false;
  bool started_ = false;
  core::Lifetime lifetime_;  // last member: guards in coroutine frames check it
};

}  // namespace portcullis::queue
