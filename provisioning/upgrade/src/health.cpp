#include "health.hpp"

#include <poll.h>
#include <sys/socket.h>

#include <atomic>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "command.hpp"
#include "core/ids.hpp"
#include "net.hpp"

namespace portcullis::upgrade {
namespace {

using namespace std::chrono_literals;

constexpr const char* health_domain = "portcullis-health.invalid";
constexpr const char* health_policy = "portcullis-health";  // the probe's spam policy

// A one-connection-at-a-time SMTP receiver on loopback that keeps the message bodies.
class Sink {
 public:
  Sink() : socket_(listen_tcp("127.0.0.1", 0)), port_(local_port(socket_.get())) {
    thread_ = std::thread([this] { run(); });
  }
  ~Sink() {
    stop_ = true;
    thread_.join();
  }
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;
  uint16_t port() const { return port_; }
  bool received(const std::string& token) {
    std::lock_guard lock(mutex_);
    return data_.find(token) != std::string::npos;
  }

 private:
  void run() {
    while (!stop_) {
      pollfd p{socket_.get(), POLLIN, 0};
      if (::poll(&p, 1, 200) <= 0) continue;
      core::Fd c(::accept4(socket_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (c.get() < 0) continue;
      try {
        serve(LineConn(std::move(c), 30s));
      } catch (const std::exception&) {
        // a broken delivery attempt: the gateway retries, the check waits
      }
    }
  }
  void serve(LineConn conn) {
    conn.write("220 portcullis-upgrade health sink\r\n");
    for (;;) {
      const std::string line = conn.read_line();
      std::string verb = line.substr(0, 4);
      for (char& ch : verb) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      if (verb == "DATA") {
        conn.write("354 go ahead\r\n");
        std::string body;
        for (std::string l; (l = conn.read_line()) != ".";) body += l + "\n";
        {
          std::lock_guard lock(mutex_);
          data_ += body;
        }
        conn.write("250 2.0.0 kept\r\n");
      } else if (verb == "QUIT") {
        conn.write("221 2.0.0 bye\r\n");
        return;
      } else if (verb == "EHLO" || verb == "HELO") {
        conn.write("250 portcullis-upgrade\r\n");
      } else {
        conn.write("250 2.0.0 ok\r\n");  // MAIL, RCPT, RSET, NOOP
      }
    }
  }
  core::Fd socket_;
  uint16_t port_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::string data_;
  std::thread thread_;
};

const core::ListenerConfig& inbound_listener(const core::Config& config) {
  for (const auto& l : config.listeners)
    if (l.role == core::ListenerRole::inbound && l.tls != core::ListenerTls::implicit && !l.require_tls) return l;
  throw std::runtime_error("no plain inbound SMTP listener in " + config.source.string() + " to check");
}

void expect(const std::string& reply, char first, const std::string& what) {
  if (reply.empty() || reply[0] != first) throw std::runtime_error(what + ": " + reply);
}

// Sends the probe; a recipient refused at first is retried for a while (the gateway picks
// the new route up at its next policy refresh). The sender is of the reserved .invalid domain
// too: the gateway checks SPF and DMARC of mail from loopback like any other, and the
// organisation's own DMARC policy (p=reject for the host name's domain) must not refuse the
// probe; .invalid answers NXDOMAIN at once from any resolver (none: no record, no wait).
void send_probe(const core::ListenerConfig& l, const core::Config& config, const std::string& token) {
  auto conn = LineConn::connect(reachable_address(l.address), l.port, 30s);
  expect(conn.read_reply(), '2', "banner");
  conn.write("EHLO portcullis-upgrade.localhost\r\n");
  expect(conn.read_reply(), '2', "EHLO");
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15) + 3 * config.policy_refresh;
  for (;;) {
    conn.write("MAIL FROM:<portcullis-upgrade@" + std::string(health_domain) + ">\r\n");
    expect(conn.read_reply(), '2', "MAIL FROM");
    conn.write("RCPT TO:<check@" + std::string(health_domain) + ">\r\n");
    const std::string reply = conn.read_reply();
    if (!reply.empty() && reply[0] == '2') break;
    if (std::chrono::steady_clock::now() > until) throw std::runtime_error("RCPT TO: " + reply);
    conn.write("RSET\r\n");
    expect(conn.read_reply(), '2', "RSET");
    std::this_thread::sleep_for(500ms);
  }
  conn.write("DATA\r\n");
  expect(conn.read_reply(), '3', "DATA");
  conn.write("From: <portcullis-upgrade@" + std::string(health_domain) + ">\r\nTo: <check@" + health_domain +
             ">\r\nSubject: portcullis-upgrade health check\r\nMessage-ID: <" + token + "@" + config.hostname +
             ">\r\n\r\nHealth check " + token + "\r\n.\r\n");
  expect(conn.read_reply(), '2', "end of DATA");
  conn.write("QUIT\r\n");
}

}  // namespace

std::vector<std::string> cli_argv(const Layout& layout, std::initializer_list<std::string> args) {
  std::vector<std::string> argv{layout.cli().string(), "--config", layout.config.string()};
  argv.insert(argv.end(), args);
  return argv;
}

std::map<std::string, std::string> db_status(const Layout& layout) {
  std::map<std::string, std::string> out;
  std::istringstream in(run_checked(cli_argv(layout, {"db", "status"}), within(60)));
  for (std::string line; std::getline(in, line);) {
    const auto sp = line.find(' ');
    if (sp == std::string::npos) continue;
    const auto value = line.find_first_not_of(' ', sp);
    out[line.substr(0, sp)] = value == std::string::npos ? "" : line.substr(value);
  }
  return out;
}

namespace {
// What the check adds for its probe, removed (whatever of it is there) before and after.
void remove_route(const Layout& layout) {
  (void)run_command(cli_argv(layout, {"spam-policy", "unassign", std::string("@") + health_domain}), within(60));
  (void)run_command(cli_argv(layout, {"spam-policy", "remove", health_policy}), within(60));
  (void)run_command(cli_argv(layout, {"domain", "remove", health_domain}), within(60));
  (void)run_command(cli_argv(layout, {"tlspolicy", "remove", health_domain}), within(60));
}
}  // namespace

void health_check(const Layout& layout, const core::Config& config, Journal& journal, const HealthOptions& options) {
  if (options.service) {
    const auto r = run_command({"systemctl", "is-active", layout.service}, within(30));
    std::string state = r.output;
    while (!state.empty() && (state.back() == '\n' || state.back() == ' ')) state.pop_back();
    if (state != "active") throw std::runtime_error("health: " + layout.service + " is " + state + ", not active");
    journal.info("health: " + layout.service + " active (READY)");
  }
  const auto& listener = inbound_listener(config);
  {
    auto conn = LineConn::connect(reachable_address(listener.address), listener.port, 30s);
    const std::string banner = conn.read_reply();
    if (!banner.starts_with("220 ") && !banner.starts_with("220-"))
      throw std::runtime_error("health: SMTP banner on port " + std::to_string(listener.port) + ": " + banner);
    conn.write("QUIT\r\n");
    journal.info("health: SMTP banner on port " + std::to_string(listener.port) + ": " + banner.substr(0, 80));
  }
  {
    Sink sink;
    const std::string token = "health-" + core::new_queue_id();
    const auto route = [&](std::initializer_list<std::string> args) {
      journal.detail(run_checked(cli_argv(layout, args), within(60)));
    };
    // A stale route from an interrupted check goes first.
    remove_route(layout);
    route({"domain", "add", health_domain, "--destination", "127.0.0.1:" + std::to_string(sink.port())});
    route({"tlspolicy", "set", health_domain, "none", "--note", "portcullis-upgrade health check (removed after it)"});
    // The probe's own spam policy: clamd scans it when it is up, but a scanner that is down
    // (a fresh appliance waiting for its virus signatures) or slow (spamd), greylisting or a
    // strict threshold must not fail an upgrade that changed none of them. A release without
    // spam policies: the check goes on with the default policy (noted).
    const auto spam_policy = run_command(
        cli_argv(layout, {"spam-policy", "set", health_policy, "--virus-scan", "on", "--spam-scan", "off",
                          "--scanner-failure", "accept", "--greylisting", "off", "--tag", "off", "--quarantine",
                          "off", "--reject", "off"}),
        within(60));
    const auto assigned = spam_policy.status == 0
                              ? run_command(cli_argv(layout, {"spam-policy", "assign", std::string("@") + health_domain,
                                                              health_policy}),
                                            within(60))
                              : spam_policy;
    if (assigned.status != 0) journal.detail("health: no spam policy of its own for the probe: " + assigned.output);
    std::string failure;
    try {
      send_probe(listener, config, token);
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(90);
      while (!sink.received(token) && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(200ms);
      if (!sink.received(token)) failure = "health: the test message was accepted but not delivered to the sink within 90 s";
    } catch (const std::exception& e) {
      failure = std::string("health: the test message: ") + e.what();
    }
    remove_route(layout);
    if (!failure.empty()) throw std::runtime_error(failure);
    journal.info("health: a test message went through the pipeline to a local sink (" + token + ")");
  }
  const auto status = db_status(layout);
  const auto state = status.find("state");
  if (state == status.end() || state->second != "current")
    throw std::runtime_error("health: portcullis db status: schema " +
                             (state == status.end() ? std::string("unknown") : state->second));
  journal.info("health: database schema current (version " + status.at("schema-version") + ")");
}

}  // namespace portcullis::upgrade
