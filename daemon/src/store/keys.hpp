// Key normalisation shared by the store backends: every key is stored lower-case so lookups
// are exact matches in any backend. The callers pass normalised values already; this is the
// defensive second pass, ASCII only (UTF-8 octets are left as they are).
#pragma once
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace portcullis::store {

inline std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// A recipient or alias key: the whole address lower-cased ("@domain" catch-alls included).
inline std::string address_key(std::string_view address) { return lower_ascii(address); }

// An alias target is a delivery address: the local part keeps its case, the domain (after the
// last '@') is lower-cased.
inline std::string target_form(std::string_view address) {
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return std::string(address);
  return std::string(address.substr(0, at + 1)) + lower_ascii(address.substr(at + 1));
}

inline const char* mode_text(RecipientMode mode) { return mode == RecipientMode::all ? "all" : "specified"; }

inline const char* action_text(RangeAction a) { return a == RangeAction::allow ? "allow" : "deny"; }

inline RangeAction parse_action(const std::string& text) {
  if (text == "allow") return RangeAction::allow;
  if (text == "deny") return RangeAction::deny;
  throw StoreError("corrupt ip_ranges table: action '" + text + "'");
}

// The message log's columns in the order both backends read them (alias m = messages).
inline constexpr const char* message_columns =
    "m.queue_id, m.received, m.client_ip, m.helo, m.tls, m.sender, m.size, m.verdict, m.score, m.symbols, m.gateway";

// A message log row, read in message_columns order from either backend's row type.
template <typename Row>
MessageRecord read_message_row(const Row& row) {
  MessageRecord m;
  m.queue_id = row.text(0);
  m.received = row.integer(1);
  m.client_ip = row.text(2);
  m.helo = row.text(3);
  m.tls = row.text(4);
  m.sender = row.text(5);
  m.size = static_cast<uint64_t>(row.integer(6));
  m.verdict = row.text(7);
  m.score = row.real(8);
  m.symbols = row.text(9);
  m.gateway = row.text(10);
  return m;
}

}  // namespace portcullis::store
