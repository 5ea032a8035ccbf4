// How a scanner client reads the message it sends: an asynchronous source of chunks, so that
// the message never needs to be in memory as a whole (the daemon reads its spool file on a
// worker pool, core/async.hpp offload). source(offset, max) gives the next 1..max octets from
// `offset` on, or "" at the end of the message; it may throw (an I/O error), which the clients
// report as an error result. The clients ask for consecutive offsets, never more than 64 KiB.
// A read in progress is not interrupted by the clients' deadline (it is checked when the read
// returns), so a source must itself end in bounded time (a local file does).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>

namespace portcullis::checks::scanner {

using ChunkSource = std::function<boost::asio::awaitable<std::string>(std::uint64_t offset, std::size_t max)>;

// The largest chunk a client asks for (and clamd's INSTREAM chunk size).
inline constexpr std::size_t kMaxChunk = 64 * 1024;

// No limit on the size a client accepts to send (the default of their max_size argument).
inline constexpr std::uint64_t kNoSizeLimit = std::numeric_limits<std::uint64_t>::max();

// A source over a message held in memory (tests, small messages); it shares the text.
ChunkSource string_source(std::string message);

}  // namespace portcullis::checks::scanner
