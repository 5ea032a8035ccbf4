// The listening sockets of the SMTP server (smtp/server.hpp): bound from the configuration
// before the daemon drops its privileges, or adopted from systemd's socket activation.
#include <sys/socket.h>

#include <boost/asio/ip/v6_only.hpp>
#include <cerrno>
#include <system_error>

#include "smtp/server.hpp"

namespace portcullis::smtp {
namespace asio = boost::asio;
using asio::ip::tcp;

std::vector<BoundListener> bind_listeners(asio::io_context& io, const core::Config& config) {
  std::vector<BoundListener> out;
  for (const auto& lc : config.listeners) {
    const tcp::endpoint ep(asio::ip::make_address(lc.address), lc.port);
    BoundListener l{tcp::acceptor(io), lc.role, lc.tls, lc.require_tls};
    try {
      l.acceptor.open(ep.protocol());
      l.acceptor.set_option(asio::socket_base::reuse_address(true));
      if (ep.address().is_v6()) l.acceptor.set_option(asio::ip::v6_only(true));
      l.acceptor.bind(ep);
      l.acceptor.listen(asio::socket_base::max_listen_connections);
    } catch (const boost::system::system_error& e) {
      throw std::system_error(e.code(), "cannot listen on " + lc.address + ":" + std::to_string(lc.port));
    }
    out.push_back(std::move(l));
  }
  return out;
}

BoundListener adopt_listener(asio::io_context& io, int fd, core::ListenerRole role) {
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    throw std::system_error(errno, std::generic_category(), "passed socket " + std::to_string(fd));
  if (addr.ss_family != AF_INET && addr.ss_family != AF_INET6)
    throw std::runtime_error("passed socket " + std::to_string(fd) + " is not a TCP/IP socket");
  const tcp protocol = addr.ss_family == AF_INET ? tcp::v4() : tcp::v6();
  return BoundListener{tcp::acceptor(io, protocol, fd), role};
}

}  // namespace portcullis::smtp
