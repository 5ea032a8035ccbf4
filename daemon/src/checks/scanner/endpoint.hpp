// Where a content scanner (clamd, spamd) listens, as the admin writes it in the settings:
//   "unix:/run/clamav/clamd.ctl"   a unix stream socket (an absolute path, at most 107 octets)
//   "tcp:127.0.0.1:3310"           an IPv4 address and a port
//   "tcp:[::1]:783"                an IPv6 address (in brackets) and a port
// Host names are refused: resolving them would need a blocking resolver or the DNS room, and a
// scanner is local or on a fixed address. Pure code (fuzzed with the scanners' reply parsers);
// connecting is checks/scanner/exchange.hpp's job.
#pragma once
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::checks::scanner {

inline constexpr std::size_t kMaxUnixPath = 107;  // sockaddr_un's sun_path, less its final NUL

struct Endpoint {
  enum class Kind { unix_socket, tcp };
  Kind kind = Kind::unix_socket;
  std::string path = {};                      // unix_socket: an absolute path
  boost::asio::ip::address address = {};      // tcp
  std::uint16_t port = 0;                     // tcp: 1..65535
};

struct ParsedEndpoint {
  std::optional<Endpoint> endpoint = {};  // empty when the text is not an endpoint
  std::string error = {};                 // then why, for the admin (printable, bounded)
};

ParsedEndpoint parse_endpoint(std::string_view text);

// The canonical text, which parse_endpoint reads back: "unix:/p", "tcp:192.0.2.1:3310",
// "tcp:[2001:db8::1]:783".
std::string to_string(const Endpoint& endpoint);

}  // namespace portcullis::checks::scanner
