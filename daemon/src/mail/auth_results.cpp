// mail/auth_results.hpp: the Authentication-Results field (RFC 8601).
#include "mail/auth_results.hpp"

#include <algorithm>
#include <cstddef>

#include "mail/cfws.hpp"

namespace portcullis::mail {

namespace {

constexpr std::size_t max_scan = 4096;  // octets of a value read at most
constexpr std::size_t max_comment_depth = 16;

bool is_tspecial(char c) {
  // RFC 2045 5.1 tspecials
  return std::string_view("()<>@,;:\\\"/[]?=").find(c) != std::string_view::npos;
}

bool is_token_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u > 0x20 && u < 0x7f && !is_tspecial(c);
}

bool is_token(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char); }

// local@domain with both sides tokens (RFC 8601 2.2: pvalue allows [local-part "@"] domain).
bool is_address(std::string_view s) {
  const auto at = s.rfind('@');
  if (at == std::string_view::npos) return false;
  return (at == 0 || is_token(s.substr(0, at))) && is_token(s.substr(at + 1));
}

std::string printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u != 0x7f) out += c;
  }
  return out;
}

std::string value_text(std::string_view raw) {
  const std::string v = printable(raw);
  if (is_token(v) || is_address(v)) return v;
  std::string q = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') q += '\\';
    q += c;
  }
  return q + "\"";
}

std::string comment_text(std::string_view raw) {
  std::string c = "(";
  for (char ch : printable(raw)) {
    if (ch == '(' || ch == ')' || ch == '\\') c += '\\';
    c += ch;
  }
  return c + ")";
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

}  // namespace

std::string authentication_results_field(std::string_view authserv_id, const std::vector<AuthResult>& results) {
  std::string out = "Authentication-Results: " + value_text(authserv_id) + ";";
  if (results.empty()) return out + " none\r\n";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const AuthResult& r = results[i];
    out += "\r\n\t" + printable(r.method) + "=" + printable(r.result);
    if (!r.comment.empty()) out += " " + comment_text(r.comment);
    for (const auto& [name, value] : r.properties) out += " " + printable(name) + "=" + value_text(value);
    if (i + 1 < results.size()) out += ";";
  }
  return out + "\r\n";
}

std::optional<std::string> authserv_id_of(std::string_view value) {
  if (value.size() > max_scan) value = value.substr(0, max_scan);
  const auto start = skip_cfws(value, 0, max_comment_depth);
  if (!start || *start >= value.size()) return std::nullopt;
  std::size_t i = *start;
  std::string id;
  if (value[i] == '"') {
    const auto end = skip_quoted_string(value, i);
    if (!end) return std::nullopt;  // an unclosed quoted string
    id = unquote(value.substr(i, *end - i));
  } else {
    while (i < value.size() && is_token_char(value[i])) id += value[i++];
  }
  if (id.empty()) return std::nullopt;
  return id;
}

bool same_authserv_id(std::string_view a, std::string_view b) {
  if (!a.empty() && a.back() == '.') a.remove_suffix(1);
  if (!b.empty() && b.back() == '.') b.remove_suffix(1);
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) { return lower(x) == lower(y); });
}

}  // namespace portcullis::mail
