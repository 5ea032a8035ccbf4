// Small blocking sockets with time limits, for the upgrade tool's own SMTP conversations (the
// health check's probe and sink, the maintenance responder). Not on any event loop: the tool
// is a command-line program that does one thing at a time.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>

#include "core/process.hpp"

namespace portcullis::upgrade {

// "0.0.0.0" -> "127.0.0.1", "::" -> "::1": where to reach a wildcard listener from here.
std::string reachable_address(const std::string& listen_address);

// A listening TCP socket (SO_REUSEADDR; IPv6 sockets IPv6-only); port 0 picks a free one.
core::Fd listen_tcp(const std::string& address, uint16_t port, int backlog = 64);
uint16_t local_port(int fd);

// A connected stream with line reads; every call bounded by `timeout`. Throws on errors,
// timeouts and end of stream.
class LineConn {
 public:
  explicit LineConn(core::Fd fd, std::chrono::seconds timeout);
  static LineConn connect(const std::string& address, uint16_t port, std::chrono::seconds timeout);
  std::string read_line();             // without CRLF
  std::string read_reply();            // an SMTP reply, multi-line joined by '\n'
  void write(const std::string& data);
  int fd() const { return fd_.get(); }

 private:
  core::Fd fd_;
  std::chrono::seconds timeout_;
  std::string buffer_;
};

}  // namespace portcullis::upgrade
