// The expected-result pattern of a DNSBL zone (hMailServer/Postfix style): which A answers of
// the list count as a listing. Pure code (no Asio I/O), fuzzed by tests/fuzz/fuzz_dnsbl_pattern.
//
// Grammar (admin input, parsed strictly; spaces are allowed around the commas only):
//   patterns := "" | pattern *( "," pattern )          at most kMaxAlternatives
//   pattern  := "127" "." octet "." octet "." octet
//   octet    := NUMBER | "*" | "[" NUMBER ".." NUMBER "]" | NUMBER "-" NUMBER
//   NUMBER   := 0..255 in decimal, no leading zeros
// e.g. "127.0.0.2", "127.0.0.*", "127.0.0.[2..11]", "127.0.0.2-11", "127.0.0.2, 127.0.0.4".
// The empty pattern means any answer in 127.0.0.0/8.
//
// What never is a listing, whatever the pattern says (RFC 5782 2.3 puts every answer in
// 127.0.0.0/8; lists use 127.255.255.0/24 for their own errors, e.g. Spamhaus answers
// 127.255.255.254 to queries from public resolvers and 127.255.255.255 over quota):
//   - an answer outside 127.0.0.0/8 (answer_kind: outside),
//   - an answer in 127.255.255.0/24 (answer_kind: refused): the list refused the query.
// Both are reported as problems for the log, never as hits. This is why a pattern must start
// with 127: any other first octet could never match.
#pragma once
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::checks::dnsbl {

inline constexpr std::size_t kMaxAlternatives = 32;
inline constexpr std::size_t kMaxPatternLength = 2048;  // canonical texts stay below it

// One octet's accepted values, low..high inclusive.
struct OctetRange {
  std::uint8_t low = 0;
  std::uint8_t high = 255;
  friend bool operator==(const OctetRange&, const OctetRange&) = default;
};

// One alternative: a range per octet (the first is always 127..127).
struct AddressPattern {
  std::array<OctetRange, 4> octets = {};
  bool matches(const std::array<std::uint8_t, 4>& address) const;
  std::string text() const;  // canonical: "127.0.0.2", "127.0.0.*", "127.0.0.[2..11]"
  friend bool operator==(const AddressPattern&, const AddressPattern&) = default;
};

enum class AnswerKind { listing_range, outside, refused };
// Where an A answer falls: in 127.0.0.0/8 (a possible listing), outside it, or in the
// list's error range 127.255.255.0/24.
AnswerKind answer_kind(const std::array<std::uint8_t, 4>& address);

// What a refusal code (an answer in 127.255.255.0/24) says, in a few words, for the admin:
// 127.255.255.252 the query name is malformed (Spamhaus: a typing error in the zone),
// 127.255.255.254 queries through public or open resolvers are refused (Spamhaus and others),
// 127.255.255.255 too many queries (over the free-use limit); any other: an unnamed error code.
std::string refusal_meaning(const std::array<std::uint8_t, 4>& address);

class AnswerPattern {
 public:
  // The empty pattern: any answer in 127.0.0.0/8.
  AnswerPattern() = default;
  explicit AnswerPattern(std::vector<AddressPattern> alternatives) : alternatives_(std::move(alternatives)) {}

  // True if `address` is a listing under this pattern (never for outside/refused answers).
  bool matches(const std::array<std::uint8_t, 4>& address) const;
  bool any() const { return alternatives_.empty(); }
  const std::vector<AddressPattern>& alternatives() const { return alternatives_; }
  // Canonical text ("" for any; alternatives joined by ","); parses back to the same pattern.
  std::string text() const;

 private:
  std::vector<AddressPattern> alternatives_;
};

// What is wrong with a pattern that does not parse, so that a caller can word its own message
// (portcullis dnsbl add names the alternative at fault).
enum class PatternFault {
  none,
  too_long,        // the whole text: longer than kMaxPatternLength
  too_many,        // the whole text: more than kMaxAlternatives alternatives
  empty_item,      // an empty alternative: before the first comma, between two, or after the last
  bad_octet,       // an octet that is not a number, '*' or a range (why names the octet)
  few_octets,      // fewer than four octets
  many_octets,     // more than four octets
  not_127,         // a first octet other than 127
};

struct ParsedPattern {
  std::optional<AnswerPattern> pattern;  // set exactly when error is empty
  std::string error;                     // printable ASCII, short: what is wrong and where
  PatternFault fault = PatternFault::none;
  // The alternative at fault (blanks around it dropped), printable ASCII (others as '?');
  // empty for faults of the whole text and for empty_item.
  std::string item = {};
  // What is wrong inside `item` without repeating it: "bad octet '256' (a number 0-255 ...)",
  // "fewer than four octets"; for faults of the whole text, the same as `error`.
  std::string why = {};
};

ParsedPattern parse_pattern(std::string_view text);

}  // namespace portcullis::checks::dnsbl
