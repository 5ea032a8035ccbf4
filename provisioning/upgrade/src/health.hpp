// The health check after an install (and after a rollback, and on demand): is the gateway
// really serving mail?
//   1. the service is active: portcullisd is Type=notify, so "active" means it sent READY=1
//   2. its SMTP banner (220) on the first inbound listener
//   3. a test message through the whole pipeline (SMTP in, policy, Lua rules, queue, delivery)
//      to a sink of the tool's own on loopback: a route for the reserved domain
//      portcullis-health.invalid (RFC 2606) to the sink is added for the check, removed after
//   4. `portcullis db status` of the installed release says the schema is current
#pragma once
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "journal.hpp"
#include "layout.hpp"

namespace portcullis::upgrade {

struct HealthOptions {
  bool service = true;  // check the systemd unit (off where no systemd runs the daemon)
};

// Throws std::runtime_error naming the first check that failed; logs each one that passed.
void health_check(const Layout& layout, const core::Config& config, Journal& journal, const HealthOptions& options = {});

// The installed release's CLI with the configuration: {bin/portcullis, --config, FILE, args...}
std::vector<std::string> cli_argv(const Layout& layout, std::initializer_list<std::string> args);

// `portcullis db status` as key -> value.
std::map<std::string, std::string> db_status(const Layout& layout);

}  // namespace portcullis::upgrade
