// checks/dnsbl/pattern.hpp: the expected-result pattern parser and matcher.
#include "checks/dnsbl/pattern.hpp"

namespace portcullis::checks::dnsbl {

namespace {

// Admin input quoted in an error: printable ASCII only, cut to a few dozen characters.
std::string quoted(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  for (std::size_t i = 0; i < text.size() && i < kMax; ++i) {
    const char c = text[i];
    out += (c >= 0x20 && c <= 0x7e) ? c : '?';
  }
  if (text.size() > kMax) out += "...";
  return out + "'";
}

// Admin input copied whole into a ParsedPattern: printable ASCII, others as '?'.
std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c < 0x20 || c > 0x7e) c = '?';
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// A decimal 0..255 without leading zeros (the whole of `s`).
std::optional<std::uint8_t> number(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  if (s.size() > 1 && s.front() == '0') return std::nullopt;
  unsigned v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v > 255) return std::nullopt;
  return static_cast<std::uint8_t>(v);
}

// One octet term; error set on failure.
std::optional<OctetRange> octet(std::string_view s, std::string& error) {
  if (s == "*") return OctetRange{};
  std::string_view low_text;
  std::string_view high_text;
  if (!s.empty() && s.front() == '[') {
    const auto dots = s.find("..");
    if (s.back() != ']' || s.size() < 2 || dots == std::string_view::npos) {
      error = "bad range " + quoted(s) + " (write [LOW..HIGH])";
      return std::nullopt;
    }
    low_text = s.substr(1, dots - 1);
    high_text = s.substr(dots + 2, s.size() - dots - 3);
  } else if (const auto dash = s.find('-'); dash != std::string_view::npos) {
    low_text = s.substr(0, dash);
    high_text = s.substr(dash + 1);
  } else {
    const auto v = number(s);
    if (!v) {
      error = "bad octet " + quoted(s) + " (a number 0-255 without leading zeros, '*', [LOW..HIGH] or LOW-HIGH)";
      return std::nullopt;
    }
    return OctetRange{*v, *v};
  }
  const auto low = number(low_text);
  const auto high = number(high_text);
  if (!low || !high) {
    error = "bad range " + quoted(s) + " (bounds are numbers 0-255 without leading zeros)";
    return std::nullopt;
  }
  if (*low > *high) {
    error = "empty range " + quoted(s) + " (low bound above high bound)";
    return std::nullopt;
  }
  return OctetRange{*low, *high};
}

// One alternative; on failure `out` gets the fault, `why` and `error`.
std::optional<AddressPattern> alternative(std::string_view s, ParsedPattern& out) {
  const auto fail = [&](PatternFault fault, std::string why, std::string error) {
    out.fault = fault;
    out.item = printable(s);
    out.why = std::move(why);
    out.error = std::move(error);
    return std::nullopt;
  };
  AddressPattern p;
  std::size_t start = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    // Octets are separated by single dots; a range's ".." lives inside brackets.
    std::size_t end = start;
    if (end < s.size() && s[end] == '[') {
      const auto close = s.find(']', end);
      end = close == std::string_view::npos ? s.size() : close + 1;
    } else {
      while (end < s.size() && s[end] != '.') ++end;
    }
    const std::string_view term = s.substr(start, end - start);
    std::string error;
    const auto range = octet(term, error);
    if (!range) return fail(PatternFault::bad_octet, error, error);
    p.octets[i] = *range;
    if (i < 3) {
      if (end >= s.size() || s[end] != '.')
        return fail(PatternFault::few_octets, "fewer than four octets",
                    "pattern " + quoted(s) + " has fewer than four octets");
      start = end + 1;
    } else if (end != s.size()) {
      return fail(PatternFault::many_octets, "more than four octets",
                  "pattern " + quoted(s) + " has more than four octets");
    }
  }
  if (p.octets[0] != OctetRange{127, 127})
    return fail(PatternFault::not_127, "the first octet is not 127 (DNSBL answers are in 127.0.0.0/8, RFC 5782)",
                "pattern " + quoted(s) + " must start with 127 (DNSBL answers are in 127.0.0.0/8, RFC 5782)");
  return p;
}

std::string octet_text(const OctetRange& r) {
  if (r.low == 0 && r.high == 255) return "*";
  if (r.low == r.high) return std::to_string(r.low);
  return "[" + std::to_string(r.low) + ".." + std::to_string(r.high) + "]";
}

}  // namespace

bool AddressPattern::matches(const std::array<std::uint8_t, 4>& address) const {
  for (std::size_t i = 0; i < 4; ++i)
    if (address[i] < octets[i].low || address[i] > octets[i].high) return false;
  return true;
}

std::string AddressPattern::text() const {
  return octet_text(octets[0]) + "." + octet_text(octets[1]) + "." + octet_text(octets[2]) + "." +
         octet_text(octets[3]);
}

AnswerKind answer_kind(const std::array<std::uint8_t, 4>& address) {
  if (address[0] != 127) return AnswerKind::outside;
  if (address[1] == 255 && address[2] == 255) return AnswerKind::refused;
  return AnswerKind::listing_range;
}

std::string refusal_meaning(const std::array<std::uint8_t, 4>& address) {
  switch (address[3]) {
    case 252:
      return "the list says the query name is malformed (Spamhaus: a typing error in the zone name)";
    case 254:
      return "the list refuses queries that come through a public or open resolver (use a resolver of your own, "
             "or the list's subscription service)";
    case 255:
      return "the list says the query volume is over its limit (too many queries: a subscription is needed)";
    default:
      return "an error code of the list (127.255.255.0/24): the query was not answered";
  }
}

bool AnswerPattern::matches(const std::array<std::uint8_t, 4>& address) const {
  if (answer_kind(address) != AnswerKind::listing_range) return false;
  if (alternatives_.empty()) return true;
  for (const auto& p : alternatives_)
    if (p.matches(address)) return true;
  return false;
}

std::string AnswerPattern::text() const {
  std::string out;
  for (const auto& p : alternatives_) {
    if (!out.empty()) out += ',';
    out += p.text();
  }
  return out;
}

ParsedPattern parse_pattern(std::string_view text) {
  ParsedPattern out;
  const auto whole = [&out](PatternFault fault, std::string error) {
    out.fault = fault;
    out.why = error;
    out.error = std::move(error);
    return out;
  };
  if (text.size() > kMaxPatternLength)
    return whole(PatternFault::too_long, "pattern longer than " + std::to_string(kMaxPatternLength) + " characters");
  if (trim(text).empty()) {
    out.pattern = AnswerPattern();
    return out;
  }
  std::vector<AddressPattern> alternatives;
  std::size_t start = 0;
  while (true) {
    const auto comma = text.find(',', start);
    const std::string_view item = trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (item.empty()) {
      const std::string where = start == 0                       ? "before the first comma"
                                : comma == std::string_view::npos ? "after the last comma"
                                                                  : "between two commas";
      out.fault = PatternFault::empty_item;
      out.why = "empty pattern " + where;
      out.error = out.why;
      return out;
    }
    if (alternatives.size() == kMaxAlternatives)
      return whole(PatternFault::too_many, "more than " + std::to_string(kMaxAlternatives) + " patterns");
    auto p = alternative(item, out);
    if (!p) return out;
    alternatives.push_back(*p);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  out.pattern = AnswerPattern(std::move(alternatives));
  return out;
}

}  // namespace portcullis::checks::dnsbl
