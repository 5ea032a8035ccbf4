// Outbound SMTP client: one connection to a next hop, able to carry several transactions
// (connection reuse). Every network wait has a timeout; replies are parsed strictly
// (3-digit code, multi-line, bounded size). Uses PIPELINING when the server offers it.
// TLS (STARTTLS) arrives with its own issue.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply.hpp"

namespace portcullis::smtp {



struct ClientTimeouts {
  std::chrono::seconds connect{30};
  std::chrono::seconds greeting{300};
  std::chrono::seconds command{300};
  std::chrono::seconds data_done{600};
};

struct OutboundMessage {
  std::string sender;  // empty = null sender
  std::vector<std::string> recipients;
  std::string_view content;  // CRLF message octets, not dot-stuffed
  bool body_8bit = false;
  bool smtputf8 = false;
};

struct TransactionResult {
  Reply mail;
  std::vector<Reply> rcpts;  // parallel to recipients
  Reply data;                // reply to the end of data (or to DATA if refused)
};



class ClientConnection {
 public:
  // Connects to the first endpoint that answers with 220, then EHLO (HELO as fallback).
  // Throws ConnectError with the reply/explanation when no endpoint works.
  struct ConnectError : std::runtime_error {
    ConnectError(const std::string& what, Reply r) : std::runtime_error(what), reply(std::move(r)) {}
    Reply reply;  // the server's reply if one was given (e.g. 554 banner), code 0 otherwise
  };
  static boost::asio::awaitable<std::unique_ptr<ClientConnection>> connect(
      boost::asio::any_io_executor ex, std::vector<boost::asio::ip::tcp::endpoint> endpoints,
      std::string helo_name, std::string peer_name, ClientTimeouts timeouts);

  ~ClientConnection();
  // One transaction. Never throws for SMTP-level failures: they are in the result. A broken
  // connection yields code-0 replies and usable() == false.
  boost::asio::awaitable<TransactionResult> send(const OutboundMessage& msg);
  boost::asio::awaitable<void> quit();
  bool usable() const { return usable_; }
  const std::string& peer() const { return peer_; }  // "name[ip]:port"
  bool supports_pipelining() const { return pipelining_; }

 private:
  ClientConnection(boost::asio::ip::tcp::socket sock, std::string peer, ClientTimeouts t);
  boost::asio::awaitable<Reply> read_reply(std::chrono::seconds timeout);
  boost::asio::awaitable<bool> write(std::string_view data, std::chrono::seconds timeout);
  void parse_ehlo(const Reply& r);

  boost::asio::ip::tcp::socket sock_;
  std::string peer_;
  ClientTimeouts timeouts_;
  std::string in_;
  bool usable_ = true;
  bool esmtp_ = false;
  bool pipelining_ = false;
  bool eightbit_ = false;
  bool smtputf8_ = false;
  bool size_ = false;
};

}  // namespace portcullis::smtp
