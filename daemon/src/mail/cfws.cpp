// mail/cfws.hpp: comments, CFWS, quoted strings and domain literals (RFC 5322 3.2).
#include "mail/cfws.hpp"

namespace portcullis::mail {

namespace {

// From v[i] (the opening character, already checked) to just after `close`; a backslash
// quotes the next octet; `forbidden` (if not NUL) may not appear unquoted.
std::optional<std::size_t> skip_delimited(std::string_view v, std::size_t i, char close, char forbidden) {
  for (++i; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '\\') {
      if (++i >= v.size()) return std::nullopt;
    } else if (c == close) {
      return i + 1;
    } else if (forbidden != '\0' && c == forbidden) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

bool is_fws_char(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::optional<std::size_t> skip_comment(std::string_view v, std::size_t i, std::size_t max_depth) {
  std::size_t depth = 0;
  for (; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '\\') {
      if (++i >= v.size()) return std::nullopt;
    } else if (c == '(') {
      if (++depth > max_depth) return std::nullopt;
    } else if (c == ')') {
      if (--depth == 0) return i + 1;
    }
  }
  return std::nullopt;
}

std::optional<std::size_t> skip_cfws(std::string_view v, std::size_t i, std::size_t max_depth) {
  while (i < v.size()) {
    if (is_fws_char(v[i])) {
      ++i;
    } else if (v[i] == '(') {
      const auto end = skip_comment(v, i, max_depth);
      if (!end) return std::nullopt;
      i = *end;
    } else {
      break;
    }
  }
  return i;
}

std::optional<std::size_t> skip_quoted_string(std::string_view v, std::size_t i) {
  return skip_delimited(v, i, '"', '\0');
}

std::optional<std::size_t> skip_domain_literal(std::string_view v, std::size_t i) {
  return skip_delimited(v, i, ']', '[');
}

std::string unquote(std::string_view quoted) {
  std::string out;
  if (quoted.size() < 2) return out;
  quoted = quoted.substr(1, quoted.size() - 2);
  for (std::size_t i = 0; i < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 1 < quoted.size()) ++i;
    out += quoted[i];
  }
  return out;
}

}  // namespace portcullis::mail
