// The spamd client: asks SpamAssassin's spamd about a message (SPAMC/1.5: CHECK, SYMBOLS or
// REPORT, with Content-length and User headers, then the message read chunk by chunk from the
// source), on the event loop. spamd needs the length first, so the caller gives it (`size`).
//
// The timeout bounds the whole exchange (connect, send, reply). A message larger than
// `max_size` is not sent (too_large; spamc's habit is to skip large messages). When spamd is
// down, slow or says something unexpected the status says so (error, timeout) and the caller
// applies the admin's fail-open or fail-closed choice. Nothing throws.
//
// GCC 12: make the awaitable first, then `co_await std::move(op)` (core/async.hpp).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/scanner/chunk_source.hpp"
#include "checks/scanner/endpoint.hpp"
#include "checks/scanner/ping.hpp"
#include "checks/spamd/reply.hpp"

namespace portcullis::checks::scanner {

inline constexpr std::size_t kMaxSpamdUser = 128;

struct SpamdResult {
  enum class Status {
    scanned,    // spam, score, threshold (and symbols or report) are set
    error,      // down, refused, closed, a protocol error, a bad user name, the source failed
    timeout,    // the exchange took longer than the timeout
    too_large,  // larger than max_size: not sent
  };
  Status status = Status::error;
  bool spam = false;                      // spamd's verdict (score >= threshold for its rules)
  double score = 0.0;
  double threshold = 0.0;
  std::vector<std::string> symbols = {};  // SYMBOLS: the rules that hit, as spamd lists them
  std::string report = {};                // REPORT: SpamAssassin's report text
  std::string detail = {};                // for logs: what went wrong (printable), or a summary
};

// "scanned", "error", "timeout", "too_large".
std::string_view to_string(SpamdResult::Status status);

// Checks the `size` octets of `source` (which must give exactly that many). `user` goes in the
// User header (spamd's per-user settings, its logs); empty: no header. A user name longer than
// kMaxSpamdUser or holding anything but printable ASCII without spaces is an error (no header
// injection).
boost::asio::awaitable<SpamdResult> spamd_check(boost::asio::any_io_executor executor, Endpoint endpoint,
                                                ChunkSource source, std::uint64_t size, SpamdMode mode,
                                                std::string user, std::chrono::milliseconds timeout,
                                                std::uint64_t max_size = kNoSizeLimit);

// PING SPAMC/1.5 -> SPAMD/1.5 0 PONG.
boost::asio::awaitable<PingResult> spamd_ping(boost::asio::any_io_executor executor, Endpoint endpoint,
                                              std::chrono::milliseconds timeout);

}  // namespace portcullis::checks::scanner
