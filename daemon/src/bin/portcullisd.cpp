// portcullisd: the gateway daemon. Wiring only: configuration, store, spool, policy,
// queue manager and SMTP server are built in daemon/src/app (see app/daemon.hpp).
#include <cstdio>
#include <cstring>
#include <string>

#include "app/daemon.hpp"

namespace {
void usage() {
  std::fputs(
      "usage: portcullisd [--config FILE] [--foreground] [--check-config] [--migrate]\n"
      "  --config FILE   bootstrap configuration (default: $PORTCULLIS_CONFIG, then\n"
      "                  /etc/portcullis/portcullis.toml if present, else built-in defaults)\n"
      "  --foreground    stay attached to the terminal (the default under systemd and make run)\n"
      "  --check-config  validate the configuration and exit\n"
      "  --migrate       migrate an older database schema before starting (an empty\n"
      "                  database is always set up; a newer schema is always refused)\n",
      stderr);
}
}  // namespace

int main(int argc, char** argv) {
  portcullis::app::DaemonOptions opts;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--config" && i + 1 < argc) {
      opts.config_file = argv[++i];
    } else if (a == "--foreground" || a == "-f") {
      opts.foreground = true;
    } else if (a == "--migrate") {
      opts.migrate = true;
    } else if (a == "--check-config") {
      opts.check_only = true;
    } else if (a == "--help" || a == "-h") {
      usage();
      return 0;
    } else {
      std::fprintf(stderr, "portcullisd: unknown argument %s\n", a.c_str());
      usage();
      return 2;
    }
  }
  return portcullis::app::run_daemon(opts);
}
