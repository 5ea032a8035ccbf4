// RFC 5321 4.1.2 path syntax (with RFC 6531 UTF-8 extensions), strict: see address.hpp.
#include "mail/address.hpp"
#include "core/utf8.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstddef>

namespace portcullis::mail {
namespace {

constexpr std::size_t max_local = 64;    // RFC 5321 4.5.3.1.1
constexpr std::size_t max_domain = 255;  // 4.5.3.1.2
constexpr std::size_t max_path = 256;    // 4.5.3.1.3, including the angle brackets
constexpr std::size_t max_label = 63;

bool is_alnum(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

bool is_atext(unsigned char c) {
  if (is_alnum(c)) return true;
  constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
  return specials.find(static_cast<char>(c)) != std::string_view::npos;
}

char lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch; }

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& ch : out) ch = lower(ch);
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

bool valid_ipv4(std::string_view text) {
  const std::string s(text);
  in_addr a{};
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

bool valid_ipv6(std::string_view text) {
  const std::string s(text);
  in6_addr a{};
  return inet_pton(AF_INET6, s.c_str(), &a) == 1;
}

// A cursor over untrusted text; every parse_* consumes what it accepts and fails otherwise.
struct Cursor {
  explicit Cursor(std::string_view text, std::size_t start = 0) : s(text), pos(start) {}
  std::string_view s;
  std::size_t pos;

  bool done() const { return pos >= s.size(); }
  unsigned char peek() const { return done() ? 0 : static_cast<unsigned char>(s[pos]); }
  bool eat(char ch) {
    if (done() || s[pos] != ch) return false;
    ++pos;
    return true;
  }
};

// Dot-string: atoms of atext (or UTF-8) separated by single dots.
bool parse_dot_string(Cursor& c, Mailbox& out) {
  const std::size_t start = c.pos;
  bool need_atom = true;
  while (!c.done()) {
    const unsigned char ch = c.peek();
    if (is_atext(ch)) {
      ++c.pos;
      need_atom = false;
    } else if (ch >= 0x80) {
      const std::size_t n = core::utf8_sequence_length(c.s, c.pos);
      if (n == 0) return false;
      c.pos += n;
      out.utf8 = true;
      need_atom = false;
    } else if (ch == '.') {
      if (need_atom) return false;  // leading or double dot
      ++c.pos;
      need_atom = true;
    } else {
      break;
    }
  }
  if (need_atom) return false;  // empty or trailing dot
  out.local.assign(c.s.substr(start, c.pos - start));
  return true;
}

// Quoted-string: qtextSMTP (plus UTF-8) and quoted-pairSMTP, unquoted into out.local.
bool parse_quoted(Cursor& c, Mailbox& out) {
  if (!c.eat('"')) return false;
  std::string local;
  for (;;) {
    if (c.done()) return false;
    const unsigned char ch = c.peek();
    if (ch == '"') {
      ++c.pos;
      break;
    }
    if (ch == '\\') {
      ++c.pos;
      const unsigned char q = c.peek();
      if (c.done() || q < 32 || q > 126) return false;
      local += static_cast<char>(q);
      ++c.pos;
    } else if (ch >= 32 && ch <= 126) {
      local += static_cast<char>(ch);
      ++c.pos;
    } else if (ch >= 0x80) {
      const std::size_t n = core::utf8_sequence_length(c.s, c.pos);
      if (n == 0) return false;
      local.append(c.s.substr(c.pos, n));
      c.pos += n;
      out.utf8 = true;
    } else {
      return false;  // control characters, NUL
    }
  }
  if (local.empty()) return false;  // ""@domain: no mailbox to speak of
  out.local = std::move(local);
  out.quoted_local = true;
  return true;
}

// Local-part; `wire` receives its length as received (quotes and backslashes included).
bool parse_local(Cursor& c, Mailbox& out, std::size_t& wire) {
  const std::size_t start = c.pos;
  const bool ok = c.peek() == '"' ? parse_quoted(c, out) : parse_dot_string(c, out);
  wire = c.pos - start;
  return ok;
}

// Domain: labels of letters, digits and inner hyphens (or UTF-8 U-labels when allowed),
// 1..63 octets each, separated by single dots, no trailing dot. Lower-cased into out.
bool parse_domain(Cursor& c, std::string& out, bool allow_utf8, bool& utf8) {
  const std::size_t start = c.pos;
  for (;;) {
    const std::size_t label = c.pos;
    while (!c.done()) {
      const unsigned char ch = c.peek();
      if (is_alnum(ch) || ch == '-') {
        ++c.pos;
      } else if (ch >= 0x80 && allow_utf8) {
        const std::size_t n = core::utf8_sequence_length(c.s, c.pos);
        if (n == 0) return false;
        c.pos += n;
        utf8 = true;
      } else {
        break;
      }
    }
    const std::string_view text = c.s.substr(label, c.pos - label);
    if (text.empty() || text.size() > max_label || text.front() == '-' || text.back() == '-') return false;
    if (!c.eat('.')) break;
  }
  out = lower_ascii(c.s.substr(start, c.pos - start));
  return true;
}

// Address literal "[...]": IPv4 or "IPv6:" tagged, checked with inet_pton.
bool parse_literal(Cursor& c, std::string& out) {
  const std::size_t start = c.pos;
  if (!c.eat('[')) return false;
  while (!c.done() && c.peek() != ']') {
    const unsigned char ch = c.peek();
    if (ch < 33 || ch > 126 || ch == '[' || ch == '\\') return false;
    ++c.pos;
  }
  if (!c.eat(']')) return false;
  const std::string_view text = c.s.substr(start, c.pos - start);
  if (!is_address_literal(text)) return false;
  out = lower_ascii(text);
  return true;
}

// Domain or address literal after the '@' of a mailbox.
bool parse_mailbox_domain(Cursor& c, Mailbox& out) {
  if (c.peek() == '[') {
    out.address_literal = true;
    return parse_literal(c, out.domain);
  }
  return parse_domain(c, out.domain, true, out.utf8);
}

// A-d-l ":" : "@a,@b:" — checked, then dropped.
bool parse_source_route(Cursor& c) {
  for (;;) {
    if (!c.eat('@')) return false;
    std::string ignored;
    bool utf8 = false;
    if (!parse_domain(c, ignored, true, utf8)) return false;
    if (c.eat(':')) return true;
    if (!c.eat(',')) return false;
  }
}

bool is_keyword_char(unsigned char c) { return is_alnum(c) || c == '-'; }

// Mail-parameters after the path: SP esmtp-param *(SP esmtp-param). Runs of spaces and
// trailing spaces are tolerated; anything else malformed fails.
bool parse_params(std::string_view rest, std::vector<std::pair<std::string, std::string>>& params) {
  std::size_t i = 0;
  for (;;) {
    while (i < rest.size() && rest[i] == ' ') ++i;
    if (i >= rest.size()) return true;
    const std::size_t end = std::min(rest.find(' ', i), rest.size());
    const std::string_view token = rest.substr(i, end - i);
    i = end;
    const std::size_t eq = token.find('=');
    const std::string_view keyword = token.substr(0, eq);
    if (keyword.empty() || !is_alnum(static_cast<unsigned char>(keyword.front()))) return false;
    for (char ch : keyword)
      if (!is_keyword_char(static_cast<unsigned char>(ch))) return false;
    std::string value;
    if (eq != std::string_view::npos) {
      const std::string_view v = token.substr(eq + 1);
      if (v.empty()) return false;
      for (char ch : v) {
        const auto u = static_cast<unsigned char>(ch);
        if (u < 33 || u > 126 || u == '=') return false;
      }
      value.assign(v);
    }
    std::string key(keyword);
    for (char& ch : key)
      if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
    params.emplace_back(std::move(key), std::move(value));
  }
}

bool is_dot_string(std::string_view text) {
  if (text.empty()) return false;
  Cursor c(text);
  Mailbox scratch;
  return parse_dot_string(c, scratch) && c.done();
}

}  // namespace

std::string Mailbox::str() const {
  std::string out;
  if (is_dot_string(local)) {
    out = local;
  } else {
    out.reserve(local.size() + 4);
    out += '"';
    for (char ch : local) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  if (domain.empty()) return out;  // bare <Postmaster>
  out += '@';
  out += domain;
  return out;
}

std::string Mailbox::key() const {
  std::string out = lower_ascii(local);
  if (domain.empty()) return out;
  out += '@';
  out += lower_ascii(domain);
  return out;
}

bool is_address_literal(std::string_view text) {
  if (text.size() < 3 || text.front() != '[' || text.back() != ']') return false;
  const std::string_view inner = text.substr(1, text.size() - 2);
  constexpr std::string_view tag = "IPv6:";
  if (inner.size() > tag.size() && iequals(inner.substr(0, tag.size()), tag)) return valid_ipv6(inner.substr(tag.size()));
  return valid_ipv4(inner);
}

PathResult parse_path(std::string_view arg, bool reverse) {
  PathResult result;
  auto fail = [&result](PathError e) {
    result.error = e;
    return result;
  };
  std::size_t lead = 0;
  while (lead < arg.size() && (arg[lead] == ' ' || arg[lead] == '\t')) ++lead;
  Cursor c(arg, lead);
  if (!c.eat('<')) return fail(PathError::syntax);
  ParsedPath& p = result.path;
  std::size_t local_wire = 0;
  constexpr std::string_view postmaster = "postmaster>";
  if (c.eat('>')) {
    if (!reverse) return fail(PathError::syntax);
    p.null_path = true;
  } else if (!reverse && iequals(arg.substr(c.pos, postmaster.size()), postmaster)) {
    c.pos += postmaster.size();
    p.bare_postmaster = true;
    p.mailbox.local = "postmaster";
  } else {
    if (c.peek() == '@') {
      if (!parse_source_route(c)) return fail(PathError::syntax);
      p.had_source_route = true;
    }
    if (!parse_local(c, p.mailbox, local_wire)) return fail(PathError::syntax);
    if (!c.eat('@')) return fail(PathError::syntax);
    if (!parse_mailbox_domain(c, p.mailbox)) return fail(PathError::syntax);
    if (!c.eat('>')) return fail(PathError::syntax);
  }
  const std::size_t path_len = c.pos - lead;
  const std::string_view rest = arg.substr(c.pos);
  if (!rest.empty() && rest.front() != ' ') return fail(PathError::syntax);  // "<a@b>x"
  if (local_wire > max_local) return fail(PathError::local_part_too_long);
  if (p.mailbox.domain.size() > max_domain) return fail(PathError::domain_too_long);
  if (path_len > max_path) return fail(PathError::path_too_long);
  if (!parse_params(rest, p.params)) return fail(PathError::bad_parameter);
  return result;
}

std::optional<Mailbox> parse_mailbox(std::string_view text) {
  Cursor c(text);
  Mailbox m;
  std::size_t local_wire = 0;
  if (!parse_local(c, m, local_wire) || !c.eat('@') || !parse_mailbox_domain(c, m) || !c.done())
    return std::nullopt;
  if (local_wire > max_local || m.domain.size() > max_domain || text.size() + 2 > max_path) return std::nullopt;
  return m;
}

std::optional<std::string> normalize_domain(std::string_view text) {
  Cursor c(text);
  std::string out;
  bool utf8 = false;
  if (!parse_domain(c, out, false, utf8) || !c.done() || out.size() > max_domain) return std::nullopt;
  return out;
}

}  // namespace portcullis::mail
