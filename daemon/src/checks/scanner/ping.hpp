// The answer of a scanner's PING (clamd's zPING, spamd's PING): whether it is up, and if not why.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "checks/scanner/endpoint.hpp"

namespace portcullis::checks::scanner {

struct PingResult {
  bool ok = false;
  bool timed_out = false;   // no answer within the timeout
  std::string detail = {};  // what went wrong (printable), empty when ok
};

// The exchange both pings are: connect, send `request`, read a reply of at most `limit` octets
// up to `until`, and ask `is_pong` about it. `peer` names the scanner in the details.
boost::asio::awaitable<PingResult> ping(boost::asio::any_io_executor executor, Endpoint endpoint,
                                        std::chrono::milliseconds timeout, std::string peer,
                                        std::string_view request, std::size_t limit, char until,
                                        bool (*is_pong)(std::string_view));

}  // namespace portcullis::checks::scanner
