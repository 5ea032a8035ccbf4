// File descriptors at start-up: the daemon closes every descriptor it inherited and does not
// own (a leaked descriptor of the parent — a terminal, a log file, a database socket — would
// be reachable after a compromise), keeping stdin/stdout/stderr and the listening sockets
// systemd passes (socket activation, LISTEN_FDS).
#pragma once
#include <string>
#include <vector>

namespace portcullis::sandbox {

struct PassedSocket {
  int fd;
  std::string name;  // FileDescriptorName= of the socket unit ("inbound", "submission"), or ""
};

// The sockets systemd passed to this process (sd_listen_fds_with_names; none without
// LISTEN_FDS/LISTEN_PID for this pid). Unsets the variables so children do not see them.
std::vector<PassedSocket> passed_sockets();

// Closes every open descriptor above 2 except `keep`. Returns how many it closed.
int close_inherited_descriptors(const std::vector<int>& keep);

}  // namespace portcullis::sandbox
