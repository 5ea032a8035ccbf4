// Name and address helpers of net/dns.hpp that need no resolver.
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "net/dns.hpp"
#include "net/dns_detail.hpp"

namespace portcullis::net {

namespace {

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

std::optional<boost::asio::ip::address> parse_plain(std::string_view text) {
  // make_address would accept an IPv6 zone ("fe80::1%eth0"): not an SMTP or DNS thing.
  if (text.empty() || text.find('%') != std::string_view::npos) return std::nullopt;
  boost::system::error_code ec;
  auto ip = boost::asio::ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  return ip;
}

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::uint16_t parse_port(std::string_view text, const std::string& entry) {
  unsigned value = 0;
  if (text.empty() || text.size() > 5) throw std::runtime_error("bad DNS server port: " + entry);
  for (char c : text) {
    if (c < '0' || c > '9') throw std::runtime_error("bad DNS server port: " + entry);
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value == 0 || value > 65535) throw std::runtime_error("bad DNS server port: " + entry);
  return static_cast<std::uint16_t>(value);
}

}  // namespace

std::string server_entry(const boost::asio::ip::address& ip, std::uint16_t port) {
  std::string out;
  // (appended piecewise: GCC 12 -O3 warns falsely on "[" + s + "]")
  if (ip.is_v6()) out += '[';
  out += ip.to_string();
  if (ip.is_v6()) out += ']';
  out += ':';
  out += std::to_string(port);
  return out;
}

std::string detail::servers_csv(const std::vector<std::string>& servers) {
  std::string csv;
  for (const std::string& entry : servers) {
    std::string_view host = entry;
    std::uint16_t port = 53;
    if (!host.empty() && host.front() == '[') {
      auto close = host.find(']');
      if (close == std::string_view::npos) throw std::runtime_error("bad DNS server: " + entry);
      std::string_view rest = host.substr(close + 1);
      host = host.substr(1, close - 1);
      if (!rest.empty()) {
        if (rest.front() != ':') throw std::runtime_error("bad DNS server: " + entry);
        port = parse_port(rest.substr(1), entry);
      }
    } else if (auto colon = host.find(':'); colon != std::string_view::npos && host.find(':', colon + 1) == host.npos) {
      port = parse_port(host.substr(colon + 1), entry);
      host = host.substr(0, colon);
    }
    boost::system::error_code ec;
    auto ip = boost::asio::ip::make_address(std::string(host), ec);
    if (ec || host.find('%') != std::string_view::npos) throw std::runtime_error("bad DNS server: " + entry);
    if (!csv.empty()) csv += ',';
    csv += server_entry(ip, port);
  }
  return csv;
}

std::string_view to_string(DnsStatus status) {
  switch (status) {
    case DnsStatus::ok:
      return "ok";
    case DnsStatus::nxdomain:
      return "nxdomain";
    case DnsStatus::nodata:
      return "nodata";
    case DnsStatus::temp_failure:
      return "temp_failure";
    case DnsStatus::perm_failure:
      return "perm_failure";
  }
  return "unknown";
}

std::optional<boost::asio::ip::address> parse_ip_literal(std::string_view text) {
  if (text.size() >= 2 && text.front() == '[' && text.back() == ']') {
    std::string_view inner = text.substr(1, text.size() - 2);
    if (iequals_prefix(inner, "ipv6:")) {
      auto ip = parse_plain(inner.substr(5));
      if (!ip || !ip->is_v6()) return std::nullopt;
      return ip;
    }
    auto ip = parse_plain(inner);
    if (!ip || !ip->is_v4()) return std::nullopt;
    return ip;
  }
  if (!text.empty() && (text.front() == '[' || text.back() == ']')) return std::nullopt;
  return parse_plain(text);
}

std::string reverse_name(const boost::asio::ip::address& ip) {
  std::string out;
  if (ip.is_v4() || (ip.is_v6() && ip.to_v6().is_v4_mapped())) {
    auto v4 = ip.is_v4() ? ip.to_v4() : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
    auto bytes = v4.to_bytes();
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      out += std::to_string(*it);
      out += '.';
    }
    out += "in-addr.arpa";
    return out;
  }
  static constexpr char hex[] = "0123456789abcdef";
  auto bytes = ip.to_v6().to_bytes();
  for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
    out += hex[*it & 0x0f];
    out += '.';
    out += hex[*it >> 4];
    out += '.';
  }
  out += "ip6.arpa";
  return out;
}

std::string tlsa_name(std::string_view host, std::uint16_t port) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  return "_" + std::to_string(port) + "._tcp." + std::string(host);
}

bool valid_dns_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  if (name.empty() || name.size() > 253) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    if (!label_char(c) || ++label > 63) return false;
  }
  return label > 0;
}

std::string canonical_name(std::string_view name) {
  if (!name.empty() && name.back() == '.') name.remove_suffix(1);
  std::string out(name);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace portcullis::net
