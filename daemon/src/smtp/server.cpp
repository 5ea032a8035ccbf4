#include "smtp/server.hpp"
#include "core/ip.hpp"
#include "core/text.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <system_error>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <chrono>

#include "core/async.hpp"
#include "core/ids.hpp"
#include "checks/auth/message_auth.hpp"
#include "core/log.hpp"
#include "policy/names.hpp"
#include "policy/relay.hpp"
#include "smtp/message_edits.hpp"
#include "smtp/rule_calls.hpp"
#include "smtp/reputation.hpp"
#include "checks/attachments/parser.hpp"
#include "smtp/message_end.hpp"
#include "smtp/session.hpp"
#include "smtp/transaction.hpp"

namespace portcullis::smtp {
namespace asio = boost::asio;
using asio::ip::tcp;

namespace {
std::optional<checks::scanner::Endpoint> scanner_endpoint(const std::string& text, const char* key) {
  if (text.empty()) return std::nullopt;
  auto parsed = checks::scanner::parse_endpoint(text);
  if (!parsed.endpoint) throw core::ConfigError(std::string("scanners.") + key + ": " + parsed.error);
  return parsed.endpoint;
}
}  // namespace

// How often the store's ban list is read (bans other gateways decided, bans lifted by an admin).
constexpr std::chrono::seconds kBanRefresh{10};

Server::Server(const core::Config& config, ServerDeps deps)
    : config_(config), deps_(std::move(deps)), guard_(deps_.io, deps_.workers, deps_.state, deps_.state_mutex) {
  scanners_.clamd = scanner_endpoint(config.scanners.clamd, "clamd");
  scanners_.spamd = scanner_endpoint(config.scanners.spamd, "spamd");
  scanners_.timeout = config.scanners.timeout;
  scanners_.max_size = config.scanners.max_size;
}
Server::~Server() = default;

void Server::serve(std::vector<BoundListener> listeners) {
  for (auto& bl : listeners) {
    auto l = std::make_shared<Listener>(std::move(bl));
    const auto bound = l->acceptor.local_endpoint();
    log::info("listening", {{"address", bound.address().to_string()},
                            {"port", std::to_string(bound.port())},
                            {"role", l->role == core::ListenerRole::inbound ? "inbound" : "submission"}});
    listeners_.push_back(l);
    if (!bound.address().is_unspecified()) our_addresses_.push_back(bound.address());
    asio::co_spawn(deps_.io, accept_loop(l), asio::detached);
  }
  guard_.start(kBanRefresh);
}

std::shared_ptr<const ReputationPolicy> Server::reputation() {
  auto snap = deps_.policy();
  if (!snap) return nullptr;
  if (!reputation_ || reputation_->snapshot != snap) {
    reputation_ = compile_reputation(std::move(snap), config_.hostname, our_addresses_);
    guard_.configure(*reputation_);
  }
  return reputation_;
}

std::vector<tcp::endpoint> Server::endpoints() const {
  std::vector<tcp::endpoint> out;
  for (const auto& l : listeners_) out.push_back(l->acceptor.local_endpoint());
  return out;
}

void Server::stop() {
  stopping_ = true;
  guard_.stop();
  for (auto& l : listeners_) {
    boost::system::error_code ec;
    l->acceptor.close(ec);
  }
  for (auto& r : running_) {
    boost::system::error_code ec;
    if (r.reading && !r.in_transaction) r.socket->cancel(ec);
  }
}

void Server::close_sessions() {
  closing_ = true;
  for (auto& r : running_) {
    boost::system::error_code ec;
    if (r.reading) r.socket->cancel(ec);  // the others see closing_ before their next read
  }
}

asio::awaitable<void> Server::accept_loop(std::shared_ptr<Listener> l) {
  while (!stopping_) {
    boost::system::error_code ec;
    tcp::socket sock = co_await l->acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (stopping_ || ec == asio::error::operation_aborted) break;
      log::warn("accept_failed", {{"error", ec.message()}});
      // e.g. EMFILE: back off briefly instead of spinning.
      asio::steady_timer t(deps_.io, std::chrono::milliseconds(100));
      co_await t.async_wait(asio::use_awaitable);
      continue;
    }
    asio::co_spawn(deps_.io, run_session(std::move(sock), ListenerOptions{l->role, l->tls, l->require_tls}),
                   asio::detached);
  }
}

namespace {

// "TLSv1.3 with cipher TLS_AES_256_GCM_SHA384 (256 bits)" for the Received header and the log.
std::string tls_comment(const std::optional<tls::TlsInfo>& info) {
  if (!info) return {};
  return info->protocol + " with cipher " + info->cipher + " (" + std::to_string(info->bits) + " bits)";
}

}  // namespace

asio::awaitable<bool> Server::early_talker(tcp::socket& socket) {
  boost::system::error_code ec;
  if (config_.timeouts.greet_delay.count() > 0) {
    core::Deadline d(socket.get_executor(), config_.timeouts.greet_delay, [&] { socket.cancel(); });
    co_await socket.async_wait(tcp::socket::wait_read, asio::redirect_error(asio::use_awaitable, ec));
    if (d.expired()) co_return false;  // quiet for the whole pause: a well-behaved client
    ec.clear();
  }
  const std::size_t waiting = socket.available(ec);
  co_return !ec && waiting > 0;
}

asio::awaitable<void> Server::run_session(tcp::socket connection, ListenerOptions listener) {
  const core::ListenerRole role = listener.role;  // submission-only behaviour (AUTH) arrives with its own issue
  ServerStream stream(std::move(connection));
  tcp::socket& socket = stream.socket();
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  if (ec) co_return;
  const asio::ip::address client_addr = core::unmapped(remote.address());
  const std::string client = client_addr.to_string();

  // Session accounting (RAII: released on every exit path).
  ++active_;
  unsigned& from_ip = per_ip_[client];
  ++from_ip;
  running_.push_front(Running{&socket});
  struct Release {
    Server& s;
    std::string ip;
    std::list<Running>::iterator entry;
    core::Lifetime::Token owner;
    ~Release() {
      if (!owner.alive()) return;  // frame destroyed after the server, at shutdown
      --s.active_;
      s.running_.erase(entry);
      auto it = s.per_ip_.find(ip);
      if (it != s.per_ip_.end() && --it->second == 0) s.per_ip_.erase(it);
    }
  } release{*this, client, running_.begin(), lifetime_.token()};
  Running& running = *release.entry;

  auto write_out = [&](std::string text) -> asio::awaitable<bool> {
    if (text.empty()) co_return true;
    core::Deadline d(socket.get_executor(), config_.timeouts.command, [&] { stream.cancel(); });
    boost::system::error_code wec;
    co_await stream.write(asio::buffer(text), wec);
    co_return !wec;
  };

  if (active_ > config_.limits.sessions) {
    log::warn("connection_refused", {{"client", client}, {"reason", "too many sessions"}});
    co_await write_out("421 4.7.0 " + config_.hostname + " Error: too many connections, try again later\r\n");
    co_return;
  }
  if (from_ip > config_.limits.sessions_per_ip) {
    log::warn("connection_refused", {{"client", client}, {"reason", "too many sessions from this address"}});
    co_await write_out("421 4.7.0 " + config_.hostname + " Error: too many connections from your address\r\n");
    co_return;
  }
  log::info("connect", {{"client", client}});
  hooks::Engine* const engine = deps_.hooks;
  std::vector<hooks::Symbol> session_symbols;  // added by rules at connect and HELO

  // The certificates for this session's whole life (a reload affects later sessions only).
  std::shared_ptr<tls::ServerContexts> tls_contexts =
      listener.tls != core::ListenerTls::off && deps_.tls ? deps_.tls() : nullptr;
  SessionOptions opts;
  opts.starttls = tls_contexts != nullptr && listener.tls == core::ListenerTls::starttls;
  opts.require_tls = listener.require_tls;
  opts.tls = listener.tls == core::ListenerTls::implicit;
  opts.hostname = config_.hostname;
  opts.max_message_size = config_.limits.message_size;
  opts.max_recipients = config_.limits.recipients;
  opts.max_errors = config_.limits.errors;
  Session s(opts);
  Transaction tx;
  // The view of the session for the rules, as far as it goes.
  auto event_for = [&](hooks::EventKind kind) {
    hooks::EventData e;
    e.kind = kind;
    e.client_ip = client;
    e.client_port = remote.port();
    e.listener = role == core::ListenerRole::inbound ? "inbound" : "submission";
    const auto& env = s.envelope();
    e.helo = env.helo;
    e.null_sender = env.null_sender;
    e.sender = env.null_sender ? std::string() : env.sender.str();
    e.recipients = tx.deliver_to;
    e.symbols = session_symbols;
    e.symbols.insert(e.symbols.end(), tx.symbols.begin(), tx.symbols.end());
    for (const auto& sym : e.symbols) e.score += sym.score;
    e.policy = deps_.policy();
    if (tx.auth) e.auth = auth_info(*tx.auth);
    return e;
  };

  // Implicit TLS (port 465): the handshake comes before the banner.
  const auto handshake = [&]() -> asio::awaitable<bool> {
    if (!tls_contexts) {
      log::warn("tls_unavailable", {{"client", client}, {"reason", "no certificate configured (tls-certificate)"}});
      co_return false;
    }
    core::Deadline d(socket.get_executor(), config_.timeouts.command, [&] { stream.cancel(); });
    boost::system::error_code hec;
    co_await stream.handshake(tls_contexts, hec);
    if (hec) {
      log::info("tls_failed", {{"client", client}, {"error", d.expired() ? std::string("timeout") : hec.message()}});
      co_return false;
    }
    const auto& info = *stream.tls_info();
    log::info("tls", {{"client", client}, {"protocol", info.protocol}, {"cipher", info.cipher}, {"sni", info.sni}});
    co_return true;
  };
  const bool handshake_failed = opts.tls && !co_await handshake();

  // Connection reputation (smtp/reputation.hpp): IP ranges, bans, the connection rate, the
  // connect stage's block lists.
  std::string refused;
  bool trusted = false;
  std::optional<checks::dnsbl::Outcome> rcpt_dnsbl;  // the rcpt stage's lists, asked once per session
  std::shared_ptr<const ReputationPolicy> rep = reputation();
  if (rep && !handshake_failed) {
    auto op = check_connection(*rep, guard_, deps_.dns, client_addr, client, config_.hostname);
    ConnectVerdict v = co_await std::move(op);
    refused = std::move(v.refused);
    trusted = v.trusted;
    session_symbols = std::move(v.symbols);
  }

  // Early talker: bytes sent before the banner are a protocol violation. With greet_delay
  // the banner waits that long and any input meanwhile counts; without, only what is
  // already waiting at accept time does. (Not on implicit TLS: the client speaks first.)
  if (handshake_failed) {
    // nothing to say: the connection closes below
  } else if (!refused.empty()) {
    s.refuse(refused);
  } else if (!opts.tls && co_await early_talker(socket)) {
    log::info("early_talker", {{"client", client}});
    if (rep && !trusted) guard_.failure(client_addr, client, *rep, checks::reputation::Failure::invalid_command);
    s.early_talker();
  } else if (engine != nullptr && engine->handles(hooks::EventKind::connect)) {
    const hooks::EventData e = event_for(hooks::EventKind::connect);
    const hooks::Outcome out = co_await run_rules(engine, e);
    const std::string r = refusal(out);
    if (!r.empty()) {
      // Only 554 (refused) and 421 (try later) are valid instead of a greeting (RFC 5321 3.1).
      s.refuse((out.action == hooks::Action::reject ? "554" : "421") + r.substr(3));
    } else {
      session_symbols.insert(session_symbols.end(), out.symbols.begin(), out.symbols.end());  // after any DNSBL hits
      s.greet();
    }
  } else {
    s.greet();
  }

  bool in_data = false;
  std::vector<char> buf(64 * 1024);
  std::shared_ptr<const policy::Snapshot> snap;
  unsigned messages = 0;
  unsigned protocol_errors = 0;  // counted so far toward auto-ban
  // The connection-level checks apply to mail from outside (not trusted, not submission).
  const bool checked = !trusted && role == core::ListenerRole::inbound;
  if (handshake_failed) goto done;

  for (;;) {
    Event ev = s.next();
    switch (ev.kind) {
      case Event::Kind::need_input: {
        for (; protocol_errors < s.protocol_errors(); ++protocol_errors)
          if (rep && !trusted) guard_.failure(client_addr, client, *rep, checks::reputation::Failure::invalid_command);
        if (!co_await write_out(s.take_output())) goto done;
        running.in_transaction = s.in_transaction();
        // Shutting down (Server::stop): 421 between transactions, or for all at the bound.
        if (stopping_ && (closing_ || !running.in_transaction)) {
          s.shutdown();
          break;
        }
        const auto limit = in_data ? config_.timeouts.data_block : config_.timeouts.command;
        core::Deadline d(socket.get_executor(), limit, [&] { stream.cancel(); });
        boost::system::error_code rec;
        running.reading = true;
        const std::size_t n = co_await stream.read_some(asio::buffer(buf), rec);
        running.reading = false;
        if (rec) {
          if (d.expired()) {
            log::info("timeout", {{"client", client}, {"phase", in_data ? "data" : "command"}});
            s.timeout();
            break;
          }
          if (rec == asio::error::operation_aborted && stopping_) {  // woken by stop()/close_sessions()
            s.shutdown();
            break;
          }
          goto done;  // peer closed or reset
        }
        s.feed(std::string_view(buf.data(), n));
        break;
      }
      case Event::Kind::starttls: {
        // The 220 goes out in clear; the session has dropped anything pipelined behind
        // STARTTLS, and nothing more is read before the handshake.
        if (!co_await write_out(s.take_output()) || !co_await handshake()) goto done;
        s.tls_started();
        break;
      }
      case Event::Kind::helo: {
        if (checked && rep) {  // the HELO checks (helo-check)
          auto op = check_helo_name(*rep, deps_.dns, std::string(ev.data), client_addr, client, session_symbols);
          const std::string r = co_await std::move(op);
          if (!r.empty()) {
            s.answer(r);
            break;
          }
        }
        hooks::EventData e = event_for(hooks::EventKind::helo);
        e.helo = std::string(ev.data);
        const hooks::Outcome out = co_await run_rules(engine, e);
        const std::string r = refusal(out);
        if (r.empty()) {
          session_symbols.insert(session_symbols.end(), out.symbols.begin(), out.symbols.end());
          s.answer("250 Ok");
        } else {
          s.answer(r);
        }
        break;
      }
      case Event::Kind::mail: {
        snap = deps_.policy();
        if (!snap) {
          s.answer("451 4.3.0 Error: policy temporarily unavailable, try again later");
          break;
        }
        rep = reputation();
        if (checked) {  // the message rate, then the sender domain (sender-domain-check)
          const auto& env = s.envelope();
          std::string r = guard_.take(client_addr, client, *rep, checks::reputation::RateKind::message);
          if (r.empty()) {
            auto op = check_sender(*rep, deps_.dns, env.null_sender ? std::string() : env.sender.str(), client,
                                   tx.symbols);
            r = co_await std::move(op);
          }
          if (!r.empty()) {
            s.answer(r);
            tx.symbols.clear();
            break;
          }
        }
        // Sender authentication for mail from outside (not our own servers, not submission).
        tx.auth.reset();
        if (deps_.dns != nullptr && role == core::ListenerRole::inbound && !snap->in_relaynets(client_addr)) {
          auto settings = checks::auth_settings(snap.get(), config_.hostname);
          if (settings.any()) {
            const auto& env = s.envelope();
            tx.auth = std::make_unique<checks::MessageAuth>(std::move(settings), client_addr, env.helo);
            std::string sender = env.null_sender ? std::string() : env.sender.str();
            auto check = tx.auth->mail_from(*deps_.dns, std::move(sender));  // (GCC 12: not inside co_await)
            co_await std::move(check);
          }
        }
        const hooks::Outcome out = co_await run_rules(engine, event_for(hooks::EventKind::mail));
        const std::string r = refusal(out);
        if (r.empty()) {
          tx.symbols.insert(tx.symbols.end(), out.symbols.begin(), out.symbols.end());
          s.answer("250 2.1.0 Ok");
        } else {
          s.answer(r);
        }
        break;
      }
      case Event::Kind::rcpt: {
        snap = deps_.policy();
        if (!snap) {
          s.answer("451 4.3.0 Error: policy temporarily unavailable, try again later");
          break;
        }
        const auto d = ev.bare_postmaster ? policy::decide_bare_postmaster(*snap)
                                          : policy::decide_recipient(*snap, ev.mailbox, client_addr);
        bool accepted = !d.reply.empty() && d.reply[0] == '2';
        std::string reply = d.reply;
        rep = reputation();
        if ((d.verdict == policy::RcptVerdict::relay_denied || d.verdict == policy::RcptVerdict::bad_address) &&
            !trusted)
          guard_.failure(client_addr, client, *rep, checks::reputation::Failure::relay_attempt);
        if (accepted && checked) {  // the recipient rate
          std::string r = guard_.take(client_addr, client, *rep, checks::reputation::RateKind::recipient);
          if (!r.empty()) {
            accepted = false;
            reply = std::move(r);
          }
        }
        std::vector<std::string> deliver_to = d.deliver_to;
        if (accepted && engine != nullptr && engine->handles(hooks::EventKind::rcpt)) {
          hooks::EventData e = event_for(hooks::EventKind::rcpt);
          e.rcpt = ev.bare_postmaster ? "postmaster" : ev.mailbox.str();
          const hooks::Outcome out = co_await run_rules(engine, e);
          const std::string r = refusal(out);
          if (!r.empty()) {
            accepted = false;
            reply = r;
          } else {
            deliver_to = edited_recipients(deliver_to, out);
            tx.symbols.insert(tx.symbols.end(), out.symbols.begin(), out.symbols.end());
            if (!out.route.empty()) tx.route = out.route;
          }
        }
        // Block lists of the rcpt stage, greylisting (smtp/reputation.hpp).
        if (accepted && checked) {
          const auto& env = s.envelope();
          const bool spf_pass = tx.auth && tx.auth->spf() && tx.auth->spf()->result == checks::spf::Result::pass;
          RcptContext rc{*rep,        deps_.dns,   deps_.state,      deps_.state_mutex, deps_.workers, client_addr,
                         client,       config_.hostname, spf_pass,    rcpt_dnsbl,        tx.policies,   session_symbols};
          const bool postmaster = ev.bare_postmaster || policy::lower_ascii(ev.mailbox.local) == "postmaster";
          auto op = check_recipient(rc, env.null_sender ? std::string() : env.sender.str(),
                                    ev.bare_postmaster ? std::string("postmaster") : ev.mailbox.str(), postmaster);
          std::string refusal_reply = co_await std::move(op);
          if (!refusal_reply.empty()) {
            accepted = false;
            reply = std::move(refusal_reply);
          }
        }
        if (accepted) {
          for (const auto& r : deliver_to)
            if (std::find(tx.deliver_to.begin(), tx.deliver_to.end(), r) == tx.deliver_to.end())
              tx.deliver_to.push_back(r);
          if (tx.first_rcpt.empty()) tx.first_rcpt = ev.bare_postmaster ? "postmaster" : ev.mailbox.str();
        } else {
          const auto& env = s.envelope();
          log::info("rcpt_rejected", {{"client", client},
                                      {"from", env.null_sender ? "<>" : env.sender.str()},
                                      {"rcpt", ev.bare_postmaster ? "Postmaster" : ev.mailbox.str()},
                                      {"reply", reply}});
        }
        s.answer(reply);
        break;
      }
      case Event::Kind::message_begin: {
        in_data = true;
        const auto& env = s.envelope();
        queue::EnvelopeRecord rec;
        rec.id = core::new_queue_id();
        rec.received = std::chrono::duration_cast<std::chrono::seconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count();
        rec.client_ip = client;
        rec.helo = env.helo;
        rec.sender = env.null_sender ? "" : env.sender.str();
        rec.recipients = tx.deliver_to;
        rec.body_8bit = env.body_8bit;
        rec.smtputf8 = env.smtputf8;
        // Mail of the organisation (its servers, submission) is DKIM-signed at delivery.
        rec.sign = role == core::ListenerRole::submission || (snap && snap->in_relaynets(client_addr));
        // RFC 3848: ESMTPS when TLS protected the session.
        const std::string proto = std::string(env.smtputf8 ? "UTF8SMTP" : (env.esmtp ? "ESMTP" : "SMTP")) +
                                  (stream.tls() ? "S" : "");
        const std::string single = env.recipients.size() == 1 ? tx.first_rcpt : std::string();
        if (tx.auth || (engine != nullptr && engine->handles(hooks::EventKind::data))) tx.headers.emplace();
        tx.mime.emplace(checks::attachments::make_parser());
        try {
          const std::string prefix = received_header(env.helo, client, config_.hostname, proto, rec.id, single,
                                                     rec.received, tls_comment(stream.tls_info()));
          tx.prefix_size = prefix.size();
          tx.writer = deps_.spool.create(rec, prefix);
        } catch (const std::exception& e) {
          log::error("spool_create_failed", {{"client", client}, {"error", e.what()}});
          tx.writer.reset();
        }
        break;
      }
      case Event::Kind::message_data:
        if (tx.headers && !tx.headers->done()) tx.headers->feed(ev.data);
        if (tx.auth) tx.auth->feed(ev.data);
        if (tx.mime) tx.mime->feed(ev.data);
        if (tx.writer) {
          try {
            tx.writer->append(ev.data);
          } catch (const std::exception& e) {
            log::error("spool_write_failed", {{"queue_id", tx.writer->id()}, {"error", e.what()}});
            tx.writer->abort();
            tx.writer.reset();
          }
        }
        break;
      case Event::Kind::message_end: {
        in_data = false;
        if (!ev.ok) {  // the session refused it (too large, a bad line ending): already answered
          const auto& env = s.envelope();
          log::info("message_rejected", {{"queue_id", tx.writer ? tx.writer->id() : std::string("-")},
                                         {"client", client}, {"from", env.null_sender ? "<>" : env.sender.str()},
                                         {"rcpts", core::join(tx.deliver_to, ",")}, {"verdict", "reject"},
                                         {"reason", "protocol"}});
          tx.clear();
          break;
        }
        const MessageContext context{client, s.envelope(), s.message_bytes(), stream.tls_info(),
                                     session_symbols, snap.get(), event_for};
        auto end_op = end_message(tx, context);
        const MessageEnd end = co_await std::move(end_op);
        if (end.queued) ++messages;
        s.answer(end.reply);
        tx.clear();
        break;
      }
      case Event::Kind::reset:
        in_data = false;
        tx.clear();
        break;
      case Event::Kind::close:
        co_await write_out(s.take_output());
        goto done;
    }
  }
done:
  tx.clear();
  socket.shutdown(tcp::socket::shutdown_both, ec);
  socket.close(ec);
  log::info("disconnect", {{"client", client}, {"messages", std::to_string(messages)}});
}

}  // namespace portcullis::smtp
