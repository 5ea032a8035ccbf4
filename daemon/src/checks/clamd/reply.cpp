// checks/clamd/reply.hpp: clamd's INSTREAM replies.
#include "checks/clamd/reply.hpp"

#include "checks/scanner/printable.hpp"

namespace portcullis::checks::scanner {

namespace {

constexpr std::string_view kStream = "stream: ";
constexpr std::string_view kFound = "FOUND";
constexpr std::string_view kError = "ERROR";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool ends_with_word(std::string_view s, std::string_view word) {
  if (s == word) return true;
  return s.size() > word.size() && s.substr(s.size() - word.size()) == word &&
         (s[s.size() - word.size() - 1] == ' ');
}

// The reply without its one terminator (NUL for the z-form, newline for the n-form).
std::string_view strip_terminator(std::string_view reply) {
  if (!reply.empty() && (reply.back() == '\0' || reply.back() == '\n')) reply.remove_suffix(1);
  return reply;
}

ClamdReply make(ClamdReply::Kind kind, std::string text) {
  ClamdReply r;
  r.kind = kind;
  r.text = std::move(text);
  return r;
}

}  // namespace

ClamdReply parse_clamd_reply(std::string_view reply) {
  if (reply.size() > kMaxClamdReply + 1)
    return make(ClamdReply::Kind::error, "reply longer than " + std::to_string(kMaxClamdReply) + " octets");
  const std::string_view body = strip_terminator(reply);
  if (body.find('\0') != std::string_view::npos || body.find('\n') != std::string_view::npos)
    return make(ClamdReply::Kind::error, "more than one reply: '" + printable(body) + "'");
  const std::string_view text = trim(body);
  if (text.empty()) return make(ClamdReply::Kind::error, "empty reply");
  if (text.substr(0, kStream.size()) == kStream) {
    const std::string_view rest = trim(text.substr(kStream.size()));
    if (rest == "OK") return make(ClamdReply::Kind::clean, printable(text));
    if (ends_with_word(rest, kFound)) {
      ClamdReply r = make(ClamdReply::Kind::infected, printable(text));
      const std::string_view name = trim(rest.substr(0, rest.size() - kFound.size()));
      r.virus = name.empty() ? std::string("unnamed") : printable(name, kMaxVirusName - 3);  // "..." fits
      return r;
    }
  }
  if (ends_with_word(text, kError)) {
    if (text.find("size limit exceeded") != std::string_view::npos)
      return make(ClamdReply::Kind::size_limit, printable(text));
    return make(ClamdReply::Kind::error, "clamd: " + printable(text));
  }
  return make(ClamdReply::Kind::error, "unexpected reply: '" + printable(text) + "'");
}

bool is_clamd_pong(std::string_view reply) { return trim(strip_terminator(reply)) == "PONG"; }

}  // namespace portcullis::checks::scanner
