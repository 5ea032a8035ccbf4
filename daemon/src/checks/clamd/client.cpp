// checks/clamd/client.hpp: INSTREAM scans and PING over a scanner::Exchange.
#include "checks/clamd/client.hpp"

#include <utility>

#include "checks/clamd/reply.hpp"
#include "checks/scanner/exchange.hpp"
#include "checks/scanner/printable.hpp"

namespace portcullis::checks::scanner {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::string_view kInstream{"zINSTREAM\0", 10};
constexpr std::string_view kPing{"zPING\0", 6};

ClamdResult result(ClamdResult::Status status, std::string detail) {
  ClamdResult r;
  r.status = status;
  r.detail = std::move(detail);
  return r;
}

// A failed step: timeout when the deadline passed, error otherwise.
ClamdResult failed(const Exchange& exchange, const error_code& ec, std::string_view step) {
  return result(exchange.expired() ? ClamdResult::Status::timeout : ClamdResult::Status::error,
                exchange.describe(ec, step));
}

}  // namespace

std::string_view to_string(ClamdResult::Status status) {
  switch (status) {
    case ClamdResult::Status::clean: return "clean";
    case ClamdResult::Status::infected: return "infected";
    case ClamdResult::Status::error: return "error";
    case ClamdResult::Status::timeout: return "timeout";
    case ClamdResult::Status::too_large: return "too_large";
  }
  return "error";
}

asio::awaitable<ClamdResult> clamd_scan(asio::any_io_executor executor, Endpoint endpoint, ChunkSource source,
                                        std::uint64_t size, std::chrono::milliseconds timeout,
                                        std::uint64_t max_size) {
  if (size > max_size)
    co_return result(ClamdResult::Status::too_large, "not scanned: " + std::to_string(size) +
                                                         " octets, more than the limit of " +
                                                         std::to_string(max_size));
  Exchange exchange(executor, timeout, "clamd");
  {
    auto op = exchange.connect(endpoint);
    const error_code ec = co_await std::move(op);
    if (ec) co_return failed(exchange, ec, "connecting");
  }
  {
    auto op = exchange.write(kInstream);
    const error_code ec = co_await std::move(op);
    if (ec) co_return failed(exchange, ec, "sending the command");
  }
  SendOutcome sent;
  {
    auto op = send_message(exchange, source, size, Framing::instream);
    sent = co_await std::move(op);
  }
  if (sent.kind == SendOutcome::Kind::failed)
    co_return result(sent.timed_out ? ClamdResult::Status::timeout : ClamdResult::Status::error, sent.detail);

  Exchange::Reply reply;
  {
    auto op = exchange.read_reply(kMaxClamdReply + 1, '\0');
    reply = co_await std::move(op);
  }
  if (reply.too_long)
    co_return result(ClamdResult::Status::error,
                     "clamd: reply longer than " + std::to_string(kMaxClamdReply) + " octets");
  if (reply.data.empty()) {
    if (exchange.expired()) co_return failed(exchange, asio::error::timed_out, "waiting for the reply");
    if (sent.kind == SendOutcome::Kind::interrupted) co_return result(ClamdResult::Status::error, sent.detail);
    if (reply.error) co_return failed(exchange, reply.error, "reading the reply");
    co_return result(ClamdResult::Status::error, "clamd closed the connection without a reply");
  }
  if (reply.data.back() != '\0') {  // cut short: the deadline, an error, or clamd closed
    if (exchange.expired()) co_return failed(exchange, asio::error::timed_out, "reading the reply");
    co_return result(ClamdResult::Status::error, "clamd: incomplete reply '" + printable(reply.data) + "'");
  }
  const ClamdReply parsed = parse_clamd_reply(reply.data);
  switch (parsed.kind) {
    case ClamdReply::Kind::clean:
      if (sent.kind != SendOutcome::Kind::sent)  // a verdict on part of the message is none
        co_return result(ClamdResult::Status::error, "clamd answered '" + parsed.text + "' before the end: " +
                                                          sent.detail);
      co_return result(ClamdResult::Status::clean, parsed.text);
    case ClamdReply::Kind::infected: {
      ClamdResult r = result(ClamdResult::Status::infected, parsed.text);
      r.virus = parsed.virus;
      co_return r;
    }
    case ClamdReply::Kind::size_limit:
      co_return result(ClamdResult::Status::too_large,
                       "clamd: " + parsed.text + " (its StreamMaxLength is below " + std::to_string(size) + " octets)");
    case ClamdReply::Kind::error:
      break;
  }
  co_return result(ClamdResult::Status::error, parsed.text);
}

asio::awaitable<PingResult> clamd_ping(asio::any_io_executor executor, Endpoint endpoint,
                                       std::chrono::milliseconds timeout) {
  auto op = ping(executor, std::move(endpoint), timeout, "clamd", kPing, 64, '\0', is_clamd_pong);
  co_return co_await std::move(op);
}

}  // namespace portcullis::checks::scanner
