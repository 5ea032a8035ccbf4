// Builds and runs the daemon from its options: the one place where the rooms are wired.
#pragma once
#include <string>

namespace portcullis::app {

struct DaemonOptions {
  std::string config_file;  // empty: $PORTCULLIS_CONFIG, /etc/portcullis/portcullis.toml, or defaults
  bool foreground = false;
  bool check_only = false;
  bool migrate = false;  // bring an older database schema up to date (an empty one always is)
};

// Returns the process exit code.
int run_daemon(const DaemonOptions& opts);

// The configuration file to use: explicit, $PORTCULLIS_CONFIG, the system file, or "" (defaults).
std::string find_config_file(const std::string& explicit_file);

}  // namespace portcullis::app
