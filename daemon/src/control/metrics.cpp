#include "control/metrics.hpp"
#include "core/version.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <stdexcept>

#include "core/log.hpp"

namespace portcullis::control {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name_and_labels, uint64_t value) {
  out += name_and_labels;
  out += ' ';
  out += std::to_string(value);
  out += '\n';
}

// Label values: backslash, double quote and newline escaped (exposition format).
std::string label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

tcp::endpoint parse_endpoint(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("metrics.address: expected IP:PORT, got '" + text + "'");
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const std::string p = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), port);
  boost::system::error_code aec;
  const auto addr = asio::ip::make_address(host, aec);
  if (aec || ec != std::errc() || end != p.data() + p.size() || port > 65535)
    throw std::runtime_error("metrics.address: expected IP:PORT, got '" + text + "'");
  return {addr, static_cast<unsigned short>(port)};
}

}  // namespace

std::string render_metrics(const Counters::Snapshot& c, const Gauges& g) {
  std::string out;
  metric(out, "portcullis_build_info", "gauge", "Build information.");
  out += "portcullis_build_info{version=\"" + label(core::version()) + "\"} 1\n";
  metric(out, "portcullis_uptime_seconds", "gauge", "Seconds since the daemon started.");
  sample(out, "portcullis_uptime_seconds", static_cast<uint64_t>(g.uptime_seconds));
  metric(out, "portcullis_connections_total", "counter", "SMTP connections accepted.");
  sample(out, "portcullis_connections_total", c.connections);
  metric(out, "portcullis_sessions_active", "gauge", "SMTP sessions in progress.");
  sample(out, "portcullis_sessions_active", g.sessions_active);
  metric(out, "portcullis_messages_received_total", "counter", "Messages accepted into the queue.");
  sample(out, "portcullis_messages_received_total", c.received);
  metric(out, "portcullis_messages_delivered_total", "counter", "Recipients delivered to the next hop.");
  sample(out, "portcullis_messages_delivered_total", c.delivered);
  metric(out, "portcullis_messages_deferred_total", "counter", "Delivery attempts that failed temporarily.");
  sample(out, "portcullis_messages_deferred_total", c.deferred);
  metric(out, "portcullis_messages_bounced_total", "counter", "Recipients that failed permanently.");
  sample(out, "portcullis_messages_bounced_total", c.bounced);
  metric(out, "portcullis_dsn_sent_total", "counter", "Bounce messages generated.");
  sample(out, "portcullis_dsn_sent_total", c.dsn_sent);
  metric(out, "portcullis_session_timeouts_total", "counter", "Sessions closed after a timeout.");
  sample(out, "portcullis_session_timeouts_total", c.timeouts);
  metric(out, "portcullis_rejections_total", "counter", "Refusals by reason (enhanced status code or kind).");
  for (const auto& [reason, n] : c.rejected)
    sample(out, "portcullis_rejections_total{reason=\"" + label(reason) + "\"}", n);
  metric(out, "portcullis_queue_messages", "gauge", "Messages in the queue, by state.");
  sample(out, "portcullis_queue_messages{state=\"active\"}", g.queue_messages - std::min(g.queue_messages, g.queue_waiting));
  sample(out, "portcullis_queue_messages{state=\"deferred\"}", g.queue_waiting);
  return out;
}

MetricsServer::MetricsServer(asio::io_context& io, std::string address, std::function<std::string()> render)
    : io_(io), address_(std::move(address)), render_(std::move(render)) {}

MetricsServer::~MetricsServer() = default;

void MetricsServer::start() {
  const auto ep = parse_endpoint(address_);
  acceptor_ = std::make_unique<tcp::acceptor>(io_);
  boost::system::error_code ec;
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(64, ec);
  if (ec) throw std::runtime_error("cannot listen for metrics on " + address_ + ": " + ec.message());
  log::info("metrics_listening", {{"address", ep.address().to_string()}, {"port", std::to_string(port())}});
  asio::co_spawn(io_, accept_loop(), asio::detached);
}

void MetricsServer::stop() {
  stopping_ = true;
  if (acceptor_) {
    boost::system::error_code ec;
    acceptor_->close(ec);
  }
}

unsigned short MetricsServer::port() const {
  boost::system::error_code ec;
  return acceptor_ ? acceptor_->local_endpoint(ec).port() : 0;
}

asio::awaitable<void> MetricsServer::accept_loop() {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket s = co_await acceptor_->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      continue;
    }
    if (clients_ >= 32) continue;  // closed at once: scrapers retry
    asio::co_spawn(io_, serve(std::move(s)), asio::detached);
  }
}

asio::awaitable<void> MetricsServer::serve(tcp::socket socket) {
  ++clients_;
  struct Release {
    unsigned& n;
    ~Release() { --n; }
  } release{clients_};
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer(8192);
  for (int requests = 0; requests < 100; ++requests) {
    http::request_parser<http::string_body> parser;  // a small body is read (and ignored)
    parser.header_limit(8192);
    parser.body_limit(4096);
    stream.expires_after(std::chrono::seconds(10));
    boost::system::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    const auto& req = parser.get();
    http::response<http::string_body> res;
    res.version(req.version());
    res.keep_alive(req.keep_alive());
    res.set(http::field::server, "portcullisd");
    const auto target = req.target();
    if (req.method() != http::verb::get && req.method() != http::verb::head) {
      res.result(http::status::method_not_allowed);
      res.set(http::field::allow, "GET, HEAD");
      res.body() = "method not allowed\n";
    } else if (target != "/metrics") {
      res.result(http::status::not_found);
      res.body() = "not found: try /metrics\n";
    } else {
      res.result(http::status::ok);
      res.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      res.body() = render_();
    }
    if (res.result() != http::status::ok) res.set(http::field::content_type, "text/plain; charset=utf-8");
    res.prepare_payload();
    if (req.method() == http::verb::head) res.body().clear();
    stream.expires_after(std::chrono::seconds(10));
    co_await http::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !res.keep_alive()) break;
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

}  // namespace portcullis::control
