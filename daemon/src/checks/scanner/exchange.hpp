// One request/reply exchange with a content scanner (clamd, spamd) over a unix or TCP stream
// socket, bounded as a whole by one deadline: when it passes, the socket is closed, whatever
// step is pending ends at once, every later step fails, and expired() says so. Nothing here
// blocks the thread or throws; each step returns an error_code. The exchange, its deadline and
// the coroutine using it run on one thread (the event loop's io_context, or one strand).
//
// send_message streams a message from a ChunkSource (raw, or in clamd's INSTREAM frames).
// A scanner may answer before it has everything (clamd past its StreamMaxLength answers and
// closes): sending stops when a reply is waiting or the peer stops reading, and the caller
// reads the reply that explains why.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/generic/stream_protocol.hpp>
#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "checks/scanner/chunk_source.hpp"
#include "checks/scanner/endpoint.hpp"
#include "core/async.hpp"

namespace portcullis::checks::scanner {

class Exchange {
 public:
  // The deadline starts now: connect, send and reply all fit in `timeout`. `peer` names the
  // scanner in details ("clamd").
  Exchange(boost::asio::any_io_executor executor, std::chrono::milliseconds timeout, std::string peer);
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  boost::asio::awaitable<boost::system::error_code> connect(const Endpoint& endpoint);
  // Writes `head` then `body`, all of both.
  boost::asio::awaitable<boost::system::error_code> write(std::string_view head, std::string_view body = {});
  void shutdown_send();  // the end of the request (spamd); errors are ignored

  struct Reply {
    std::string data = {};                  // what arrived (up to `limit` octets)
    boost::system::error_code error = {};   // why reading stopped early (not set for eof or `until`)
    bool too_long = false;                  // more than `limit` octets arrived before the end
  };
  // Reads until `until` arrives (kept in data), the peer closes, or an error; at most `limit`
  // octets.
  boost::asio::awaitable<Reply> read_reply(std::size_t limit, std::optional<char> until);

  bool expired() const { return deadline_.expired(); }
  std::chrono::milliseconds timeout() const { return timeout_; }
  // Octets waiting to be read (0 on an error).
  std::size_t available();

  // "clamd timed out after 500 ms (while connecting)" or "clamd at unix:/p: connecting: No such
  // file or directory", for a result's detail.
  std::string describe(const boost::system::error_code& error, std::string_view step) const;

 private:
  boost::asio::generic::stream_protocol::socket socket_;  // before deadline_: outlives it
  core::Deadline deadline_;
  std::chrono::milliseconds timeout_;
  std::string peer_;
  std::string where_;  // the endpoint once connect() was called
};

struct SendOutcome {
  enum class Kind {
    sent,         // all `size` octets (and clamd's terminator) were written
    interrupted,  // the scanner answered early or stopped reading: read its reply
    failed,       // the source failed or broke its contract, or the deadline passed: no reply
  };
  Kind kind = Kind::failed;
  bool timed_out = false;  // failed because the deadline passed
  std::string detail = {};                 // interrupted, failed: what happened
  std::uint64_t sent = 0;                  // message octets written
};

enum class Framing {
  raw,       // the octets as they are (spamd, after its Content-length header)
  instream,  // clamd's INSTREAM: each chunk after its length (4 octets, big-endian), then a
             // zero length
};

// Sends exactly `size` octets read from `source` (a source that ends early or gives more than
// asked is an error: the message changed under us).
boost::asio::awaitable<SendOutcome> send_message(Exchange& exchange, const ChunkSource& source, std::uint64_t size,
                                                 Framing framing);

}  // namespace portcullis::checks::scanner
