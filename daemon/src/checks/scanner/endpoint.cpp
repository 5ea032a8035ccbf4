// checks/scanner/endpoint.hpp: scanner endpoints from the admin's text.
#include "checks/scanner/endpoint.hpp"

#include "checks/scanner/printable.hpp"

namespace portcullis::checks::scanner {

namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    char c = text[k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != prefix[k]) return false;
  }
  return true;
}

ParsedEndpoint failure(std::string why) {
  ParsedEndpoint out;
  out.error = std::move(why);
  return out;
}

ParsedEndpoint unix_endpoint(std::string_view path, std::string_view text) {
  if (path.empty() || path[0] != '/')
    return failure("'" + printable(text, 120) + "': a unix socket needs an absolute path (unix:/run/...)");
  if (path.size() > kMaxUnixPath)
    return failure("'" + printable(text, 120) + "': the socket path is longer than " + std::to_string(kMaxUnixPath) +
                   " octets");
  for (const char c : path) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return failure("'" + printable(text, 120) + "': control character in the socket path");
  }
  Endpoint e;
  e.kind = Endpoint::Kind::unix_socket;
  e.path = std::string(path);
  ParsedEndpoint out;
  out.endpoint = std::move(e);
  return out;
}

ParsedEndpoint tcp_endpoint(std::string_view rest, std::string_view text) {
  std::string_view host;
  std::string_view port;
  const bool bracketed = !rest.empty() && rest[0] == '[';
  if (bracketed) {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return failure("'" + printable(text, 120) + "': '[' without ']'");
    host = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (rest.empty() || rest[0] != ':') return failure("'" + printable(text, 120) + "': no port after the address");
    port = rest.substr(1);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string_view::npos) return failure("'" + printable(text, 120) + "': no port (tcp:ADDRESS:PORT)");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (host.find(':') != std::string_view::npos)
      return failure("'" + printable(text, 120) + "': an IPv6 address goes in brackets (tcp:[::1]:783)");
  }
  if (port.empty() || port.size() > 5) return failure("'" + printable(text, 120) + "': the port is not 1..65535");
  unsigned value = 0;
  for (const char c : port) {
    if (c < '0' || c > '9') return failure("'" + printable(text, 120) + "': the port is not a number");
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) return failure("'" + printable(text, 120) + "': the port is not 1..65535");
  if (host.empty()) return failure("'" + printable(text, 120) + "': no address");
  if (host.find('%') != std::string_view::npos)
    return failure("'" + printable(text, 120) + "': scoped IPv6 addresses (%zone) are not supported");
  boost::system::error_code ec;
  const std::string host_text(host);
  boost::asio::ip::address address;
  if (bracketed) {
    const auto v6 = boost::asio::ip::make_address_v6(host_text, ec);
    if (!ec) address = v6;
  } else {
    const auto v4 = boost::asio::ip::make_address_v4(host_text, ec);
    if (!ec) address = v4;
  }
  if (ec)
    return failure("'" + printable(text, 120) + "': '" + printable(host, 80) + "' is not an IP" +
                   (bracketed ? "v6" : "v4") +
                   " address (host names are not resolved)");
  Endpoint e;
  e.kind = Endpoint::Kind::tcp;
  e.address = address;
  e.port = static_cast<std::uint16_t>(value);
  ParsedEndpoint out;
  out.endpoint = std::move(e);
  return out;
}

}  // namespace

ParsedEndpoint parse_endpoint(std::string_view text) {
  if (starts_with_nocase(text, "unix:")) return unix_endpoint(text.substr(5), text);
  if (starts_with_nocase(text, "tcp:")) return tcp_endpoint(text.substr(4), text);
  return failure("'" + printable(text, 120) + "': expected unix:/PATH, tcp:ADDRESS:PORT or tcp:[IPV6]:PORT");
}

std::string to_string(const Endpoint& endpoint) {
  if (endpoint.kind == Endpoint::Kind::unix_socket) return "unix:" + endpoint.path;
  const std::string port = std::to_string(endpoint.port);
  if (endpoint.address.is_v6()) return "tcp:[" + endpoint.address.to_string() + "]:" + port;
  return "tcp:" + endpoint.address.to_string() + ":" + port;
}

}  // namespace portcullis::checks::scanner
