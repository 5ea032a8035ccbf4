// checks/spamd/reply.hpp: spamd's replies.
#include "checks/spamd/reply.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>

#include "checks/scanner/printable.hpp"

namespace portcullis::checks::scanner {

namespace {

constexpr std::string_view kCrlf = "\r\n";

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (lower(a[k]) != lower(b[k])) return false;
  return true;
}

bool blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && blank(s.back())) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

// The next CRLF-ended line of `rest` (consumed), or nullopt when there is no CRLF.
std::optional<std::string_view> next_line(std::string_view& rest) {
  const auto end = rest.find(kCrlf);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view line = rest.substr(0, end);
  rest.remove_prefix(end + kCrlf.size());
  return line;
}

// "-0.0", "1000.5", "5": a finite decimal number within kMaxSpamdScore.
std::optional<double> number(std::string_view s) {
  s = trim(s);
  if (s.empty() || s.size() > 32) return std::nullopt;
  for (const char c : s)
    if (!((c >= '0' && c <= '9') || c == '.' || c == '-')) return std::nullopt;  // no inf, nan, hex
  double value = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value) || std::fabs(value) > kMaxSpamdScore)
    return std::nullopt;
  return value;
}

SpamdReply failure(std::string why, int code = -1) {
  SpamdReply r;
  r.code = code;
  r.error = std::move(why);
  return r;
}

// A header name: RFC 7230 token characters.
bool token(std::string_view s) {
  if (s.empty()) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

bool rule_name(std::string_view s) {
  if (s.empty() || s.size() > kMaxSymbolLength) return false;
  for (const char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// "True ; 1000.0 / 5.0" into the reply; an error text or "".
std::string spam_header(std::string_view value, SpamdReply& out) {
  const auto semicolon = value.find(';');
  const auto slash = value.find('/', semicolon == std::string_view::npos ? 0 : semicolon);
  if (semicolon == std::string_view::npos || slash == std::string_view::npos)
    return "Spam header not 'FLAG ; SCORE / THRESHOLD': '" + printable(value, 80) + "'";
  const std::string_view flag = trim(value.substr(0, semicolon));
  if (iequals(flag, "true") || iequals(flag, "yes")) {
    out.spam = true;
  } else if (iequals(flag, "false") || iequals(flag, "no")) {
    out.spam = false;
  } else {
    return "Spam header flag is not True or False: '" + printable(flag, 40) + "'";
  }
  const auto score = number(value.substr(semicolon + 1, slash - semicolon - 1));
  const auto threshold = number(value.substr(slash + 1));
  if (!score || !threshold) return "Spam header score or threshold is not a number: '" + printable(value, 80) + "'";
  out.score = *score;
  out.threshold = *threshold;
  return {};
}

std::string symbol_list(std::string_view body, std::vector<std::string>& out) {
  while (!body.empty() && (body.back() == '\r' || body.back() == '\n')) body.remove_suffix(1);
  while (!body.empty()) {
    const auto comma = body.find(',');
    const std::string_view item = trim(body.substr(0, comma));
    body = comma == std::string_view::npos ? std::string_view() : body.substr(comma + 1);
    if (item.empty()) continue;
    if (!rule_name(item)) return "not a rule name in the symbols: '" + printable(item, 60) + "'";
    if (out.size() == kMaxSymbols) return "more than " + std::to_string(kMaxSymbols) + " symbols";
    out.emplace_back(item);
  }
  return {};
}

}  // namespace

std::string_view to_string(SpamdMode mode) {
  switch (mode) {
    case SpamdMode::check: return "CHECK";
    case SpamdMode::symbols: return "SYMBOLS";
    case SpamdMode::report: return "REPORT";
  }
  return "CHECK";
}

SpamdReply parse_spamd_reply(std::string_view reply, SpamdMode mode) {
  if (reply.size() > kMaxSpamdReply)
    return failure("reply longer than " + std::to_string(kMaxSpamdReply) + " octets");
  if (reply.empty()) return failure("empty reply");
  std::string_view rest = reply;
  const auto status = next_line(rest);
  if (!status) return failure("status line not ended by CRLF: '" + printable(reply, 80) + "'");

  // SPAMD/<major>.<minor> <code> <message>
  const std::string_view line = *status;
  if (line.substr(0, 6) != "SPAMD/") return failure("not a spamd reply: '" + printable(line, 80) + "'");
  const auto space = line.find(' ');
  const std::string_view version = line.substr(6, space == std::string_view::npos ? std::string_view::npos : space - 6);
  const auto dot = version.find('.');
  if (dot == std::string_view::npos || !all_digits(version.substr(0, dot)) || !all_digits(version.substr(dot + 1)) ||
      version.size() > 9)
    return failure("bad protocol version in '" + printable(line, 80) + "'");
  if (space == std::string_view::npos) return failure("no status code in '" + printable(line, 80) + "'");
  std::string_view after = line.substr(space + 1);
  const auto code_end = after.find(' ');
  const std::string_view code_text = after.substr(0, code_end);
  if (!all_digits(code_text) || code_text.size() > 3)
    return failure("bad status code in '" + printable(line, 80) + "'");
  int code = 0;
  for (const char c : code_text) code = code * 10 + (c - '0');
  const std::string_view message =
      code_end == std::string_view::npos ? std::string_view() : trim(after.substr(code_end));
  if (code != 0) return failure("spamd answered " + std::to_string(code) + " " + printable(message, 160), code);

  SpamdReply out;
  out.code = 0;
  bool have_spam = false;
  std::optional<std::size_t> content_length;
  for (std::size_t count = 0;; ++count) {
    const auto header = next_line(rest);
    if (!header) return failure("the headers do not end with an empty line", 0);
    if (header->empty()) break;
    if (count == kMaxSpamdHeaders) return failure("more than " + std::to_string(kMaxSpamdHeaders) + " headers", 0);
    const auto colon = header->find(':');
    const std::string_view name = colon == std::string_view::npos ? std::string_view() : header->substr(0, colon);
    if (!token(name)) return failure("bad header line '" + printable(*header, 80) + "'", 0);
    const std::string_view value = trim(header->substr(colon + 1));
    if (iequals(name, "Spam")) {
      if (have_spam) return failure("Spam header given twice", 0);
      have_spam = true;
      if (std::string why = spam_header(value, out); !why.empty()) return failure(std::move(why), 0);
    } else if (iequals(name, "Content-length")) {
      if (content_length) return failure("Content-length given twice", 0);
      if (!all_digits(value) || value.size() > 8)
        return failure("bad Content-length '" + printable(value, 40) + "'", 0);
      std::size_t n = 0;
      for (const char c : value) n = n * 10 + static_cast<std::size_t>(c - '0');
      content_length = n;
    }  // other headers are ignored (the protocol allows more)
  }
  if (!have_spam) return failure("no Spam header", 0);
  const std::string_view body = rest;
  if (content_length && *content_length != body.size())
    return failure("the body has " + std::to_string(body.size()) + " octets, its Content-length says " +
                       std::to_string(*content_length),
                   0);
  switch (mode) {
    case SpamdMode::check:
      break;  // a body, if any, is ignored
    case SpamdMode::symbols:
      if (std::string why = symbol_list(body, out.symbols); !why.empty()) return failure(std::move(why), 0);
      break;
    case SpamdMode::report:
      out.report = std::string(body);
      break;
  }
  out.ok = true;
  return out;
}

bool is_spamd_pong(std::string_view reply) {
  std::string_view rest = reply;
  const auto line = next_line(rest);
  if (!line || line->substr(0, 6) != "SPAMD/") return false;
  const auto space = line->find(' ');
  return space != std::string_view::npos && trim(line->substr(space + 1)) == "0 PONG";
}

}  // namespace portcullis::checks::scanner
