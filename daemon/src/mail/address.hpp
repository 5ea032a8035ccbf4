// RFC 5321 paths and mailboxes: the argument of MAIL FROM: and RCPT TO:.
// Strict parser of untrusted input (fuzzed): limits of RFC 5321 4.5.3.1, dot-string or
// quoted-string local parts, LDH domains or address literals; UTF-8 (RFC 6531) reported
// so the session can require the SMTPUTF8 parameter.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portcullis::mail {

struct Mailbox {
  std::string local;   // as received, without quotes (quoted_local says it was quoted)
  std::string domain;  // lower-cased ASCII; address literals keep brackets: "[192.0.2.1]"
  bool quoted_local = false;
  bool address_literal = false;
  bool utf8 = false;  // non-ASCII octets in local part or domain

  // The address as it goes on the wire: local@domain, re-quoting the local part if needed.
  std::string str() const;
  // Lower-cased local@domain: the key for recipient and alias lookups.
  std::string key() const;
};

enum class PathError {
  none,
  syntax,               // 501 5.1.3 / 5.1.7
  local_part_too_long,  // > 64 octets: 553 5.1.3
  domain_too_long,      // > 255 octets: 553 5.1.3
  path_too_long,        // > 256 octets including <>: 553 5.1.3
  bad_parameter,        // malformed esmtp-param: 501 5.5.4
};

struct ParsedPath {
  bool null_path = false;        // "<>" (only valid as reverse path)
  bool bare_postmaster = false;  // "<Postmaster>" in any case (only valid as forward path)
  bool had_source_route = false; // "<@a,@b:user@c>": route dropped, mailbox kept (RFC 5321 C)
  Mailbox mailbox;
  // ESMTP parameters after the path: keyword upper-cased, value as given (empty if none).
  std::vector<std::pair<std::string, std::string>> params;
};

struct PathResult {
  PathError error = PathError::none;
  ParsedPath path;
  explicit operator bool() const { return error == PathError::none; }
};

// arg is everything after "MAIL FROM:" / "RCPT TO:" (leading spaces tolerated).
// reverse=true allows "<>"; reverse=false allows "<Postmaster>".
PathResult parse_path(std::string_view arg, bool reverse);

// Parses a whole address "local@domain" (no angle brackets), as given on the CLI.
std::optional<Mailbox> parse_mailbox(std::string_view text);

// Validates a domain name (LDH labels, no trailing dot, <= 255) and lower-cases it.
std::optional<std::string> normalize_domain(std::string_view text);

// True for a valid address literal, brackets included: "[192.0.2.1]", "[IPv6:2001:db8::1]"
// (the tag in any case). General address literals ("[tag:...]") are not accepted.
bool is_address_literal(std::string_view text);

}  // namespace portcullis::mail
