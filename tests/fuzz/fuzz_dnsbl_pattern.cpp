// The DNSBL expected-result pattern parser (checks/dnsbl/pattern) and the zone checks and
// symbols of checks/dnsbl/query_name on arbitrary bytes. Admin input, fuzzed because it is
// cheap. Besides not crashing: a pattern parses or gives a short printable error, never both;
// its canonical text parses back to the same pattern; matching agrees with the alternatives
// and never accepts an answer outside 127.0.0.0/8 or a refusal code; symbols hold only
// [A-Z0-9_]; a zone that passes zone_error gives a query name of at most 253 characters.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "checks/dnsbl/pattern.hpp"
#include "checks/dnsbl/query_name.hpp"

namespace {

using namespace portcullis::checks::dnsbl;

void check_pattern(std::string_view text, const std::uint8_t* data, std::size_t size) {
  const ParsedPattern parsed = parse_pattern(text);
  if (parsed.pattern.has_value() == !parsed.error.empty()) __builtin_trap();
  if (parsed.error.size() > 200) __builtin_trap();
  for (const char c : parsed.error)
    if (c < 0x20 || c > 0x7e) __builtin_trap();
  if (!parsed.pattern) return;
  const AnswerPattern& p = *parsed.pattern;
  if (p.alternatives().size() > kMaxAlternatives) __builtin_trap();
  const ParsedPattern again = parse_pattern(p.text());
  if (!again.pattern || again.pattern->alternatives() != p.alternatives()) __builtin_trap();
  for (const auto& alt : p.alternatives()) {
    if (alt.octets[0].low != 127 || alt.octets[0].high != 127) __builtin_trap();
    for (const auto& o : alt.octets)
      if (o.low > o.high) __builtin_trap();
  }
  // Answers taken from the input, and the alternatives' own corners.
  std::vector<std::array<std::uint8_t, 4>> answers;
  for (std::size_t i = 0; i + 4 <= size && answers.size() < 16; i += 4)
    answers.push_back({data[i], data[i + 1], data[i + 2], data[i + 3]});
  for (const auto& alt : p.alternatives()) {
    answers.push_back({alt.octets[0].low, alt.octets[1].low, alt.octets[2].low, alt.octets[3].low});
    answers.push_back({alt.octets[0].high, alt.octets[1].high, alt.octets[2].high, alt.octets[3].high});
  }
  for (const auto& a : answers) {
    bool expected = answer_kind(a) == AnswerKind::listing_range;
    if (expected && !p.any()) {
      bool some = false;
      for (const auto& alt : p.alternatives()) some = some || alt.matches(a);
      expected = some;
    }
    if (p.matches(a) != expected) __builtin_trap();
    if (p.matches(a) && (a[0] != 127 || (a[1] == 255 && a[2] == 255))) __builtin_trap();
  }
}

void check_zone_text(std::string_view text) {
  const std::string symbol = symbol_for(text);
  for (const char c : symbol)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) __builtin_trap();
  const std::string error = zone_error(text);
  for (const char c : error)
    if (c < 0x20 || c > 0x7e) __builtin_trap();
  const auto v6 = query_name(boost::asio::ip::make_address("2001:db8::1"), text);
  const auto v4 = query_name(boost::asio::ip::make_address("192.0.2.1"), text);
  if (error.empty() != v6.has_value() || error.empty() != v4.has_value()) __builtin_trap();
  if (v6 && v6->size() > 253) __builtin_trap();
  if (v4 && v4->size() > 253) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_pattern(in, data, size);
  check_zone_text(in);
  return 0;
}
