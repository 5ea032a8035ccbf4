// The clamd client: scans a message with ClamAV's clamd over its INSTREAM protocol
// (zINSTREAM: the message in chunks of at most 64 KiB, each after its length as 4 big-endian
// octets, then a zero length; one NUL-ended reply), on the event loop, never holding more than
// one chunk of the message.
//
// The timeout bounds the whole exchange (connect, send, reply). A message larger than
// `max_size` is not sent (too_large); clamd's own StreamMaxLength gives too_large as well.
// When clamd is down, slow or says something unexpected the status says so (error, timeout)
// and the caller applies the admin's fail-open or fail-closed choice. Nothing throws.
//
// GCC 12: make the awaitable first, then `co_await std::move(op)` (core/async.hpp).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "checks/scanner/chunk_source.hpp"
#include "checks/scanner/endpoint.hpp"
#include "checks/scanner/ping.hpp"

namespace portcullis::checks::scanner {

struct ClamdResult {
  enum class Status {
    clean,
    infected,
    error,      // down, refused, closed, a protocol error, the message source failed
    timeout,    // the exchange took longer than the timeout
    too_large,  // larger than max_size (not sent), or than clamd's StreamMaxLength
  };
  Status status = Status::error;
  std::string virus = {};   // infected: the signature's name, as clamd gave it (printable)
  std::string detail = {};  // for logs: clamd's reply, or what went wrong (printable)
};

// "clean", "infected", "error", "timeout", "too_large".
std::string_view to_string(ClamdResult::Status status);

// Scans the `size` octets of `source`. The source must give exactly `size` octets.
boost::asio::awaitable<ClamdResult> clamd_scan(boost::asio::any_io_executor executor, Endpoint endpoint,
                                               ChunkSource source, std::uint64_t size,
                                               std::chrono::milliseconds timeout,
                                               std::uint64_t max_size = kNoSizeLimit);

// zPING -> PONG: whether clamd answers (for health checks and the admin's status page).
boost::asio::awaitable<PingResult> clamd_ping(boost::asio::any_io_executor executor, Endpoint endpoint,
                                              std::chrono::milliseconds timeout);

}  // namespace portcullis::checks::scanner
