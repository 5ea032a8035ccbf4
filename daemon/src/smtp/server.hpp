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
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "hooks/engine.hpp"
#include "policy/snapshot.hpp"
#include "queue/spool.hpp"

namespace portcullis::smtp {

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
};

class Server {
 public:
  Server(const core::Config& config, ServerDeps deps);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds every listener (throws std::system_error naming the address on failure).
  void listen();
  // Accepts on a socket that is already bound and listening (systemd socket activation)
  // instead of the configured listeners.
  void adopt(int fd, core::ListenerRole role);
  // Actual bound endpoints (port 0 in the config picks a free port).
  std::vector<boost::asio::ip::tcp::endpoint> endpoints() const;
  // Stops accepting; running sessions get 421 at their next command.
  void stop();
  std::size_t active_sessions() const { return active_; }

 private:
  struct Listener;
  boost::asio::awaitable<void> accept_loop(std::shared_ptr<Listener> l);
  void start_accepting(const std::shared_ptr<Listener>& l, const char* from);
  boost::asio::awaitable<void> run_session(boost::asio::ip::tcp::socket socket, core::ListenerRole role);
  // True if the client sends before the banner (waits up to timeouts.greet_delay).
  boost::asio::awaitable<bool> early_talker(boost::asio::ip::tcp::socket& socket);

  const core::Config& config_;
  ServerDeps deps_;
  std::vector<std::shared_ptr<Listener>> listeners_;
  std::size_t active_ = 0;
  std::map<std::string, unsigned> per_ip_;
  bool stopping_ = false;
  core::Lifetime lifetime_;  // last member: guards in session frames check it
};

// Builds the Received: header line for a message (exposed for tests).
std::string received_header(const std::string& helo, const std::string& client_ip, const std::string& hostname,
                            const std::string& protocol, const std::string& queue_id,
                            const std::string& single_recipient, int64_t unix_time);
// RFC 5322 date-time in UTC, e.g. "Sun, 22 Nov 2026 10:00:00 +0000".
std::string rfc5322_date(int64_t unix_time);

}  // namespace portcullis::smtp
