#include "core/password.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <charconv>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <vector>

namespace portcullis::core {
namespace {

constexpr std::size_t salt_size = 16;
constexpr std::size_t hash_size = 32;

std::string b64_encode(const std::vector<unsigned char>& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), in.data(), static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
  while (!out.empty() && out.back() == '=') out.pop_back();  // PHC: no padding
  return out;
}

std::optional<std::vector<unsigned char>> b64_decode(std::string_view in) {
  if (in.empty() || in.size() > 1024) return std::nullopt;
  for (char c : in) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
    if (!ok) return std::nullopt;
  }
  std::string padded(in);
  const std::size_t pad = (4 - padded.size() % 4) % 4;
  if (pad == 3) return std::nullopt;
  padded.append(pad, '=');
  std::vector<unsigned char> out(padded.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(padded.data()),
                                static_cast<int>(padded.size()));
  if (n < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

bool derive(std::string_view password, const std::vector<unsigned char>& salt, const ScryptParams& p,
            std::vector<unsigned char>& out) {
  const uint64_t n = uint64_t{1} << p.log2_n;
  const uint64_t maxmem = 128 * uint64_t{p.r} * n * p.p + (64ULL << 20);
  return EVP_PBE_scrypt(password.data(), password.size(), salt.data(), salt.size(), n, p.r, p.p, maxmem,
                        out.data(), out.size()) == 1;
}

// "ln=17,r=8,p=1"
std::optional<ScryptParams> parse_params(std::string_view text) {
  ScryptParams p;
  bool seen_ln = false, seen_r = false, seen_p = false;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    const std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = item.substr(0, eq), value = item.substr(eq + 1);
    unsigned v = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    if (key == "ln" && !seen_ln) {
      p.log2_n = v;
      seen_ln = true;
    } else if (key == "r" && !seen_r) {
      p.r = v;
      seen_r = true;
    } else if (key == "p" && !seen_p) {
      p.p = v;
      seen_p = true;
    } else {
      return std::nullopt;
    }
  }
  if (!seen_ln || !seen_r || !seen_p) return std::nullopt;
  if (p.log2_n < 10 || p.log2_n > 22 || p.r < 1 || p.r > 32 || p.p < 1 || p.p > 16) return std::nullopt;
  return p;
}

}  // namespace

std::string hash_password(std::string_view password, const ScryptParams& params) {
  std::vector<unsigned char> salt(salt_size);
  if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1) throw std::runtime_error("RAND_bytes failed");
  std::vector<unsigned char> hash(hash_size);
  if (!derive(password, salt, params, hash)) throw std::runtime_error("scrypt failed");
  return "$scrypt$ln=" + std::to_string(params.log2_n) + ",r=" + std::to_string(params.r) +
         ",p=" + std::to_string(params.p) + "$" + b64_encode(salt) + "$" + b64_encode(hash);
}

bool verify_password(std::string_view password, std::string_view phc) {
  constexpr std::string_view prefix = "$scrypt$";
  if (!phc.starts_with(prefix)) return false;
  phc.remove_prefix(prefix.size());
  const std::size_t a = phc.find('$');
  if (a == std::string_view::npos) return false;
  const std::size_t b = phc.find('$', a + 1);
  if (b == std::string_view::npos) return false;
  const auto params = parse_params(phc.substr(0, a));
  const auto salt = b64_decode(phc.substr(a + 1, b - a - 1));
  const auto expected = b64_decode(phc.substr(b + 1));
  // Exactly our hash size: a truncated hash would match a prefix of the derived key.
  if (!params || !salt || !expected || salt->size() < 8 || expected->size() != hash_size) return false;
  std::vector<unsigned char> actual(expected->size());
  if (!derive(password, *salt, *params, actual)) return false;
  return CRYPTO_memcmp(actual.data(), expected->data(), actual.size()) == 0;
}

std::string password_weakness(std::string_view password) {
  if (password.size() < 12) return "shorter than 12 characters";
  if (password.size() >= 20) return {};
  bool lower = false, upper = false, digit = false, other = false;
  for (unsigned char c : password) {
    if (c >= 'a' && c <= 'z') lower = true;
    else if (c >= 'A' && c <= 'Z') upper = true;
    else if (c >= '0' && c <= '9') digit = true;
    else other = true;
  }
  if (int{lower} + int{upper} + int{digit} + int{other} < 3)
    return "use at least three of: lower case, upper case, digits, other characters (or 20+ characters)";
  return {};
}

}  // namespace portcullis::core
