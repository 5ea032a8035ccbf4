#include "policy/cidr.hpp"

#include <algorithm>
#include <cstddef>

namespace portcullis::policy {
namespace ip = boost::asio::ip;

namespace {

// Clears the bits of `bytes` (length `size`) below the first `prefix` bits.
void mask(std::uint8_t* bytes, std::size_t size, unsigned prefix) {
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (prefix >= first_bit + 8) continue;
    if (prefix <= first_bit) {
      bytes[i] = 0;
    } else {
      const unsigned keep = prefix - first_bit;  // 1..7
      bytes[i] = static_cast<std::uint8_t>(bytes[i] & (0xffu << (8 - keep)));
    }
  }
}

bool is_v4_mapped(const std::array<std::uint8_t, 16>& b) {
  return std::all_of(b.begin(), b.begin() + 10, [](std::uint8_t x) { return x == 0; }) &&
         b[10] == 0xff && b[11] == 0xff;
}

// "0".."128" without sign, spaces or leading zeros.
std::optional<unsigned> parse_prefix(std::string_view text) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  if (text.size() > 1 && text.front() == '0') return std::nullopt;
  unsigned value = 0;
  for (char ch : text) {
    if (ch < '0' || ch > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(ch - '0');
  }
  return value;
}

}  // namespace

Cidr::Cidr(bool v4, unsigned prefix, const std::array<std::uint8_t, 16>& bytes)
    : v4_(v4), prefix_(prefix), bytes_(bytes) {}

std::optional<Cidr> Cidr::parse(std::string_view text) {
  const auto slash = text.find('/');
  const std::string_view addr_text = text.substr(0, slash);
  // Only what an IP address can contain: this keeps out spaces, zone ids and signs.
  const bool charset_ok = !addr_text.empty() && std::all_of(addr_text.begin(), addr_text.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
  });
  if (!charset_ok) return std::nullopt;

  boost::system::error_code ec;
  const ip::address addr = ip::make_address(std::string(addr_text), ec);
  if (ec) return std::nullopt;

  const bool v4 = addr.is_v4();
  const unsigned max_prefix = v4 ? 32 : 128;
  unsigned prefix = max_prefix;
  if (slash != std::string_view::npos) {
    const auto parsed = parse_prefix(text.substr(slash + 1));
    if (!parsed || *parsed > max_prefix) return std::nullopt;
    prefix = *parsed;
  }

  std::array<std::uint8_t, 16> bytes{};
  if (v4) {
    const auto b = addr.to_v4().to_bytes();
    std::copy(b.begin(), b.end(), bytes.begin());
    mask(bytes.data(), 4, prefix);
    return Cidr(true, prefix, bytes);
  }
  if (addr.to_v6().scope_id() != 0) return std::nullopt;
  bytes = addr.to_v6().to_bytes();
  mask(bytes.data(), 16, prefix);
  if (prefix >= 96 && is_v4_mapped(bytes)) {
    std::array<std::uint8_t, 16> v4_bytes{};
    std::copy(bytes.begin() + 12, bytes.end(), v4_bytes.begin());
    return Cidr(true, prefix - 96, v4_bytes);
  }
  return Cidr(false, prefix, bytes);
}

ip::address Cidr::network() const {
  if (v4_) {
    ip::address_v4::bytes_type b{};
    std::copy(bytes_.begin(), bytes_.begin() + 4, b.begin());
    return ip::address_v4(b);
  }
  return ip::address_v6(bytes_);
}

std::string Cidr::text() const { return network().to_string() + "/" + std::to_string(prefix_); }

bool Cidr::matches(const std::uint8_t* bytes) const {
  const unsigned full = prefix_ / 8;
  if (!std::equal(bytes_.begin(), bytes_.begin() + full, bytes)) return false;
  const unsigned rest = prefix_ % 8;
  if (rest == 0) return true;
  const auto m = static_cast<std::uint8_t>(0xffu << (8 - rest));
  return (bytes[full] & m) == bytes_[full];
}

bool Cidr::contains(const ip::address& addr) const {
  if (addr.is_v4()) return v4_ && matches(addr.to_v4().to_bytes().data());
  const ip::address_v6 v6 = addr.to_v6();
  if (v6.is_v4_mapped()) return v4_ && matches(ip::make_address_v4(ip::v4_mapped, v6).to_bytes().data());
  return !v4_ && matches(v6.to_bytes().data());
}

}  // namespace portcullis::policy
