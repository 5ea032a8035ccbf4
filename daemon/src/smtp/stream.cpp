#include "smtp/stream.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

namespace portcullis::smtp {

namespace asio = boost::asio;

ServerStream::ServerStream(asio::ip::tcp::socket socket) : socket_(std::move(socket)) {}

asio::awaitable<std::size_t> ServerStream::read_some(asio::mutable_buffer buf, boost::system::error_code& ec) {
  if (tls_) co_return co_await tls_->async_read_some(buf, asio::redirect_error(asio::use_awaitable, ec));
  co_return co_await socket_.async_read_some(buf, asio::redirect_error(asio::use_awaitable, ec));
}

asio::awaitable<void> ServerStream::write(asio::const_buffer buf, boost::system::error_code& ec) {
  if (tls_) {
    co_await asio::async_write(*tls_, buf, asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await asio::async_write(socket_, buf, asio::redirect_error(asio::use_awaitable, ec));
  }
}

asio::awaitable<void> ServerStream::handshake(std::shared_ptr<tls::ServerContexts> contexts,
                                              boost::system::error_code& ec) {
  contexts_ = std::move(contexts);
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, contexts_->context());
  co_await tls_->async_handshake(asio::ssl::stream_base::server, asio::redirect_error(asio::use_awaitable, ec));
  if (!ec) info_ = tls::describe_session(tls_->native_handle());
}

void ServerStream::cancel() {
  boost::system::error_code ec;
  socket_.cancel(ec);
}

}  // namespace portcullis::smtp
