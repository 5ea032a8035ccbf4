// Applying a re-read configuration file to the running daemon (SIGHUP, `portcullis reload`).
// What the event loop reads at the time of use takes effect at once: hostname, log_level,
// [limits], [timeouts], [delivery] (except resolvers). What was set up at start-up — listeners,
// paths, the store, the identity, the system call filter, the control socket, metrics, the
// rules engine's threads and limits, tracking, resolvers — keeps its running value and is
// reported as needing a restart.
#pragma once
#include <string>
#include <vector>

#include "core/config.hpp"

namespace portcullis::app {

struct ReloadOutcome {
  std::vector<std::string> applied;        // keys (or [tables]) whose new value is in effect
  std::vector<std::string> needs_restart;  // changed keys that keep their running value
};

// Copies the live part of `fresh` into `live` (call on the event loop's thread).
ReloadOutcome apply_config(core::Config& live, const core::Config& fresh);

}  // namespace portcullis::app
