#include "smtp/scanner_health.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <algorithm>
#include <ctime>

#include "checks/clamd/client.hpp"
#include "checks/spamd/client.hpp"
#include "core/log.hpp"
#include "core/time_format.hpp"

namespace portcullis::smtp {
namespace asio = boost::asio;
namespace scanner = checks::scanner;

// A ping is a few octets each way: a scanner that needs longer than this is not well.
constexpr std::chrono::milliseconds kPingTimeout{10000};

bool ScannerState::record(const scanner::PingResult& answer, std::int64_t now) {
  const Health next = answer.ok ? Health::up : Health::down;
  detail = answer.ok ? std::string() : answer.detail;
  if (next == health) return false;
  health = next;
  since = now;
  return true;
}

std::string ScannerState::describe() const {
  switch (health) {
    case Health::unknown: return "unknown";
    case Health::up: return "up";
    case Health::down: break;
  }
  return "down: " + detail + " (since " + core::format_utc(since, core::TimeStyle::iso8601) + ")";
}

ScannerHealth::ScannerHealth(asio::io_context& io, const Scanners& scanners)
    : io_(io), timeout_(std::min(scanners.timeout, kPingTimeout)), timer_(io) {
  probes_.push_back({"clamd", scanners.clamd, &scanner::clamd_ping});
  probes_.push_back({"spamd", scanners.spamd, &scanner::spamd_ping});
}

void ScannerHealth::start(std::chrono::seconds period) {
  const bool any = std::any_of(probes_.begin(), probes_.end(), [](const Probe& p) { return p.endpoint.has_value(); });
  if (!any) return;  // nothing to watch
  auto op = loop(period);
  asio::co_spawn(io_, std::move(op), asio::detached);
}

void ScannerHealth::check_now() { timer_.cancel(); }

void ScannerHealth::stop() {
  stopped_ = true;
  timer_.cancel();
}

std::vector<std::pair<std::string, std::string>> ScannerHealth::report() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& p : probes_) out.emplace_back(p.name, p.endpoint ? p.state.describe() : "off");
  return out;
}

asio::awaitable<void> ScannerHealth::loop(std::chrono::seconds period) {
  while (!stopped_) {
    for (auto& p : probes_) {
      if (stopped_) break;
      if (!p.endpoint) continue;
      auto op = probe(p);
      co_await std::move(op);
    }
    if (stopped_) break;
    timer_.expires_after(period);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));  // check_now() cancels
  }
}

asio::awaitable<void> ScannerHealth::probe(Probe& p) {
  auto executor = co_await asio::this_coro::executor;
  auto op = p.ping(executor, *p.endpoint, timeout_);
  const scanner::PingResult answer = co_await std::move(op);
  const auto endpoint = scanner::to_string(*p.endpoint);
  if (!p.state.record(answer, static_cast<std::int64_t>(std::time(nullptr)))) co_return;
  if (answer.ok)
    log::info("scanner_up", {{"scanner", p.name}, {"endpoint", endpoint}});
  else
    log::warn("scanner_down", {{"scanner", p.name}, {"endpoint", endpoint}, {"error", answer.detail}});
}

}  // namespace portcullis::smtp
