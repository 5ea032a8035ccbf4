// checks/spamd/client.hpp: SPAMC/1.5 requests over a scanner::Exchange.
#include "checks/spamd/client.hpp"

#include <cstdio>
#include <utility>

#include "checks/scanner/exchange.hpp"
#include "checks/scanner/printable.hpp"

namespace portcullis::checks::scanner {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::string_view kPing = "PING SPAMC/1.5\r\n\r\n";

SpamdResult result(SpamdResult::Status status, std::string detail) {
  SpamdResult r;
  r.status = status;
  r.detail = std::move(detail);
  return r;
}

SpamdResult failed(const Exchange& exchange, const error_code& ec, std::string_view step) {
  return result(exchange.expired() ? SpamdResult::Status::timeout : SpamdResult::Status::error,
                exchange.describe(ec, step));
}

bool sendable_user(std::string_view user) {
  if (user.size() > kMaxSpamdUser) return false;
  for (const char c : user)
    if (c <= 0x20 || c >= 0x7f) return false;
  return true;
}

std::string score_text(double score, double threshold) {
  char text[64];
  std::snprintf(text, sizeof text, "%.1f / %.1f", score, threshold);
  return text;
}

}  // namespace

std::string_view to_string(SpamdResult::Status status) {
  switch (status) {
    case SpamdResult::Status::scanned: return "scanned";
    case SpamdResult::Status::error: return "error";
    case SpamdResult::Status::timeout: return "timeout";
    case SpamdResult::Status::too_large: return "too_large";
  }
  return "error";
}

asio::awaitable<SpamdResult> spamd_check(asio::any_io_executor executor, Endpoint endpoint, ChunkSource source,
                                         std::uint64_t size, SpamdMode mode, std::string user,
                                         std::chrono::milliseconds timeout, std::uint64_t max_size) {
  if (size > max_size)
    co_return result(SpamdResult::Status::too_large, "not checked: " + std::to_string(size) +
                                                         " octets, more than the limit of " +
                                                         std::to_string(max_size));
  if (!sendable_user(user))
    co_return result(SpamdResult::Status::error, "user name not sendable to spamd: '" + printable(user, 60) + "'");

  Exchange exchange(executor, timeout, "spamd");
  {
    auto op = exchange.connect(endpoint);
    const error_code ec = co_await std::move(op);
    if (ec) co_return failed(exchange, ec, "connecting");
  }
  std::string head = std::string(to_string(mode)) + " SPAMC/1.5\r\nContent-length: " + std::to_string(size) + "\r\n";
  if (!user.empty()) head += "User: " + user + "\r\n";
  head += "\r\n";
  SendOutcome sent;
  {
    auto op = exchange.write(head);
    const error_code ec = co_await std::move(op);
    if (ec) co_return failed(exchange, ec, "sending the request");
  }
  {
    auto op = send_message(exchange, source, size, Framing::raw);
    sent = co_await std::move(op);
  }
  // A message cut short would be taken by spamd for a shorter one: no verdict on it.
  if (sent.kind == SendOutcome::Kind::failed)
    co_return result(sent.timed_out ? SpamdResult::Status::timeout : SpamdResult::Status::error, sent.detail);
  if (sent.kind == SendOutcome::Kind::sent) exchange.shutdown_send();

  Exchange::Reply reply;
  {
    auto op = exchange.read_reply(kMaxSpamdReply + 1, std::nullopt);
    reply = co_await std::move(op);
  }
  if (reply.too_long)
    co_return result(SpamdResult::Status::error,
                     "spamd: reply longer than " + std::to_string(kMaxSpamdReply) + " octets");
  if (exchange.expired()) co_return failed(exchange, asio::error::timed_out, "waiting for the reply");
  if (reply.error && reply.data.empty()) co_return failed(exchange, reply.error, "reading the reply");
  if (reply.data.empty()) {
    if (sent.kind == SendOutcome::Kind::interrupted) co_return result(SpamdResult::Status::error, sent.detail);
    co_return result(SpamdResult::Status::error, "spamd closed the connection without a reply");
  }
  const SpamdReply parsed = parse_spamd_reply(reply.data, mode);
  if (!parsed.ok) {
    std::string detail = "spamd: " + parsed.error;
    if (reply.error) detail += " (then " + reply.error.message() + ")";
    co_return result(SpamdResult::Status::error, std::move(detail));
  }
  if (sent.kind != SendOutcome::Kind::sent)  // a verdict on part of the message is none
    co_return result(SpamdResult::Status::error, "spamd answered before the end of the message: " + sent.detail);
  if (reply.error)  // a well-formed reply, but the connection broke: trust it only whole
    co_return failed(exchange, reply.error, "reading the reply");
  SpamdResult r = result(SpamdResult::Status::scanned, std::string(parsed.spam ? "spam " : "not spam ") +
                                                           score_text(parsed.score, parsed.threshold));
  r.spam = parsed.spam;
  r.score = parsed.score;
  r.threshold = parsed.threshold;
  r.symbols = parsed.symbols;
  r.report = parsed.report;
  co_return r;
}

asio::awaitable<PingResult> spamd_ping(asio::any_io_executor executor, Endpoint endpoint,
                                       std::chrono::milliseconds timeout) {
  auto op = ping(executor, std::move(endpoint), timeout, "spamd", kPing, 256, '\n', is_spamd_pong);
  co_return co_await std::move(op);
}

}  // namespace portcullis::checks::scanner
