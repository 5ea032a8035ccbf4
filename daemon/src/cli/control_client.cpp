#include "cli/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>

#include "cli/commands.hpp"

namespace portcullis::cli {
namespace {
constexpr int reply_timeout_ms = 30000;
}

ControlClient::ControlClient(const std::filesystem::path& socket) : path_(socket) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string p = socket.string();
  if (p.size() >= sizeof addr.sun_path) throw CommandError("control socket path too long: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw CommandError(std::string("socket: ") + std::strerror(errno));
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    const int e = errno;
    ::close(fd_);
    fd_ = -1;
    throw CommandError("cannot reach portcullisd at " + p + ": " + std::strerror(e) + " - is it running?");
  }
}

ControlClient::~ControlClient() {
  if (fd_ >= 0) ::close(fd_);
}

void ControlClient::send_line(const std::string& line) {
  const std::string data = line + "\n";
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::send(fd_, data.data() + off, data.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw CommandError("control socket " + path_.string() + ": " + std::strerror(errno));
    }
    off += static_cast<std::size_t>(n);
  }
}

bool ControlClient::fill(int timeout_ms) {
  pollfd p{fd_, POLLIN, 0};
  int r = 0;
  do {
    r = ::poll(&p, 1, timeout_ms);
  } while (r < 0 && errno == EINTR);
  if (r == 0) throw CommandError("portcullisd did not answer within " + std::to_string(timeout_ms / 1000) + " s");
  if (r < 0) throw CommandError(std::string("poll: ") + std::strerror(errno));
  char chunk[8192];
  ssize_t n = 0;
  do {
    n = ::recv(fd_, chunk, sizeof chunk, 0);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw CommandError("control socket " + path_.string() + ": " + std::strerror(errno));
  if (n == 0) return false;
  buf_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

control::Response ControlClient::request(const std::string& command) {
  send_line(command);
  control::Response r;
  for (;;) {
    const std::size_t used = control::parse_response(buf_, r);
    if (used > 0) {
      buf_.erase(0, used);
      break;
    }
    if (buf_.size() > (16u << 20)) throw CommandError("response from portcullisd too large");
    if (!fill(reply_timeout_ms)) throw CommandError("portcullisd closed the control connection");
  }
  if (!r.ok) throw CommandError("portcullisd: " + r.error);
  return r;
}

void ControlClient::tail(std::ostream& out) {
  send_line("tail");
  bool header = false;
  for (;;) {
    std::size_t nl;
    while ((nl = buf_.find('\n')) != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      if (!header) {
        if (line != "ok") throw CommandError("portcullisd: " + line);
        header = true;
        continue;
      }
      if (line.starts_with('.')) line.erase(0, 1);
      out << line << '\n' << std::flush;
    }
    if (!fill(-1)) return;  // the daemon stopped
  }
}

}  // namespace portcullis::cli
