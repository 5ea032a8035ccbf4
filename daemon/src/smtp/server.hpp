// The SMTP server side: accepts connections on the configured listeners and drives one
// smtp::Session per connection over the socket (timeouts, limits, spooling, policy answers).
// Runs on one io_context; blocking work (fsync on commit) goes to the worker pool.
#pragma once
#include "core/lifetime.hpp"
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "checks/dmarc/psl.hpp"
#include "core/config.hpp"
#include "hooks/engine.hpp"
#include "net/dns_source.hpp"
#include "policy/snapshot.hpp"
#include "queue/spool.hpp"
#include "smtp/client_guard.hpp"
#include "smtp/content_scan.hpp"
#include "smtp/reputation_policy.hpp"
#include "smtp/stream.hpp"
#include "store/store.hpp"
#include "tls/server_context.hpp"

namespace portcullis::smtp {

struct Transaction;     // smtp/transaction.hpp
struct MessageContext;  // smtp/message_end.hpp
struct MessageEnd;

struct ServerDeps {
  boost::asio::io_context& io;
  boost::asio::thread_pool& workers;
  queue::Spool& spool;
  // Current policy; nullptr while it cannot be loaded (then decisions answer 451 4.3.0).
  std::function<std::shared_ptr<const policy::Snapshot>()> policy;
  // Called on the io thread after a message was committed to the queue.
  std::function<void(const std::string& queue_id)> on_queued;
  // Lua rules (nullptr: none).
  hooks::Engine* hooks = nullptr;
  // The TLS certificates in force (nullptr: none configured, STARTTLS is not offered). A
  // session takes them at its start and keeps them to its end.
  std::function<std::shared_ptr<tls::ServerContexts>()> tls;
  // Sender authentication (checks/auth): DNS for SPF, DKIM and DMARC (nullptr: the checks are
  // off) and the Public Suffix List for DMARC (nullptr: no DMARC).
  net::DnsSource* dns = nullptr;
  const checks::dmarc::PublicSuffixList* psl = nullptr;
  // Takes the DMARC aggregate-report row of each message a DMARC record applied to (empty: none
  // are recorded). Called on the io thread; must not block.
  std::function<void(store::DmarcRow)> on_dmarc = {};
  // Takes the quarantine index rows of each held message (one per recipient). Called on the io
  // thread; must not block.
  std::function<void(std::vector<store::QuarantineEntry>)> on_quarantined = {};
  // The store for state the sessions keep (greylisting), used on the worker pool under
  // `state_mutex` (nullptr: no greylisting).
  store::Store* state = nullptr;
  std::mutex* state_mutex = nullptr;
};

// A listening socket and its role, bound before the daemon drops its privileges.
struct BoundListener {
  boost::asio::ip::tcp::acceptor acceptor;
  core::ListenerRole role;
  core::ListenerTls tls = core::ListenerTls::starttls;
  bool require_tls = false;  // MAIL only after STARTTLS (530 5.7.0)
};

struct ListenerOptions {
  core::ListenerRole role;
  core::ListenerTls tls;
  bool require_tls;
};
// Binds every configured listener (throws std::system_error naming the address on failure).
std::vector<BoundListener> bind_listeners(boost::asio::io_context& io, const core::Config& config);
// Wraps a socket that is already bound and listening (systemd socket activation).
BoundListener adopt_listener(boost::asio::io_context& io, int fd, core::ListenerRole role);

class Server {
 public:
  Server(const core::Config& config, ServerDeps deps);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Starts accepting on the listeners.
  void serve(std::vector<BoundListener> listeners);
  // Actual bound endpoints (port 0 in the config picks a free port).
  std::vector<boost::asio::ip::tcp::endpoint> endpoints() const;
  // Stops accepting. Sessions between transactions get "421 4.3.2 ... shutting down" at once
  // (a blocked read is woken up); a session in the middle of a transaction may finish it and
  // gets the 421 at its next command after that.
  void stop();
  // The shutdown bound is over: every remaining session gets the 421 now; an unfinished
  // transaction is dropped (its client never got a 250, so it still owns the message).
  void close_sessions();
  std::size_t active_sessions() const { return active_; }
  const Scanners& scanners() const { return scanners_; }

 private:
  using Listener = BoundListener;
  boost::asio::awaitable<void> accept_loop(std::shared_ptr<Listener> l);
  boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, ListenerOptions listener);
  // The end of DATA of a message the session accepted to its last octet: everything the
  // message gets then, and the answer (smtp/message_end.cpp). Leaves tx's writer taken.
  boost::asio::awaitable<MessageEnd> end_message(Transaction& tx, const MessageContext& context);
  // True if the client sends before the banner (waits up to timeouts.greet_delay).
  boost::asio::awaitable<bool> early_talker(boost::asio::ip::tcp::socket& socket);
  // The connection-level checks' settings of the current policy, compiled once per reload;
  // nullptr while there is no policy.
  std::shared_ptr<const ReputationPolicy> reputation();

  const core::Config& config_;
  ServerDeps deps_;
  Scanners scanners_;  // [scanners], parsed once (a bad endpoint is refused at start)
  ClientGuard guard_;  // bans, auto-ban counts, rate limits
  std::shared_ptr<const ReputationPolicy> reputation_;
  std::vector<boost::asio::ip::address> our_addresses_;  // the listeners' (for the HELO check)
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::size_t active_ = 0;
  std::map<std::string, unsigned> per_ip_;
  // The sockets of running sessions and whether each is inside a transaction, so stop() and
  // close_sessions() can wake the idle ones (std::list: entries stay put while sessions come and go).
  struct Running {
    boost::asio::ip::tcp::socket* socket;
    bool in_transaction = false;
    bool reading = false;  // waiting for the client: only then is a wake-up (cancel) safe
  };
  std::list<Running> running_;
  bool stopping_ = false;
  bool closing_ = false;  // close_sessions() was called
  core::Lifetime lifetime_;  // last member: guards in session frames check it
};

// Builds the Received: header line for a message (exposed for tests).
std::string received_header(const std::string& helo, const std::string& client_ip, const std::string& hostname,
                            const std::string& protocol, const std::string& queue_id,
                            const std::string& single_recipient, int64_t unix_time,
                            const std::string& tls = {});
// RFC 5322 date-time in UTC, e.g. "Sun, 22 Nov 2026 10:00:00 +0000".
std::string rfc5322_date(int64_t unix_time);

}  // namespace portcullis::smtp
