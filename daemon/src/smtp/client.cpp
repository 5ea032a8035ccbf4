#include "smtp/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <stdexcept>

#include "core/async.hpp"
#include "core/log.hpp"
#include "tls/server_context.hpp"

namespace portcullis::smtp {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

std::string upper(std::string_view s) {
  std::string o(s);
  for (auto& c : o) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return o;
}
}  // namespace

ClientConnection::ClientConnection(tcp::socket sock, std::string peer, ClientTimeouts t)
    : sock_(std::move(sock)), peer_(std::move(peer)), timeouts_(t) {}

ClientConnection::~ClientConnection() {
  boost::system::error_code ec;
  sock_.close(ec);
}

asio::awaitable<Reply> ClientConnection::read_reply(std::chrono::seconds timeout) {
  Reply r;
  if (!usable_) co_return r;
  core::Deadline d(sock_.get_executor(), timeout, [this] { sock_.cancel(); });
  char buf[8192];
  for (;;) {
    try {
      const std::size_t used = parse_reply(in_, r);
      if (used > 0) {
        in_.erase(0, used);
        co_return r;
      }
    } catch (const std::exception& e) {
      usable_ = false;
      co_return Reply{0, std::string("protocol error from ") + peer_ + ": " + e.what()};
    }
    boost::system::error_code ec;
    const std::size_t n =
        tls_ ? co_await tls_->async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec))
             : co_await sock_.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      usable_ = false;
      co_return Reply{0, d.expired() ? "timeout waiting for reply from " + peer_
                                     : "connection lost with " + peer_ + ": " + ec.message()};
    }
    in_.append(buf, n);
  }
}

asio::awaitable<bool> ClientConnection::write(std::string_view data, std::chrono::seconds timeout) {
  if (!usable_) co_return false;
  core::Deadline d(sock_.get_executor(), timeout, [this] { sock_.cancel(); });
  boost::system::error_code ec;
  if (tls_) {
    co_await asio::async_write(*tls_, asio::buffer(data.data(), data.size()), asio::redirect_error(asio::use_awaitable, ec));
  } else {
    co_await asio::async_write(sock_, asio::buffer(data.data(), data.size()), asio::redirect_error(asio::use_awaitable, ec));
  }
  if (ec) usable_ = false;
  co_return !ec;
}

void ClientConnection::parse_ehlo(const Reply& r) {
  esmtp_ = true;
  pipelining_ = eightbit_ = smtputf8_ = size_ = starttls_ = false;  // again after STARTTLS
  std::size_t pos = 0;
  bool first = true;
  while (pos <= r.text.size()) {
    auto nl = r.text.find('\n', pos);
    if (nl == std::string::npos) nl = r.text.size();
    std::string_view line(r.text.data() + pos, nl - pos);
    pos = nl + 1;
    if (first) {
      first = false;
      continue;
    }
    if (line.size() < 4) continue;
    const std::string kw = upper(line.substr(4, line.find(' ', 4) == std::string_view::npos
                                                    ? std::string_view::npos
                                                    : line.find(' ', 4) - 4));
    if (kw == "PIPELINING") pipelining_ = true;
    else if (kw == "STARTTLS") starttls_ = true;
    else if (kw == "8BITMIME") eightbit_ = true;
    else if (kw == "SMTPUTF8") smtputf8_ = true;
    else if (kw == "SIZE") size_ = true;
  }
}

bool parse_tls_mode(std::string_view text, TlsMode& out) {
  if (text == "none") out = TlsMode::none;
  else if (text == "may") out = TlsMode::may;
  else if (text == "encrypt") out = TlsMode::encrypt;
  else if (text == "verify") out = TlsMode::verify;
  else return false;
  return true;
}

asio::awaitable<std::unique_ptr<ClientConnection>> ClientConnection::connect(
    asio::any_io_executor ex, std::vector<tcp::endpoint> endpoints, std::string helo_name, std::string peer_name,
    ClientTimeouts timeouts, ClientTls tls, std::vector<std::string> hosts) {
  std::string last_error = "no address for " + peer_name;
  Reply last_reply;
  for (std::size_t index = 0; index < endpoints.size(); ++index) {
    const auto& ep = endpoints[index];
    // The name this address was found under: the peer in logs, SNI, and what `verify` checks.
    const std::string& host = index < hosts.size() && !hosts[index].empty() ? hosts[index] : peer_name;
    // The host's TLSA records, if its lookup was validated, override the policy (but not none).
    const tls::DaneHost* dane = nullptr;
    if (auto it = tls.dane.find(host); it != tls.dane.end() && tls.mode != TlsMode::none) dane = &it->second;
    TlsMode mode = tls.mode;
    if (dane && dane->state == tls::DaneHost::State::unusable) {
      last_error = "DANE: " + dane->why + "; " + host + " not used";
      last_reply = Reply{451, "451 4.7.5 " + last_error};
      continue;
    }
    if (dane) mode = dane->state == tls::DaneHost::State::authenticate ? TlsMode::dane : TlsMode::encrypt;
    const bool required = mode == TlsMode::encrypt || mode == TlsMode::verify || mode == TlsMode::dane;
    const char* policy = dane ? "DANE" : mode == TlsMode::verify ? "verify" : "encrypt";
    // Pass 1 only after a failed opportunistic handshake in pass 0: TLS that is merely
    // possible (RFC 7435) is no reason not to deliver, so the same address again in clear text.
    for (int pass = 0; pass < 2; ++pass) {
      const bool use_tls = tls.context != nullptr && mode != TlsMode::none && pass == 0;
      tcp::socket sock(ex);
      boost::system::error_code ec;
      {
        core::Deadline d(ex, timeouts.connect, [&sock] { sock.cancel(); });
        co_await sock.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          last_error = "connect to " + host + "[" + ep.address().to_string() + "]:" + std::to_string(ep.port()) +
                       (d.expired() ? ": timed out" : ": " + ec.message());
          break;
        }
      }
      sock.set_option(tcp::no_delay(true), ec);
      std::string peer = host + "[" + ep.address().to_string() + "]:" + std::to_string(ep.port());
      std::unique_ptr<ClientConnection> c(new ClientConnection(std::move(sock), peer, timeouts));
      Reply banner = co_await c->read_reply(timeouts.greeting);
      if (banner.code != 220) {
        last_reply = banner;
        last_error = "bad greeting from " + peer + ": " + banner.line();
        if (banner.code != 0) co_await c->quit();
        break;
      }
      Reply refusal;
      std::string problem = co_await c->greet(helo_name, refusal);
      if (problem.empty() && required && (!use_tls || !c->starttls_)) {
        // The policy forbids clear text: this address cannot take the message.
        last_error = std::string("TLS required by policy (") + policy + ") but " + peer + " does not offer STARTTLS";
        last_reply = Reply{451, "451 4.7.5 " + last_error};
        co_await c->quit();
        break;
      }
      if (problem.empty() && use_tls && c->starttls_) {
        if (!co_await c->start_tls(host, tls, mode, dane)) {
          last_error = "TLS with " + peer + " failed: " + c->tls_error_;
          if (required) {
            last_reply = Reply{451, "451 4.7.5 " + last_error};
            break;
          }
          continue;  // pass 1: in clear text
        }
        if (c->tls_) problem = co_await c->greet(helo_name, refusal);  // RFC 3207: EHLO again
      }
      if (!problem.empty()) {
        if (refusal.code != 0) last_reply = refusal;
        last_error = problem;
        break;
      }
      co_return c;
    }
  }
  throw ConnectError(last_error, last_reply);
}

asio::awaitable<std::string> ClientConnection::greet(const std::string& helo_name, Reply& refusal) {
  if (!co_await write("EHLO " + helo_name + "\r\n", timeouts_.command)) co_return "connection lost with " + peer_;
  Reply ehlo = co_await read_reply(timeouts_.command);
  if (ehlo.ok()) {
    parse_ehlo(ehlo);
    co_return "";
  }
  if (ehlo.code >= 500) {
    if (!co_await write("HELO " + helo_name + "\r\n", timeouts_.command)) co_return "connection lost with " + peer_;
    Reply helo = co_await read_reply(timeouts_.command);
    if (helo.ok()) {
      esmtp_ = false;
      co_return "";
    }
    refusal = helo;
    co_await quit();
    co_return "HELO refused by " + peer_ + ": " + helo.line();
  }
  refusal = ehlo;
  co_return "EHLO refused by " + peer_ + ": " + ehlo.line();
}

asio::awaitable<bool> ClientConnection::start_tls(const std::string& peer_name, const ClientTls& policy,
                                                  TlsMode mode, const tls::DaneHost* dane) {
  if (!co_await write("STARTTLS\r\n", timeouts_.command)) {
    tls_error_ = "connection lost";
    co_return false;
  }
  const Reply r = co_await read_reply(timeouts_.command);
  if (r.code != 220) {
    tls_error_ = "STARTTLS refused: " + r.line();
    // Opportunistic: carry on in clear text. A policy that requires TLS stops here.
    co_return usable_ && mode == TlsMode::may;
  }
  in_.clear();  // nothing the server sent before the handshake counts
  tls_ctx_ = policy.context;  // kept as long as the stream that refers to it
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(sock_, *tls_ctx_);
  SSL* ssl = tls_->native_handle();
  boost::system::error_code not_ip;
  asio::ip::make_address(peer_name, not_ip);
  if (not_ip)  // SNI for host names only (the macro casts in C style)
    SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, const_cast<char*>(peer_name.c_str()));
  if (mode == TlsMode::dane && tls::enable_dane(ssl, peer_name, dane->records) == 0) {
    mode = TlsMode::encrypt;  // OpenSSL took none of the records: unusable, TLS still required
    log::warn("dane_records_unusable", {{"relay", peer_}});
  }
  if (mode == TlsMode::verify) {
    // The chain must reach a trusted CA and the certificate must name the next hop (RFC 6125;
    // no partial wildcards), or one of the policy's names.
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (policy.names.empty() && !not_ip) {
      X509_VERIFY_PARAM_set1_ip_asc(param, peer_name.c_str());
    } else {
      bool first = true;
      for (const auto& n : policy.names.empty() ? std::vector<std::string>{peer_name} : policy.names) {
        if (first) X509_VERIFY_PARAM_set1_host(param, n.c_str(), n.size());
        else X509_VERIFY_PARAM_add1_host(param, n.c_str(), n.size());
        first = false;
      }
    }
  }
  core::Deadline d(sock_.get_executor(), timeouts_.command, [this] { sock_.cancel(); });
  boost::system::error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::client, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    usable_ = false;
    const long verify = SSL_get_verify_result(ssl);
    tls_error_ = d.expired() ? std::string("timeout")
                 : verify != X509_V_OK ? std::string("certificate: ") + X509_verify_cert_error_string(verify)
                                       : ec.message();
    log::info("tls_out_failed", {{"relay", peer_}, {"error", tls_error_},
                                 {"action", mode == TlsMode::may ? "retry in clear text" : "defer"}});
    co_return false;
  }
  const auto info = tls::describe_session(ssl);
  tls_desc_ = info.brief() + (mode == TlsMode::verify ? " verified" : mode == TlsMode::dane ? " " + tls::dane_match(ssl) : "");
  co_return true;
}

asio::awaitable<TransactionResult> ClientConnection::send(const OutboundMessage& msg) {
  TransactionResult res;
  res.rcpts.resize(msg.recipients.size());
  if (msg.smtputf8 && !smtputf8_) {
    // RFC 6531 3.4: cannot downgrade: a permanent failure for this next hop.
    Reply r{550, "550 5.6.7 next hop " + peer_ + " does not support SMTPUTF8"};
    res.mail = r;
    for (auto& x : res.rcpts) x = r;
    res.data = r;
    co_return res;
  }
  std::string mail = "MAIL FROM:<" + msg.sender + ">";
  if (size_) mail += " SIZE=" + std::to_string(msg.content.size());
  if (msg.body_8bit && eightbit_) mail += " BODY=8BITMIME";
  if (msg.smtputf8) mail += " SMTPUTF8";
  mail += "\r\n";
  std::vector<std::string> rcpt_cmds;
  for (const auto& r : msg.recipients) rcpt_cmds.push_back("RCPT TO:<" + r + ">\r\n");

  bool any_rcpt = false;
  if (pipelining_) {
    std::string batch = mail;
    for (const auto& c : rcpt_cmds) batch += c;
    batch += "DATA\r\n";
    co_await write(batch, timeouts_.command);
    res.mail = co_await read_reply(timeouts_.command);
    for (auto& r : res.rcpts) {
      r = co_await read_reply(timeouts_.command);
      any_rcpt = any_rcpt || r.ok();
    }
    res.data = co_await read_reply(timeouts_.command);
  } else {
    co_await write(mail, timeouts_.command);
    res.mail = co_await read_reply(timeouts_.command);
    if (res.mail.ok()) {
      for (std::size_t i = 0; i < rcpt_cmds.size(); ++i) {
        co_await write(rcpt_cmds[i], timeouts_.command);
        res.rcpts[i] = co_await read_reply(timeouts_.command);
        any_rcpt = any_rcpt || res.rcpts[i].ok();
      }
      if (any_rcpt) {
        co_await write("DATA\r\n", timeouts_.command);
        res.data = co_await read_reply(timeouts_.command);
      }
    }
  }
  // A transaction that ends before the message was sent must be closed with RSET, or the next
  // message on this (reused) connection would meet "503 nested MAIL command".
  auto reset = [this]() -> asio::awaitable<void> {
    if (!usable_) co_return;
    co_await write("RSET\r\n", timeouts_.command);
    Reply rs = co_await read_reply(timeouts_.command);
    if (!rs.ok()) usable_ = false;
  };
  if (!res.mail.ok()) {
    // Every recipient shares the sender's fate.
    for (auto& r : res.rcpts) r = res.mail;
    if (res.data.code == 354) {  // a server that accepted DATA anyway: send an empty message
      co_await write(".\r\n", timeouts_.command);
      co_await read_reply(timeouts_.data_done);
    }
    res.data = res.mail;
    co_await reset();
    co_return res;
  }
  if (res.data.code != 354) {
    if (!any_rcpt && res.data.code == 0 && usable_) res.data = Reply{554, "554 5.5.1 no valid recipients"};
    co_await reset();
    co_return res;
  }
  if (!any_rcpt) {  // 354 without any accepted recipient: end the empty transaction
    co_await write(".\r\n", timeouts_.command);
    co_await read_reply(timeouts_.data_done);
    res.data = Reply{554, "554 5.5.1 no valid recipients"};
    co_return res;
  }
  co_await write(dot_stuff(msg.content), timeouts_.data_done);
  res.data = co_await read_reply(timeouts_.data_done);
  co_return res;
}

asio::awaitable<void> ClientConnection::quit() {
  if (usable_) {
    if (co_await write("QUIT\r\n", std::chrono::seconds(10))) co_await read_reply(std::chrono::seconds(10));
  }
  usable_ = false;
  boost::system::error_code ec;
  sock_.close(ec);
}

}  // namespace portcullis::smtp
