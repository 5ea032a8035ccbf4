// What the scanner tests share: running a coroutine on an io_context with a bound, a private
// clamd or spamd (tests/tools/scanners.py as a child process, stopped with the object even when
// a test fails), in-process loopback servers that play a scanner (silent, or scripted), and the
// test messages (EICAR, GTUBE).
#pragma once
#include <sys/types.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "checks/scanner/endpoint.hpp"
#include "core/process.hpp"

namespace portcullis::test {

using Clock = std::chrono::steady_clock;

// Runs `op` on `io` until it completes or `limit` passes (then throws: a hung client is a bug).
template <class T>
T run(boost::asio::io_context& io, boost::asio::awaitable<T> op, Clock::duration limit = std::chrono::seconds(60)) {
  std::optional<T> out;
  std::exception_ptr error;
  boost::asio::co_spawn(io, std::move(op), [&](std::exception_ptr e, T value) {
    error = e;
    if (!e) out = std::move(value);
  });
  const auto until = Clock::now() + limit;
  while (!out && !error && Clock::now() < until) {
    io.restart();
    io.run_one_for(std::chrono::milliseconds(20));
  }
  if (error) std::rethrow_exception(error);
  if (!out) throw std::runtime_error("the operation did not complete in time");
  return std::move(*out);
}

checks::scanner::Endpoint endpoint(const std::string& text);  // parse_endpoint, or throws

// A private scanner: `python3 tests/tools/scanners.py KIND ARGS...`, which prints one JSON
// line once the scanner answers PING and stops it when its standard input closes.
class ScannerProcess {
 public:
  ScannerProcess(std::string kind, std::vector<std::string> args = {});
  ~ScannerProcess();  // closes the helper's stdin, waits (bounded), kills it if it lingers
  ScannerProcess(const ScannerProcess&) = delete;
  ScannerProcess& operator=(const ScannerProcess&) = delete;

  // "" once started, else why not (the helper's error, with the scanner's log).
  const std::string& error() const { return error_; }
  std::string unix_endpoint() const { return "unix:" + unix_path_; }
  std::string tcp_endpoint() const { return "tcp:" + tcp_; }
  const std::string& unix_path() const { return unix_path_; }
  double startup_seconds() const { return startup_seconds_; }

 private:
  pid_t pid_ = -1;
  core::Fd stdin_;
  std::string error_;
  std::string unix_path_;
  std::string tcp_;
  double startup_seconds_ = 0.0;
};

// A loopback server in this process, on the test's io_context: TCP on 127.0.0.1 (a free port)
// or a unix socket in a temporary folder. Each accepted connection is given to `handle`; with
// no handler the server accepts and never answers (the connections stay open until the server
// goes away). A connection is closed when its handler returns.
class FakeServer {
 public:
  using Socket = boost::asio::generic::stream_protocol::socket;
  using Handler = std::function<boost::asio::awaitable<void>(std::shared_ptr<Socket>)>;

  enum class Kind { tcp, unix_socket };
  FakeServer(boost::asio::io_context& io, Kind kind, Handler handle = {});
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::string endpoint_text() const { return endpoint_; }
  int accepted() const;  // connections accepted so far

  struct State;  // the acceptor and the connections, shared with the accepting coroutine

 private:
  std::shared_ptr<State> state_;
  std::string endpoint_;
  std::filesystem::path dir_;
};

// Reads exactly n octets, or until EOF/error (then fewer).
boost::asio::awaitable<std::string> read_exactly(FakeServer::Socket& socket, std::size_t n);
// Reads until `marker` arrives (included), at most `limit` octets.
boost::asio::awaitable<std::string> read_until(FakeServer::Socket& socket, std::string marker,
                                               std::size_t limit = 1 << 20);
boost::asio::awaitable<void> write_all(FakeServer::Socket& socket, std::string data);

// The EICAR anti-malware test file (68 octets) and SpamAssassin's GTUBE string.
std::string eicar();
std::string gtube();
// An RFC 5322 message with this body (CRLF line ends).
std::string message_with_body(const std::string& body);

}  // namespace portcullis::test
