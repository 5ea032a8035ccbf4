// ASCII text helpers for the DKIM (and ARC) parsers: case-insensitive comparison, whitespace
// (RFC 6376 WSP and FWS), colon-separated lists, domain and selector syntax. Pure, never throw
// on any octets.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::checks::dkim {

inline char ascii_lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch; }

inline std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = ascii_lower(ch);
  return out;
}

inline bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  return true;
}

inline bool is_wsp(char ch) { return ch == ' ' || ch == '\t'; }
// Whitespace inside tag lists: WSP and the CR/LF of folded lines (FWS).
inline bool is_fws(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }

inline std::string_view trim_fws(std::string_view s) {
  while (!s.empty() && is_fws(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_fws(s.back())) s.remove_suffix(1);
  return s;
}

// `s` without any whitespace (base64 values: b=, bh=, p=).
inline std::string strip_fws(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s)
    if (!is_fws(ch)) out += ch;
  return out;
}

// "a : b:c" -> {"a", "b", "c"} (items trimmed; empty items kept, so callers can reject them).
inline std::vector<std::string_view> split_list(std::string_view s, char sep = ':') {
  std::vector<std::string_view> out;
  for (;;) {
    const std::size_t p = s.find(sep);
    out.push_back(trim_fws(s.substr(0, p)));
    if (p == std::string_view::npos) break;
    s.remove_prefix(p + 1);
  }
  return out;
}

// A header field name (RFC 5322 ftext: printable US-ASCII except ':'), as h= lists them.
inline bool valid_field_name(std::string_view s) {
  if (s.empty()) return false;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 33 || c > 126 || ch == ':') return false;
  }
  return true;
}

// A DNS domain name as DKIM uses it (d=, s=, the domain of i=): dot-separated labels of
// letters, digits, '-' and '_' (selectors in the wild use '_'), 1..63 octets each, at most
// 253 in all; no leading, trailing or double dot.
inline bool valid_domain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  for (const char ch : s) {
    if (ch == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '-' ||
                    ch == '_';
    if (!ok || ++label > 63) return false;
  }
  return label > 0;
}

// `sub` is `domain` or a subdomain of it (case-insensitive).
inline bool same_or_subdomain(std::string_view sub, std::string_view domain) {
  if (iequals(sub, domain)) return true;
  return sub.size() > domain.size() + 1 && sub[sub.size() - domain.size() - 1] == '.' &&
         iequals(sub.substr(sub.size() - domain.size()), domain);
}

}  // namespace portcullis::checks::dkim
