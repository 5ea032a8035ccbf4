// checks/spf/macro.hpp: macro-string syntax and expansion (RFC 7208 7).
#include "checks/spf/macro.hpp"

#include <algorithm>
#include <vector>

namespace portcullis::checks::spf {

namespace {

constexpr unsigned kMaxDigits = 1000;  // a larger count keeps every part anyway

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

bool is_delimiter(char c) {
  return c == '.' || c == '-' || c == '+' || c == ',' || c == '/' || c == '_' || c == '=';
}

bool letter_allowed(char letter, MacroUse use) {
  switch (letter) {
    case 's': case 'l': case 'o': case 'd': case 'i': case 'p': case 'h': case 'v':
      return true;
    case 'c': case 'r': case 't':
      return use != MacroUse::domain;
    default:
      return false;
  }
}

bool literal_allowed(char c, MacroUse use) {
  const auto u = static_cast<unsigned char>(c);
  if (u == 0x20) return use == MacroUse::explanation;
  return u >= 0x21 && u <= 0x7e && c != '%';
}

// One piece of a macro-string.
struct Token {
  enum Kind { literal, escape, macro } kind = literal;
  std::string_view text;        // literal: the run of literal octets; escape: its value
  char letter = 0;              // macro: lower case
  bool upper = false;           // macro: URL-escape the value
  unsigned digits = 0;          // macro: rightmost parts kept (0: all)
  bool reverse = false;         // macro
  std::string_view delimiters;  // macro: empty means "."
};

// Reads the token at `pos` and moves past it; false on a syntax error.
bool next_token(std::string_view s, std::size_t& pos, MacroUse use, Token& out) {
  out = Token{};
  if (s[pos] != '%') {
    const std::size_t start = pos;
    while (pos < s.size() && s[pos] != '%') {
      if (!literal_allowed(s[pos], use)) return false;
      ++pos;
    }
    out.kind = Token::literal;
    out.text = s.substr(start, pos - start);
    return true;
  }
  if (pos + 1 >= s.size()) return false;
  const char c = s[pos + 1];
  if (c == '%' || c == '_' || c == '-') {
    out.kind = Token::escape;
    out.text = c == '%' ? "%" : c == '_' ? " " : "%20";
    pos += 2;
    return true;
  }
  if (c != '{') return false;
  std::size_t k = pos + 2;
  if (k >= s.size() || !is_alpha(s[k])) return false;
  out.kind = Token::macro;
  out.upper = is_upper(s[k]);
  out.letter = lower(s[k]);
  if (!letter_allowed(out.letter, use)) return false;
  ++k;
  bool have_digits = false;
  while (k < s.size() && is_digit(s[k])) {
    have_digits = true;
    out.digits = std::min(kMaxDigits, out.digits * 10 + static_cast<unsigned>(s[k] - '0'));
    ++k;
  }
  if (have_digits && out.digits == 0) return false;  // 7.1: a DIGIT count is nonzero
  if (k < s.size() && lower(s[k]) == 'r') {
    out.reverse = true;
    ++k;
  }
  const std::size_t delims = k;
  while (k < s.size() && is_delimiter(s[k])) ++k;
  out.delimiters = s.substr(delims, k - delims);
  if (k >= s.size() || s[k] != '}') return false;
  pos = k + 1;
  return true;
}

bool valid_toplabel(std::string_view label) {
  if (label.empty()) return false;
  bool alpha = false, dash = false;
  for (const char c : label) {
    if (is_alpha(c)) alpha = true;
    else if (c == '-') dash = true;
    else if (!is_digit(c)) return false;
  }
  // ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
  if (!dash) return alpha;
  return label.front() != '-' && label.back() != '-';
}

const char kHex[] = "0123456789ABCDEF";

bool unreserved(char c) { return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_' || c == '~'; }

std::string url_escape(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (unreserved(c)) {
      out += c;
    } else {
      const auto u = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  return out;
}

std::string letter_value(char letter, const MacroContext& ctx) {
  switch (letter) {
    case 's': return ctx.sender;
    case 'l': return ctx.local;
    case 'o': return ctx.sender_domain;
    case 'd': return ctx.domain;
    case 'i': return ip_dotted(ctx.ip);
    case 'p': return ctx.validated_name.empty() ? "unknown" : ctx.validated_name;
    case 'v': return ctx.ip.is_v4() ? "in-addr" : "ip6";
    case 'h': return ctx.helo;
    case 'c': return ip_readable(ctx.ip);
    case 'r': return ctx.receiver.empty() ? "unknown" : ctx.receiver;
    case 't': return std::to_string(ctx.now);
    default: return {};
  }
}

// Splits on any of the delimiters, reverses, keeps the rightmost parts, joins with ".".
std::string transform(std::string_view value, const Token& t) {
  if (t.digits == 0 && !t.reverse && t.delimiters.empty()) return std::string(value);
  const std::string_view delims = t.delimiters.empty() ? std::string_view(".") : t.delimiters;
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (std::size_t k = 0; k <= value.size(); ++k) {
    if (k == value.size() || delims.find(value[k]) != std::string_view::npos) {
      parts.push_back(value.substr(start, k - start));
      start = k + 1;
    }
  }
  if (t.reverse) std::reverse(parts.begin(), parts.end());
  std::size_t first = 0;
  if (t.digits != 0 && t.digits < parts.size()) first = parts.size() - t.digits;
  std::string out;
  for (std::size_t k = first; k < parts.size(); ++k) {
    if (k != first) out += '.';
    out += parts[k];
  }
  return out;
}

}  // namespace

bool valid_macro_string(std::string_view text, MacroUse use) {
  Token t;
  for (std::size_t pos = 0; pos < text.size();)
    if (!next_token(text, pos, use, t)) return false;
  return true;
}

bool valid_domain_spec(std::string_view text) {
  if (text.empty()) return false;
  Token t;
  std::size_t tail = 0;  // where the literal octets after the last macro-expand start
  for (std::size_t pos = 0; pos < text.size();) {
    if (!next_token(text, pos, MacroUse::domain, t)) return false;
    if (t.kind != Token::literal) tail = pos;
  }
  std::string_view end = text.substr(tail);
  if (end.empty()) return true;  // ends with a macro-expand
  if (end.back() == '.') end.remove_suffix(1);
  const std::size_t dot = end.rfind('.');
  if (dot == std::string_view::npos) return false;
  return valid_toplabel(end.substr(dot + 1));
}

bool uses_macro_letter(std::string_view text, char letter) {
  Token t;
  for (std::size_t pos = 0; pos < text.size();) {
    if (!next_token(text, pos, MacroUse::explanation, t)) return false;
    if (t.kind == Token::macro && t.letter == lower(letter)) return true;
  }
  return false;
}

std::optional<std::string> expand(std::string_view text, const MacroContext& ctx, MacroUse use) {
  std::string out;
  Token t;
  for (std::size_t pos = 0; pos < text.size();) {
    if (!next_token(text, pos, use, t)) return std::nullopt;
    if (t.kind == Token::macro) {
      const std::string value = letter_value(t.letter, ctx);
      if (value.size() > kMaxExpansion) return std::nullopt;
      const std::string part = transform(value, t);
      out += t.upper ? url_escape(part) : part;
    } else {
      out += t.text;
    }
    if (out.size() > kMaxExpansion) return std::nullopt;
  }
  return out;
}

std::optional<std::string> expand_domain(std::string_view spec, const MacroContext& ctx) {
  auto out = expand(spec, ctx, MacroUse::domain);
  if (!out) return std::nullopt;
  if (!out->empty() && out->back() == '.') out->pop_back();
  std::size_t cut = 0;
  while (out->size() - cut > kMaxDomainLength) {
    const std::size_t dot = out->find('.', cut);
    if (dot == std::string::npos) break;  // one label too long: left for the name check
    cut = dot + 1;
  }
  out->erase(0, cut);
  return out;
}

std::string ip_dotted(const boost::asio::ip::address& ip) {
  if (ip.is_v4()) return ip.to_v4().to_string();
  const auto bytes = ip.to_v6().to_bytes();
  std::string out;
  out.reserve(63);
  for (const unsigned char b : bytes) {
    if (!out.empty()) out += '.';
    out += "0123456789abcdef"[b >> 4];
    out += '.';
    out += "0123456789abcdef"[b & 15];
  }
  return out;
}

std::string ip_readable(const boost::asio::ip::address& ip) {
  if (ip.is_v4()) return ip.to_v4().to_string();
  return ip.to_v6().to_string();
}

}  // namespace portcullis::checks::spf
