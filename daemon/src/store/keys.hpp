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

}  // namespace portcullis::store
