// checks/dmarc/punycode.hpp: RFC 3492 (sections 5, 6.1, 6.2 and 6.3) and A-labels.
#include "checks/dmarc/punycode.hpp"

#include <cstdint>

#include "core/utf8.hpp"

namespace portcullis::checks::dmarc {

namespace {

// RFC 3492 section 5: the parameter values for Punycode.
constexpr std::uint32_t kBase = 36;
constexpr std::uint32_t kTmin = 1;
constexpr std::uint32_t kTmax = 26;
constexpr std::uint32_t kSkew = 38;
constexpr std::uint32_t kDamp = 700;
constexpr std::uint32_t kInitialBias = 72;
constexpr std::uint32_t kInitialN = 0x80;
constexpr char kDelimiter = '-';
constexpr std::uint64_t kMaxInt = 0xFFFFFFFFu;  // the "maxint" of 6.3: overflow beyond it

constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxDomain = 253;

bool basic(char32_t c) { return c < 0x80; }

bool valid_scalar(char32_t c) { return c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF); }

char encode_digit(std::uint32_t d) {  // 0..25 -> a..z, 26..35 -> 0..9
  return static_cast<char>(d < 26 ? 'a' + d : '0' + (d - 26));
}

// The value of a Punycode digit (either case), or kBase if it is none.
std::uint32_t decode_digit(char c) {
  if (c >= 'a' && c <= 'z') return static_cast<std::uint32_t>(c - 'a');
  if (c >= 'A' && c <= 'Z') return static_cast<std::uint32_t>(c - 'A');
  if (c >= '0' && c <= '9') return static_cast<std::uint32_t>(c - '0') + 26;
  return kBase;
}

// The threshold t for the digit at position k (6.2/6.3: clamped to tmin..tmax).
std::uint32_t threshold(std::uint32_t k, std::uint32_t bias) {
  if (k <= bias) return kTmin;
  if (k >= bias + kTmax) return kTmax;
  return k - bias;
}

// RFC 3492 6.1: bias adaptation.
std::uint32_t adapt(std::uint64_t delta, std::uint64_t numpoints, bool firsttime) {
  delta = firsttime ? delta / kDamp : delta / 2;
  delta += delta / numpoints;
  std::uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return static_cast<std::uint32_t>(k + ((kBase - kTmin + 1) * delta) / (delta + kSkew));
}

char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

std::optional<std::string> punycode_encode(std::u32string_view input) {
  if (input.size() > kMaxPunycodeInput) return std::nullopt;
  std::string out;
  for (const char32_t c : input) {
    if (!valid_scalar(c)) return std::nullopt;
    if (basic(c)) out += static_cast<char>(c);
  }
  const std::uint64_t b = out.size();
  std::uint64_t h = b;
  if (b > 0) out += kDelimiter;

  std::uint64_t n = kInitialN;
  std::uint64_t delta = 0;
  std::uint32_t bias = kInitialBias;
  while (h < input.size()) {
    // The smallest code point not handled yet (>= n): there is one, since h < size.
    std::uint64_t m = kMaxInt;
    for (const char32_t c : input)
      if (c >= n && c < m) m = c;
    delta += (m - n) * (h + 1);
    if (delta > kMaxInt) return std::nullopt;
    n = m;
    for (const char32_t c : input) {
      if (c < n && ++delta > kMaxInt) return std::nullopt;
      if (c != n) continue;
      std::uint64_t q = delta;  // the delta as a generalized variable-length integer
      for (std::uint32_t k = kBase;; k += kBase) {
        const std::uint32_t t = threshold(k, bias);
        if (q < t) break;
        out += encode_digit(static_cast<std::uint32_t>(t + (q - t) % (kBase - t)));
        q = (q - t) / (kBase - t);
      }
      out += encode_digit(static_cast<std::uint32_t>(q));
      bias = adapt(delta, h + 1, h == b);
      delta = 0;
      ++h;
    }
    ++delta;
    ++n;
  }
  return out;
}

std::optional<std::u32string> punycode_decode(std::string_view input) {
  std::u32string out;
  // The basic code points are those before the last delimiter (if any).
  const std::size_t last = input.rfind(kDelimiter);
  std::size_t in = 0;
  if (last != std::string_view::npos) {
    if (last > kMaxPunycodeInput) return std::nullopt;
    for (std::size_t j = 0; j < last; ++j) {
      if (!basic(static_cast<unsigned char>(input[j]))) return std::nullopt;
      out += static_cast<char32_t>(static_cast<unsigned char>(input[j]));
    }
    in = last + 1;
  }

  std::uint64_t n = kInitialN;
  std::uint64_t i = 0;
  std::uint32_t bias = kInitialBias;
  while (in < input.size()) {
    const std::uint64_t oldi = i;
    std::uint64_t w = 1;
    for (std::uint32_t k = kBase;; k += kBase) {
      if (in >= input.size()) return std::nullopt;
      const std::uint32_t digit = decode_digit(input[in++]);
      if (digit >= kBase) return std::nullopt;
      i += digit * w;
      if (i > kMaxInt) return std::nullopt;
      const std::uint32_t t = threshold(k, bias);
      if (digit < t) break;
      w *= kBase - t;
      if (w > kMaxInt) return std::nullopt;
    }
    const std::uint64_t count = out.size() + 1;
    bias = adapt(i - oldi, count, oldi == 0);
    n += i / count;
    i %= count;
    if (n > 0x10FFFF || basic(static_cast<char32_t>(n)) || !valid_scalar(static_cast<char32_t>(n)))
      return std::nullopt;
    if (out.size() >= kMaxPunycodeInput) return std::nullopt;
    out.insert(out.begin() + static_cast<std::ptrdiff_t>(i), static_cast<char32_t>(n));
    ++i;
  }
  return out;
}

std::optional<std::u32string> utf8_to_code_points(std::string_view text) {
  if (!core::valid_utf8(text)) return std::nullopt;
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t k = 0; k < text.size();) {
    const auto lead = static_cast<unsigned char>(text[k]);
    std::size_t len = 1;
    char32_t c = lead;
    if (lead >= 0xF0) {
      len = 4;
      c = lead & 0x07u;
    } else if (lead >= 0xE0) {
      len = 3;
      c = lead & 0x0Fu;
    } else if (lead >= 0xC0) {
      len = 2;
      c = lead & 0x1Fu;
    }
    for (std::size_t j = 1; j < len; ++j) c = (c << 6) | (static_cast<unsigned char>(text[k + j]) & 0x3Fu);
    out += c;
    k += len;
  }
  return out;
}

std::optional<std::string> label_to_ascii(std::string_view label) {
  if (label.empty()) return std::nullopt;
  bool ascii = true;
  for (const char c : label) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
  std::string out;
  if (ascii) {
    if (label.size() > kMaxLabel) return std::nullopt;
    for (const char c : label) out += ascii_lower(c);
    return out;
  }
  // A U-label: at most 63 octets of A-label can come from at most 63 code points plus the
  // "xn--" prefix, so a longer input is refused before encoding.
  if (label.size() > 4 * kMaxLabel) return std::nullopt;
  auto points = utf8_to_code_points(label);
  if (!points) return std::nullopt;
  for (auto& c : *points)
    if (c >= 'A' && c <= 'Z') c += 32;
  const auto encoded = punycode_encode(*points);
  if (!encoded) return std::nullopt;
  out = "xn--" + *encoded;
  if (out.size() > kMaxLabel) return std::nullopt;
  return out;
}

std::optional<std::string> domain_to_ascii(std::string_view domain) {
  if (!domain.empty() && domain.back() == '.') domain.remove_suffix(1);
  if (domain.empty() || domain.size() > 4 * kMaxDomain) return std::nullopt;
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = domain.find('.', start);
    const auto label = label_to_ascii(domain.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (!label) return std::nullopt;
    if (!out.empty()) out += '.';
    out += *label;
    if (out.size() > kMaxDomain) return std::nullopt;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

}  // namespace portcullis::checks::dmarc
