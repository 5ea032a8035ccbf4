// Prometheus metrics over HTTP (Boost.Beast): GET /metrics returns the text exposition
// format 0.0.4. Off unless `[metrics] address` is set (e.g. "127.0.0.1:9725"); bind it to a
// management address only — the endpoint has no authentication.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <functional>
#include <memory>
#include <string>

#include "control/counters.hpp"

namespace portcullis::control {

struct Gauges {
  uint64_t sessions_active = 0;
  uint64_t queue_messages = 0;     // known to the queue manager
  uint64_t queue_waiting = 0;      // of those, waiting for a retry
  int64_t uptime_seconds = 0;
};

// The exposition text for the counters and gauges.
std::string render_metrics(const Counters::Snapshot& c, const Gauges& g);

class MetricsServer {
 public:
  // render() is called on the event loop for every scrape.
  MetricsServer(boost::asio::io_context& io, std::string address, std::function<std::string()> render);
  ~MetricsServer();
  void start();  // throws std::runtime_error if the address is bad or cannot be bound
  void stop();
  unsigned short port() const;  // the bound port

 private:
  boost::asio::awaitable<void> accept_loop();
  boost::asio::awaitable<void> serve(boost::asio::ip::tcp::socket socket);

  boost::asio::io_context& io_;
  std::string address_;
  std::function<std::string()> render_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  unsigned clients_ = 0;
  bool stopping_ = false;
};

}  // namespace portcullis::control
