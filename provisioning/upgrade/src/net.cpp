#include "net.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace portcullis::upgrade {
namespace {

struct Address {
  sockaddr_storage storage{};
  socklen_t length = 0;
  int family = AF_INET;
};

Address parse_address(const std::string& address, uint16_t port) {
  Address a;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&a.storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&a.storage);
  if (::inet_pton(AF_INET, address.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    a.length = sizeof(sockaddr_in);
  } else if (::inet_pton(AF_INET6, address.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    a.length = sizeof(sockaddr_in6);
    a.family = AF_INET6;
  } else {
    throw std::runtime_error("not an IP address: " + address);
  }
  return a;
}

void wait_for(int fd, short events, std::chrono::seconds timeout, const char* what) {
  pollfd p{fd, events, 0};
  for (;;) {
    const int r = ::poll(&p, 1, static_cast<int>(timeout.count() * 1000));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw std::runtime_error(std::string(what) + ": " + std::strerror(errno));
    if (r == 0) throw std::runtime_error(std::string(what) + ": no answer within " + std::to_string(timeout.count()) + " s");
    return;
  }
}

}  // namespace

std::string reachable_address(const std::string& listen_address) {
  if (listen_address == "0.0.0.0") return "127.0.0.1";
  if (listen_address == "::") return "::1";
  return listen_address;
}

core::Fd listen_tcp(const std::string& address, uint16_t port, int backlog) {
  const Address a = parse_address(address, port);
  core::Fd fd(::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (a.family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a.storage), a.length) != 0 || ::listen(fd.get(), backlog) != 0)
    throw std::runtime_error("cannot listen on " + address + " port " + std::to_string(port) + ": " + std::strerror(errno));
  return fd;
}

uint16_t local_port(int fd) {
  sockaddr_storage s{};
  socklen_t len = sizeof s;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&s), &len) != 0) return 0;
  if (s.ss_family == AF_INET) return ntohs(reinterpret_cast<sockaddr_in*>(&s)->sin_port);
  return ntohs(reinterpret_cast<sockaddr_in6*>(&s)->sin6_port);
}

LineConn::LineConn(core::Fd fd, std::chrono::seconds timeout) : fd_(std::move(fd)), timeout_(timeout) {
  ::fcntl(fd_.get(), F_SETFL, ::fcntl(fd_.get(), F_GETFL) | O_NONBLOCK);
}

LineConn LineConn::connect(const std::string& address, uint16_t port, std::chrono::seconds timeout) {
  const Address a = parse_address(address, port);
  core::Fd fd(::socket(a.family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const std::string where = address + " port " + std::to_string(port);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a.storage), a.length) != 0) {
    if (errno != EINPROGRESS) throw std::runtime_error("cannot connect to " + where + ": " + std::strerror(errno));
    wait_for(fd.get(), POLLOUT, timeout, ("connecting to " + where).c_str());
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) throw std::runtime_error("cannot connect to " + where + ": " + std::strerror(err));
  }
  return LineConn(std::move(fd), timeout);
}

std::string LineConn::read_line() {
  for (;;) {
    const auto eol = buffer_.find('\n');
    if (eol != std::string::npos) {
      std::string line = buffer_.substr(0, eol);
      buffer_.erase(0, eol + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (buffer_.size() > 1024 * 1024) throw std::runtime_error("line too long");
    wait_for(fd_.get(), POLLIN, timeout_, "reading");
    char buf[4096];
    const ssize_t n = ::read(fd_.get(), buf, sizeof buf);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n < 0) throw std::runtime_error(std::string("reading: ") + std::strerror(errno));
    if (n == 0) throw std::runtime_error("the connection was closed");
    buffer_.append(buf, static_cast<std::size_t>(n));
  }
}

std::string LineConn::read_reply() {
  std::string reply;
  for (;;) {
    const std::string line = read_line();
    if (!reply.empty()) reply += '\n';
    reply += line;
    if (line.size() < 4 || line[3] != '-') return reply;
  }
}

void LineConn::write(const std::string& data) {
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd_.get(), data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      wait_for(fd_.get(), POLLOUT, timeout_, "writing");
      continue;
    }
    if (n < 0) throw std::runtime_error(std::string("writing: ") + std::strerror(errno));
    done += static_cast<std::size_t>(n);
  }
}

}  // namespace portcullis::upgrade
