// An IP network in CIDR notation, as used for relay networks and IP ranges.
// parse() is strict (it reads admin input): "192.0.2.0/24", "2001:db8::/32", or a bare address
// meaning a host route (/32 or /128). Host bits set below the mask are cleared
// ("192.0.2.7/24" -> 192.0.2.0/24). An IPv4-mapped IPv6 network of /96 or longer is stored as
// the IPv4 network it denotes ("::ffff:192.0.2.0/120" -> 192.0.2.0/24).
// contains() matches IPv4 clients, including IPv4-mapped IPv6 clients (::ffff:192.0.2.1, how a
// dual-stack socket reports them), against IPv4 networks only, and other IPv6 clients against
// IPv6 networks only: "::/0" does not contain IPv4 clients and "0.0.0.0/0" no IPv6 ones.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/address.hpp>

namespace portcullis::policy {

class Cidr {
 public:
  // nullopt for anything else than ADDRESS or ADDRESS/PREFIX: no spaces, no IPv6 zone ids
  // ("%eth0"), no leading zeros in the prefix, prefix <= 32 (IPv4) or <= 128 (IPv6).
  static std::optional<Cidr> parse(std::string_view text);

  // Canonical form, always with the prefix: "192.0.2.0/24", "2001:db8::/32", "192.0.2.1/32".
  std::string text() const;
  bool contains(const boost::asio::ip::address& ip) const;

  bool is_v4() const { return v4_; }
  unsigned prefix_length() const { return prefix_; }
  boost::asio::ip::address network() const;

  friend bool operator==(const Cidr&, const Cidr&) = default;

 private:
  Cidr(bool v4, unsigned prefix, const std::array<std::uint8_t, 16>& bytes);
  bool matches(const std::uint8_t* bytes) const;

  bool v4_ = true;
  unsigned prefix_ = 0;
  std::array<std::uint8_t, 16> bytes_{};  // network address; IPv4 uses the first 4 octets
};

}  // namespace portcullis::policy
