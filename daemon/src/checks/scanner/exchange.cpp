// checks/scanner/exchange.hpp: a deadline-bounded exchange with a scanner, and sending a message.
#include "checks/scanner/exchange.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <exception>
#include <utility>

#include "checks/scanner/printable.hpp"

namespace portcullis::checks::scanner {

namespace asio = boost::asio;
using boost::system::error_code;

Exchange::Exchange(asio::any_io_executor executor, std::chrono::milliseconds timeout, std::string peer)
    : socket_(executor),
      deadline_(executor, timeout,
                [this] {
                  error_code ignored;
                  socket_.close(ignored);  // ends the pending step with operation_aborted
                }),
      timeout_(timeout),
      peer_(std::move(peer)) {}

asio::awaitable<error_code> Exchange::connect(const Endpoint& endpoint) {
  where_ = to_string(endpoint);
  if (expired()) co_return asio::error::timed_out;
  asio::generic::stream_protocol::endpoint target;
  if (endpoint.kind == Endpoint::Kind::unix_socket) {
    target = asio::local::stream_protocol::endpoint(endpoint.path);
  } else {
    target = asio::ip::tcp::endpoint(endpoint.address, endpoint.port);
  }
  error_code ec;
  co_await socket_.async_connect(target, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

asio::awaitable<error_code> Exchange::write(std::string_view head, std::string_view body) {
  if (expired()) co_return asio::error::timed_out;
  const std::array<asio::const_buffer, 2> buffers = {asio::buffer(head.data(), head.size()),
                                                     asio::buffer(body.data(), body.size())};
  error_code ec;
  co_await asio::async_write(socket_, buffers, asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

void Exchange::shutdown_send() {
  error_code ignored;
  socket_.shutdown(asio::socket_base::shutdown_send, ignored);
}

std::size_t Exchange::available() {
  error_code ec;
  const std::size_t n = socket_.available(ec);
  return ec ? 0 : n;
}

asio::awaitable<Exchange::Reply> Exchange::read_reply(std::size_t limit, std::optional<char> until) {
  Reply reply;
  if (expired()) {
    reply.error = asio::error::timed_out;
    co_return reply;
  }
  std::array<char, 4096> buffer{};
  while (true) {
    error_code ec;
    const std::size_t n =
        co_await socket_.async_read_some(asio::buffer(buffer), asio::redirect_error(asio::use_awaitable, ec));
    const std::string_view got(buffer.data(), n);
    const std::size_t end = until ? got.find(*until) : std::string_view::npos;
    const std::string_view keep = end == std::string_view::npos ? got : got.substr(0, end + 1);
    if (reply.data.size() + keep.size() > limit) {
      reply.data.append(keep.substr(0, limit - reply.data.size()));
      reply.too_long = true;
      co_return reply;
    }
    reply.data.append(keep);
    if (end != std::string_view::npos) co_return reply;
    if (ec == asio::error::eof) co_return reply;
    if (ec) {
      reply.error = ec;
      co_return reply;
    }
  }
}

std::string Exchange::describe(const error_code& error, std::string_view step) const {
  if (expired() || error == asio::error::timed_out)
    return peer_ + " timed out after " + std::to_string(timeout_.count()) + " ms (" + std::string(step) + ")";
  return peer_ + " at " + printable(where_) + ": " + std::string(step) + ": " + error.message();
}

namespace {

// The errors after which the peer may still have said why (it answered and closed).
bool peer_stopped_reading(const error_code& ec) {
  return ec == asio::error::broken_pipe || ec == asio::error::connection_reset ||
         ec == asio::error::connection_aborted || ec == asio::error::eof;
}

std::string big_endian32(std::size_t n) {
  std::string out(4, '\0');
  out[0] = static_cast<char>((n >> 24) & 0xff);
  out[1] = static_cast<char>((n >> 16) & 0xff);
  out[2] = static_cast<char>((n >> 8) & 0xff);
  out[3] = static_cast<char>(n & 0xff);
  return out;
}

}  // namespace

asio::awaitable<SendOutcome> send_message(Exchange& exchange, const ChunkSource& source, std::uint64_t size,
                                          Framing framing) {
  SendOutcome out;
  auto fail_on_deadline = [&](std::string_view step) {
    out.kind = SendOutcome::Kind::failed;
    out.timed_out = true;
    out.detail = exchange.describe(asio::error::timed_out, step);
  };
  while (out.sent < size) {
    if (exchange.available() > 0) {  // an early answer (clamd: size limit): stop, read it
      out.kind = SendOutcome::Kind::interrupted;
      out.detail = "the scanner answered after " + std::to_string(out.sent) + " of " + std::to_string(size) +
                   " octets";
      co_return out;
    }
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(kMaxChunk, size - out.sent));
    std::string chunk;
    try {
      auto op = source(out.sent, want);
      chunk = co_await std::move(op);
    } catch (const std::exception& e) {
      out.kind = SendOutcome::Kind::failed;
      out.detail = "reading the message at octet " + std::to_string(out.sent) + ": " + printable(e.what());
      co_return out;
    } catch (...) {
      out.kind = SendOutcome::Kind::failed;
      out.detail = "reading the message at octet " + std::to_string(out.sent) + ": unknown error";
      co_return out;
    }
    if (exchange.expired()) {
      fail_on_deadline("while reading the message");
      co_return out;
    }
    if (chunk.empty() || chunk.size() > want) {
      out.kind = SendOutcome::Kind::failed;
      out.detail = chunk.empty() ? "the message ended at octet " + std::to_string(out.sent) + " of " +
                                       std::to_string(size)
                                 : "the message source gave " + std::to_string(chunk.size()) +
                                       " octets when asked for at most " + std::to_string(want);
      co_return out;
    }
    const std::string head = framing == Framing::instream ? big_endian32(chunk.size()) : std::string();
    auto op = exchange.write(head, chunk);
    const error_code ec = co_await std::move(op);
    if (ec) {
      if (exchange.expired()) {
        fail_on_deadline("while sending the message");
      } else if (peer_stopped_reading(ec)) {
        out.kind = SendOutcome::Kind::interrupted;
        out.detail = exchange.describe(ec, "sending the message");
      } else {
        out.kind = SendOutcome::Kind::failed;
        out.detail = exchange.describe(ec, "sending the message");
      }
      co_return out;
    }
    out.sent += chunk.size();
  }
  if (framing == Framing::instream) {
    const std::string terminator = big_endian32(0);  // outlives the write (a view of it is taken)
    auto op = exchange.write(terminator);
    const error_code ec = co_await std::move(op);
    if (ec) {
      if (exchange.expired()) {
        fail_on_deadline("while sending the message");
      } else {
        out.kind = peer_stopped_reading(ec) ? SendOutcome::Kind::interrupted : SendOutcome::Kind::failed;
        out.detail = exchange.describe(ec, "ending the stream");
      }
      co_return out;
    }
  }
  out.kind = SendOutcome::Kind::sent;
  co_return out;
}

}  // namespace portcullis::checks::scanner
