#include "responder.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "net.hpp"

namespace portcullis::upgrade {

std::string maintenance_banner(const std::string& hostname) {
  return "421 4.3.2 " + hostname + " Service temporarily unavailable (upgrade in progress), try again later\r\n";
}

MaintenanceResponder::MaintenanceResponder(const core::Config& config) : banner_(maintenance_banner(config.hostname)) {
  for (const auto& l : config.listeners) {
    try {
      sockets_.push_back(listen_tcp(l.address, l.port));
    } catch (const std::exception& e) {
      errors_.push_back(e.what());
    }
  }
  thread_ = std::thread([this] { run(); });
}

MaintenanceResponder::~MaintenanceResponder() { stop(); }

void MaintenanceResponder::stop() {
  if (!thread_.joinable()) return;
  const char b = 'x';
  while (::write(wake_.write.get(), &b, 1) < 0 && errno == EINTR) {
  }
  thread_.join();
  sockets_.clear();
}

void MaintenanceResponder::run() {
  std::vector<pollfd> fds;
  fds.push_back({wake_.read.get(), POLLIN, 0});
  for (const auto& s : sockets_) fds.push_back({s.get(), POLLIN, 0});
  for (;;) {
    const int r = ::poll(fds.data(), fds.size(), -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0 || fds[0].revents != 0) return;
    for (std::size_t i = 1; i < fds.size(); ++i) {
      if ((fds[i].revents & POLLIN) == 0) continue;
      // Non-blocking accept and send: a slow client cannot hold the responder up; the banner
      // fits any socket buffer, and whatever the client sent is discarded with the socket.
      for (;;) {
        core::Fd c(::accept4(fds[i].fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
        if (c.get() < 0) break;
        (void)::send(c.get(), banner_.data(), banner_.size(), MSG_NOSIGNAL);
        ::shutdown(c.get(), SHUT_WR);
        ++answered_;
      }
    }
  }
}

}  // namespace portcullis::upgrade
