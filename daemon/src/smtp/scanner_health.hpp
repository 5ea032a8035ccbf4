// Whether this gateway's scanners (clamd, spamd; [scanners] in the configuration) answer: each
// configured one is pinged at start and then every `period` (and at once on `check_now`, which a
// reload calls). A change is logged once — `scanner_down` (warning, with why) and `scanner_up` —
// and `portcullis status` shows the last answer: "up", "down: WHY (since TIME)", "off" when
// the scanner is not configured, "unknown" before the first answer. The messages never wait for
// this: each scan connects on its own and a failed scan is the policies' tempfail/accept
// choice; this is what tells the admin why (on a fresh appliance: clamd waits for its virus
// signatures, docs/appliance.md).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "checks/scanner/endpoint.hpp"
#include "checks/scanner/ping.hpp"
#include "smtp/content_scan.hpp"

namespace portcullis::smtp {

// What is known of one scanner. Pure (unit-tested): record() is the only change.
struct ScannerState {
  enum class Health { unknown, up, down };
  Health health = Health::unknown;
  std::string detail = {};   // down: why (printable)
  std::int64_t since = 0;    // unix time of the change to this health

  // A ping's answer at `now`: true when the health changed (up <-> down, or the first answer).
  // A down scanner whose reason changes stays "down" since the first failure (not a change).
  bool record(const checks::scanner::PingResult& answer, std::int64_t now);
  // For status: "unknown", "up", "down: WHY (since 2026-11-24T10:00:00Z)".
  std::string describe() const;
};

class ScannerHealth {
 public:
  ScannerHealth(boost::asio::io_context& io, const Scanners& scanners);

  // The first pings now (asynchronously), then every `period`, until stop().
  void start(std::chrono::seconds period);
  void check_now();  // ping again at once (a reload: the admin may have fixed a scanner)
  void stop();

  // ("clamd", "up" | "down: ..." | "unknown" | "off"), then spamd's: the status lines' values.
  std::vector<std::pair<std::string, std::string>> report() const;

 private:
  using PingFn = boost::asio::awaitable<checks::scanner::PingResult> (*)(boost::asio::any_io_executor,
                                                                          checks::scanner::Endpoint,
                                                                          std::chrono::milliseconds);
  struct Probe {
    std::string name;  // "clamd", "spamd"
    std::optional<checks::scanner::Endpoint> endpoint;
    PingFn ping;       // clamd_ping, spamd_ping
    ScannerState state = {};
  };
  boost::asio::awaitable<void> loop(std::chrono::seconds period);
  boost::asio::awaitable<void> probe(Probe& p);

  boost::asio::io_context& io_;
  std::chrono::milliseconds timeout_;
  std::vector<Probe> probes_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace portcullis::smtp
