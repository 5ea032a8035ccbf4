// Display forms of header values for the Lua hooks: RFC 2047 encoded words decoded to UTF-8,
// and RFC 5322 address lists (From/To/Cc/...) split into display name and address.
// Untrusted input (fuzzed): never throws, output bounded; garbage gives best-effort results.
//
// decode_encoded_words:
//   - "=?charset[*lang]?B|Q?text?=" anywhere in the value (also inside words and quoted
//     strings, as mail readers do), encoding letter in either case; no 75-octet limit.
//   - charsets (any case): UTF-8 (UTF8), US-ASCII (ASCII), ISO-8859-1 (ISO8859-1, LATIN1),
//     windows-1252 (CP1252). Output is UTF-8: octets that are not valid in the charset
//     (invalid UTF-8, 8-bit in US-ASCII, the 5 holes of windows-1252) become U+FFFD.
//   - Q: '_' is a space, "=XX" (hex, either case) an octet; anything else printable as is.
//     B: standard base64, padding optional.
//   - left exactly as written: unknown charsets, malformed words (bad base64, bad "=XX",
//     no closing "?="), and everything between words.
//   - linear white space (SP, HTAB, CR, LF) between two decoded words is dropped (§6.2).
//   - decoded control octets (CR, LF, NUL, ...) are kept: the result is for display and
//     matching, not for writing back into a header unchecked.
//   - the result holds at most max_output octets (cut at a UTF-8 character boundary).
//
// parse_address_list: RFC 5322 address-list, leniently:
//   - `Name <a@b>`, `"Quoted, Name" <a@b>`, bare `a@b`, `a@b (Name)` (the comment is the
//     display name when there is no other), obsolete routes `<@x,@y:a@b>` (route dropped).
//   - groups `Team: a@b, c@d;` give their members; `undisclosed-recipients:;` gives nothing.
//   - comments are dropped; display names are unquoted, white space runs outside quotes
//     become one space, and encoded words are decoded. Addresses are the addr-spec as
//     written (quotes kept) without white space or comments. Nothing is lower-cased.
//   - garbage: entries with neither a name nor an address are dropped; unterminated quotes,
//     comments, brackets and angle brackets run to the end of the value; words without
//     angle brackets are split into a display name and the last run containing '@' (with
//     no '@' at all, one run of atoms is an address, anything else a display name).
//   - at most max_addresses entries.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::mail {

inline constexpr std::size_t kMaxDecodedOutput = 64 * 1024;
inline constexpr std::size_t kMaxAddresses = 1000;

std::string decode_encoded_words(std::string_view value, std::size_t max_output = kMaxDecodedOutput);

struct DisplayAddress {
  std::string display_name;  // decoded UTF-8, may be empty
  std::string address;       // addr-spec as written, may be empty (e.g. "MAILER-DAEMON <>")
};

std::vector<DisplayAddress> parse_address_list(std::string_view value, std::size_t max_addresses = kMaxAddresses);

}  // namespace portcullis::mail
