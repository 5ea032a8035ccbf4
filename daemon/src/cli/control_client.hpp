// The CLI side of the control socket (control/protocol.hpp): connect, send one command, read
// the response (or, for tail, print lines as they come). Blocking with timeouts: this is the
// CLI, not the daemon.
#pragma once
#include <filesystem>
#include <iosfwd>
#include <string>

#include "control/protocol.hpp"

namespace portcullis::cli {

class ControlClient {
 public:
  // Connects; CommandError "cannot reach portcullisd at PATH: ... — is it running?" if not.
  explicit ControlClient(const std::filesystem::path& socket);
  ~ControlClient();
  ControlClient(const ControlClient&) = delete;
  ControlClient& operator=(const ControlClient&) = delete;

  // Sends `command` and returns the response; CommandError on a failed exchange or an
  // "error:" response.
  control::Response request(const std::string& command);
  // Sends "tail" and copies every line to `out` until the daemon closes the connection.
  void tail(std::ostream& out);

 private:
  void send_line(const std::string& line);
  bool fill(int timeout_ms);  // false on end of stream

  std::filesystem::path path_;
  int fd_ = -1;
  std::string buf_;
};

}  // namespace portcullis::cli
