// Outbound SMTP client: one connection to a next hop, able to carry several transactions
// (connection reuse). Every network wait has a timeout; replies are parsed strictly
// (3-digit code, multi-line, bounded size). Uses PIPELINING when the server offers it.
// STARTTLS by the destination's TLS policy (ClientTls): may — when offered, unverified (RFC
// 7435), a failed handshake retried once in clear text on the same address; encrypt — TLS or
// no delivery to that address; verify — TLS with a certificate that chains to a trusted CA
// and names the next hop (or one of the policy's names). none — never.
// DANE (RFC 7672): a host listed in ClientTls::dane is held to its TLSA records whatever the
// policy (except none): TLS is mandatory and, with usable records, the certificate must match
// one; a host whose TLSA lookup failed is not used at all.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/reply.hpp"
#include "tls/dane.hpp"

namespace portcullis::smtp {



struct ClientTimeouts {
  std::chrono::seconds connect{30};
  std::chrono::seconds greeting{300};
  std::chrono::seconds command{300};
  std::chrono::seconds data_done{600};
};

// none..verify are the admin's policies (parse_tls_mode); dane is what a host with usable
// TLSA records gets (authenticated by them, tls/dane.hpp).
enum class TlsMode { none, may, encrypt, verify, dane };
bool parse_tls_mode(std::string_view text, TlsMode& out);

struct ClientTls {
  std::shared_ptr<boost::asio::ssl::context> context;  // nullptr: no TLS at all
  TlsMode mode = TlsMode::may;
  std::vector<std::string> names;  // verify: acceptable names (empty: the next hop's own name)
  std::map<std::string, tls::DaneHost> dane;  // by host name: hosts with validated TLSA lookups
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
      std::string helo_name, std::string peer_name, ClientTimeouts timeouts, ClientTls tls = {},
      std::vector<std::string> hosts = {});  // hosts[i]: the name of endpoints[i] (else peer_name)

  ~ClientConnection();
  // One transaction. Never throws for SMTP-level failures: they are in the result. A broken
  // connection yields code-0 replies and usable() == false.
  boost::asio::awaitable<TransactionResult> send(const OutboundMessage& msg);
  boost::asio::awaitable<void> quit();
  bool usable() const { return usable_; }
  const std::string& peer() const { return peer_; }  // "name[ip]:port"
  bool supports_pipelining() const { return pipelining_; }
  // "TLSv1.3 TLS_AES_256_GCM_SHA384" (+ " verified" under a verify policy, " DANE-EE" or
  // " DANE-TA" when TLSA records authenticated the peer), or "" in clear text.
  const std::string& tls() const { return tls_desc_; }

 private:
  ClientConnection(boost::asio::ip::tcp::socket sock, std::string peer, ClientTimeouts t);
  boost::asio::awaitable<Reply> read_reply(std::chrono::seconds timeout);
  boost::asio::awaitable<bool> write(std::string_view data, std::chrono::seconds timeout);
  void parse_ehlo(const Reply& r);
  // EHLO (HELO as fallback); "" or why the server refused.
  boost::asio::awaitable<std::string> greet(const std::string& helo_name, Reply& refusal);
  // STARTTLS and the handshake; false if the connection is unusable afterwards.
  // `mode` is the host's own (the policy's, or dane/encrypt by its TLSA records).
  boost::asio::awaitable<bool> start_tls(const std::string& peer_name, const ClientTls& tls, TlsMode mode,
                                         const tls::DaneHost* dane);

  boost::asio::ip::tcp::socket sock_;
  std::shared_ptr<boost::asio::ssl::context> tls_ctx_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
  std::string tls_desc_;
  std::string tls_error_;  // why start_tls failed
  bool starttls_ = false;  // offered in the EHLO reply
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
