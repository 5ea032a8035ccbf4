// checks/dnsbl/query_name.hpp: DNSBL query names and symbols.
#include "checks/dnsbl/query_name.hpp"

namespace portcullis::checks::dnsbl {

namespace {

// The longest name a query may have (RFC 1035 2.3.4, without the final dot).
constexpr std::size_t kMaxName = 253;
// An IPv6 query's prefix: 32 nibbles and their dots, plus the dot before the zone.
constexpr std::size_t kIpv6Prefix = 64;

bool label_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::string ipv6_reversed(const boost::asio::ip::address_v6& ip) {
  static constexpr char hex[] = "0123456789abcdef";
  const auto bytes = ip.to_bytes();
  std::string out;
  out.reserve(63);
  for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
    if (!out.empty()) out += '.';
    out += hex[*it & 0x0f];
    out += '.';
    out += hex[*it >> 4];
  }
  return out;
}

std::string reversed(const boost::asio::ip::address& client) {
  if (client.is_v6() && !client.to_v6().is_v4_mapped()) return ipv6_reversed(client.to_v6());
  const auto v4 = client.is_v4() ? client.to_v4()
                                 : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, client.to_v6());
  const auto bytes = v4.to_bytes();
  return std::to_string(bytes[3]) + "." + std::to_string(bytes[2]) + "." + std::to_string(bytes[1]) + "." +
         std::to_string(bytes[0]);
}

std::string zone_error(std::string_view zone) {
  if (!zone.empty() && zone.back() == '.') zone.remove_suffix(1);
  if (zone.empty()) return "the zone is empty";
  if (zone.size() + kIpv6Prefix > kMaxName)
    return "the zone is longer than " + std::to_string(kMaxName - kIpv6Prefix) + " characters";
  std::size_t label = 0;
  for (const char c : zone) {
    if (c == '.') {
      if (label == 0) return "the zone has an empty label";
      label = 0;
      continue;
    }
    if (!label_char(c)) return "the zone holds a character other than letters, digits, '-', '_' and '.'";
    if (++label > 63) return "a label of the zone is longer than 63 characters";
  }
  if (label == 0) return "the zone has an empty label";
  return {};
}

namespace {
// "REVERSED.zone": nullopt for a bad zone or a name too long.
std::optional<std::string> under_zone(const std::string& reversed_ip, std::string_view zone) {
  if (!zone_error(zone).empty()) return std::nullopt;
  if (zone.back() == '.') zone.remove_suffix(1);
  std::string name = reversed_ip + "." + lower(zone);
  if (name.size() > kMaxName) return std::nullopt;
  return name;
}
}  // namespace

std::optional<std::string> query_name(const boost::asio::ip::address& client, std::string_view zone) {
  return under_zone(reversed(client), zone);
}

std::optional<std::string> ipv6_query_name(const boost::asio::ip::address_v6& ip, std::string_view zone) {
  return under_zone(ipv6_reversed(ip), zone);
}

std::string symbol_for(std::string_view zone) {
  if (!zone.empty() && zone.back() == '.') zone.remove_suffix(1);
  std::string out = "RBL_";
  for (const char c : zone) {
    if (c >= 'a' && c <= 'z')
      out += static_cast<char>(c - 'a' + 'A');
    else if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
      out += c;
    else
      out += '_';
  }
  return out;
}

}  // namespace portcullis::checks::dnsbl
