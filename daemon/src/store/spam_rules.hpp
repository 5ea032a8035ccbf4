// Spam policies, their targets, DNSBL zones, the quarantine index and digest settings (schema 7):
// the checks and normalisation shared by both backends, so they accept, store and reject the
// same values (SQLite would take any length, and NaN as NULL; MariaDB's columns would not), and
// the reading of their rows. Callers pass normalised values already; this is the second pass.
#pragma once
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "store/auth_rules.hpp"
#include "store/keys.hpp"
#include "store/store.hpp"

namespace portcullis::store {

inline constexpr std::size_t kMaxPolicyName = 64;
inline constexpr std::size_t kMaxSubjectTag = 64;     // octets
inline constexpr std::size_t kMaxNote = 1000;         // octets
inline constexpr std::size_t kMaxAddress = 320;       // octets (RFC 5321: 64 + 1 + 255)
inline constexpr std::size_t kMaxQueueId = 64;        // octets
inline constexpr std::size_t kMaxQuarantineText = 255;  // characters (subject, reason)

// [a-z0-9][a-z0-9._-]{0,63}
inline bool is_policy_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxPolicyName) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) return false;
  }
  return true;
}

inline bool one_of(std::string_view value, std::initializer_list<std::string_view> allowed) {
  for (auto a : allowed)
    if (value == a) return true;
  return false;
}

// One line: UTF-8 without control characters (it may end up in a header or a table).
inline bool is_one_line(std::string_view text) {
  if (!is_utf8_text(text)) return false;
  for (char c : text)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  return true;
}

inline std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text)
    if ((static_cast<unsigned char>(c) & 0xc0) != 0x80) ++n;
  return n;
}

// A number as the messages show it: "5", "7.5", "-2".
inline std::string score_text(double v) {
  std::string s = std::to_string(v);  // fixed, 6 decimals
  while (s.find('.') != std::string::npos && (s.back() == '0' || s.back() == '.')) {
    const bool dot = s.back() == '.';
    s.pop_back();
    if (dot) break;
  }
  return s;
}

inline bool threshold_on(double v) { return v <= kThresholdNever; }

// The policy as the store keeps it (name lower-cased); throws StoreError for a value the store
// does not take.
inline SpamPolicy normalised_spam_policy(const SpamPolicy& p) {
  SpamPolicy out = p;
  out.name = lower_ascii(p.name);
  if (!is_policy_name(out.name))
    throw StoreError("spam policy name '" + out.name +
                     "' is not valid (1-64 of a-z 0-9 . _ -, starting with a letter or a digit)");
  const std::string what = "spam policy " + out.name + ": ";
  const std::pair<const char*, double> scores[] = {
      {"tag_score", out.tag_score}, {"quarantine_score", out.quarantine_score}, {"reject_score", out.reject_score}};
  for (const auto& [field, v] : scores)
    if (!std::isfinite(v) || std::fabs(v) > kMaxThreshold)
      throw StoreError(what + field + " must be a number from -1000000 to 1000000");
  // The thresholds that are on must rise; one that is off (above 1000) never triggers.
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = i + 1; j < 3; ++j)
      if (threshold_on(scores[i].second) && threshold_on(scores[j].second) && scores[i].second > scores[j].second)
        throw StoreError(what + scores[i].first + " " + score_text(scores[i].second) + " is above " +
                         scores[j].first + " " + score_text(scores[j].second) +
                         " (the thresholds must rise: tag <= quarantine <= reject; above 1000 is off)");
  if (out.subject_tag.size() > kMaxSubjectTag || !is_one_line(out.subject_tag))
    throw StoreError(what + "the subject tag must be one line of UTF-8 text, at most 64 octets");
  if (!one_of(out.virus_action, {"reject", "quarantine", "discard"}))
    throw StoreError(what + "virus_action must be reject, quarantine or discard (not '" + out.virus_action + "')");
  if (!one_of(out.attachment_action, {"reject", "remove", "quarantine", "off"}))
    throw StoreError(what + "attachment_action must be reject, remove, quarantine or off (not '" +
                     out.attachment_action + "')");
  if (!one_of(out.scanner_failure, {"tempfail", "accept"}))
    throw StoreError(what + "scanner_failure must be tempfail or accept (not '" + out.scanner_failure + "')");
  if (out.note.size() > kMaxNote || !is_one_line(out.note))
    throw StoreError(what + "the note must be one line of UTF-8 text, at most 1000 octets");
  return out;
}

// "*", "@domain" or "local@domain", lower-cased.
inline std::string spam_target_key(std::string_view target) {
  std::string out = lower_ascii(target);
  if (out == "*") return out;
  const auto at = out.rfind('@');
  const bool shaped = at != std::string::npos && is_dns_name(std::string_view(out).substr(at + 1)) &&
                      out.size() <= kMaxAddress && is_one_line(out) && out.find(' ') == std::string::npos;
  if (!shaped)
    throw StoreError("spam policy target '" + out + "' is not valid (local@domain, @domain or *)");
  return out;
}

inline constexpr const char* spam_policy_columns =
    "name, tag_score, quarantine_score, reject_score, subject_tag, virus_action, attachment_action, greylisting, "
    "spam_scan, virus_scan, scanner_failure, note";

template <typename Row>
SpamPolicy read_spam_policy(const Row& row) {
  SpamPolicy p;
  p.name = row.text(0);
  p.tag_score = row.real(1);
  p.quarantine_score = row.real(2);
  p.reject_score = row.real(3);
  p.subject_tag = row.text(4);
  p.virus_action = row.text(5);
  p.attachment_action = row.text(6);
  p.greylisting = row.integer(7) != 0;
  p.spam_scan = row.integer(8) != 0;
  p.virus_scan = row.integer(9) != 0;
  p.scanner_failure = row.text(10);
  p.note = row.text(11);
  return p;
}

// The message for removing a policy that targets still use.
inline std::string policy_in_use_message(const std::string& name, const std::string& targets) {
  return "spam policy " + name + " is still assigned to " + targets + ": assign those another policy first";
}

inline std::string no_such_policy_message(const std::string& name) {
  return "spam policy " + name + " does not exist";
}

// ---- DNSBL zones ----

inline DnsblZone normalised_dnsbl_zone(const DnsblZone& z) {
  DnsblZone out = z;
  std::string_view zone = z.zone;
  if (zone.ends_with('.')) zone.remove_suffix(1);
  out.zone = lower_ascii(zone);
  if (!is_dns_name(out.zone)) throw StoreError("DNSBL zone '" + out.zone + "' is not a DNS name");
  const std::string what = "DNSBL zone " + out.zone + ": ";
  if (out.expect.size() > 255 || !is_one_line(out.expect) || out.expect.find(' ') != std::string::npos)
    throw StoreError(what + "the expected answers must be a pattern of at most 255 characters without spaces");
  if (!one_of(out.action, {"block", "score"}))
    throw StoreError(what + "the action must be block or score (not '" + out.action + "')");
  if (!std::isfinite(out.score) || std::fabs(out.score) > kMaxThreshold)
    throw StoreError(what + "the score must be a number from -1000000 to 1000000");
  if (!one_of(out.stage, {"connect", "rcpt"}))
    throw StoreError(what + "the stage must be connect or rcpt (not '" + out.stage + "')");
  if (out.note.size() > kMaxNote || !is_one_line(out.note))
    throw StoreError(what + "the note must be one line of UTF-8 text, at most 1000 octets");
  return out;
}

inline constexpr const char* dnsbl_zone_columns = "zone, expect, action, score, stage, note";

template <typename Row>
DnsblZone read_dnsbl_zone(const Row& row) {
  return DnsblZone{row.text(0), row.text(1), row.text(2), row.real(3), row.text(4), row.text(5)};
}

// ---- quarantine ----

inline void check_quarantine_text(const char* field, const std::string& value, std::size_t max_chars) {
  if (!is_utf8_text(value)) throw StoreError(std::string("quarantine: the ") + field + " is not UTF-8 text");
  if (utf8_length(value) > max_chars)
    throw StoreError(std::string("quarantine: the ") + field + " is longer than " + std::to_string(max_chars) +
                     " characters");
}

inline QuarantineEntry normalised_quarantine_entry(const QuarantineEntry& e) {
  QuarantineEntry out = e;
  out.recipient = address_key(e.recipient);
  out.sender = target_form(e.sender);
  if (out.id.empty() || out.id.size() > kMaxQueueId || !is_text_ascii(out.id) || !is_one_line(out.id))
    throw StoreError("quarantine: the queue id must be 1-64 printable ASCII characters");
  if (out.recipient.empty()) throw StoreError("quarantine " + out.id + ": the recipient must not be empty");
  if (out.recipient.size() > kMaxAddress || out.sender.size() > kMaxAddress)
    throw StoreError("quarantine " + out.id + ": an address is longer than 320 octets");
  check_quarantine_text("recipient", out.recipient, kMaxAddress);
  check_quarantine_text("sender", out.sender, kMaxAddress);
  check_quarantine_text("subject", out.subject, kMaxQuarantineText);
  check_quarantine_text("reason", out.reason, kMaxQuarantineText);
  check_quarantine_text("gateway", out.gateway, kMaxDnsName);
  if (!std::isfinite(out.score)) throw StoreError("quarantine " + out.id + ": the score is not a number");
  if (out.size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) throw StoreError("quarantine " + out.id + ": the size is too large");
  return out;
}

inline constexpr const char* quarantine_columns =
    "id, recipient, received, sender, subject, reason, score, size, gateway, expires";

template <typename Row>
QuarantineEntry read_quarantine_entry(const Row& row) {
  QuarantineEntry e;
  e.id = row.text(0);
  e.recipient = row.text(1);
  e.received = row.integer(2);
  e.sender = row.text(3);
  e.subject = row.text(4);
  e.reason = row.text(5);
  e.score = row.real(6);
  e.size = static_cast<uint64_t>(row.integer(7));
  e.gateway = row.text(8);
  e.expires = row.integer(9);
  return e;
}

// ---- digests ----

inline DigestSetting normalised_digest(const DigestSetting& d) {
  DigestSetting out = d;
  out.recipient = address_key(d.recipient);
  if (out.recipient.empty() || out.recipient.size() > kMaxAddress || !is_one_line(out.recipient) ||
      out.recipient.find('@') == std::string::npos)
    throw StoreError("digest: '" + out.recipient + "' is not an address");
  if (!one_of(out.frequency, {"off", "daily", "weekly"}))
    throw StoreError("digest of " + out.recipient + ": the frequency must be off, daily or weekly (not '" +
                     out.frequency + "')");
  return out;
}

}  // namespace portcullis::store
