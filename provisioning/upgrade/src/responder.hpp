// While the gateway is stopped for an upgrade or a rollback, something must answer on its
// SMTP ports, or senders see "connection refused". The responder binds every listener of the
// configuration and answers each connection at once with
//   421 4.3.2 HOST Service temporarily unavailable (upgrade in progress), try again later
// then closes it (RFC 5321 3.1: 421 instead of the greeting). It never reads what the client
// sends, so there is nothing to parse and nothing a client can make it do.
#pragma once
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "core/config.hpp"
#include "core/process.hpp"

namespace portcullis::upgrade {

class MaintenanceResponder {
 public:
  // Binds what it can; `bound()` says how many listeners are covered, `errors()` why not all.
  explicit MaintenanceResponder(const core::Config& config);
  ~MaintenanceResponder();
  MaintenanceResponder(const MaintenanceResponder&) = delete;
  MaintenanceResponder& operator=(const MaintenanceResponder&) = delete;

  std::size_t bound() const { return sockets_.size(); }
  const std::vector<std::string>& errors() const { return errors_; }
  std::size_t answered() const { return answered_.load(); }
  void stop();  // closes the ports; idempotent

 private:
  void run();
  std::vector<core::Fd> sockets_;
  std::vector<std::string> errors_;
  core::Pipe wake_;
  std::string banner_;
  std::atomic<std::size_t> answered_{0};
  std::thread thread_;
};

// The banner text (for tests and logs).
std::string maintenance_banner(const std::string& hostname);

}  // namespace portcullis::upgrade
