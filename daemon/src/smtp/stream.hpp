// The server session's connection: plain TCP, then (after STARTTLS, or from the start on an
// implicit-TLS listener) TLS over the same socket. Reads and writes go to whichever is active;
// cancel() aborts whatever is pending on the socket (timeouts, shutdown), TLS or not.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <optional>

#include "tls/server_context.hpp"

namespace portcullis::smtp {

class ServerStream {
 public:
  explicit ServerStream(boost::asio::ip::tcp::socket socket);
  ServerStream(const ServerStream&) = delete;
  ServerStream& operator=(const ServerStream&) = delete;

  boost::asio::ip::tcp::socket& socket() { return socket_; }
  bool tls() const { return tls_ != nullptr; }
  const std::optional<tls::TlsInfo>& tls_info() const { return info_; }

  boost::asio::awaitable<std::size_t> read_some(boost::asio::mutable_buffer buf, boost::system::error_code& ec);
  boost::asio::awaitable<void> write(boost::asio::const_buffer buf, boost::system::error_code& ec);
  // Server handshake with `contexts` (kept alive as long as this stream). On failure the
  // stream is unusable and ec says why.
  boost::asio::awaitable<void> handshake(std::shared_ptr<tls::ServerContexts> contexts, boost::system::error_code& ec);
  void cancel();

 private:
  boost::asio::ip::tcp::socket socket_;
  std::shared_ptr<tls::ServerContexts> contexts_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  std::optional<tls::TlsInfo> info_;
};

}  // namespace portcullis::smtp
