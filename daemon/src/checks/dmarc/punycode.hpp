// Punycode (RFC 3492) and the A-label form of domain names, for the Public Suffix List (whose
// IDN rules are written in Unicode) and for RFC5322.From domains written in UTF-8 (RFC 6532).
// Pure and bounded: untrusted input (fuzzed) never throws, overflows or takes long.
//
// Only the Punycode transformation is done here, not the IDNA2008 mapping (no Unicode case
// folding or normalisation): a label is encoded as its code points are written, ASCII letters
// lower-cased. That is what the Public Suffix List and well-formed mail need.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::checks::dmarc {

// Longest input (in code points) the encoder and decoder accept: a DNS label holds 63 octets.
inline constexpr std::size_t kMaxPunycodeInput = 1024;

// RFC 3492 6.3: the Punycode of a string of code points (basic ones copied as they are, case
// kept; digits lower-case). nullopt if the input is longer than kMaxPunycodeInput, holds a
// value above U+10FFFF or a surrogate, or the arithmetic would overflow.
std::optional<std::string> punycode_encode(std::u32string_view input);

// RFC 3492 6.2: the code points a Punycode string stands for (digits in either case). nullopt
// for malformed input: a non-basic octet, a bad digit, an overflow, a decoded basic code
// point, a surrogate or a value above U+10FFFF, or a result longer than kMaxPunycodeInput.
std::optional<std::u32string> punycode_decode(std::string_view input);

// Strict UTF-8 (RFC 3629) to code points; nullopt if not valid UTF-8.
std::optional<std::u32string> utf8_to_code_points(std::string_view text);

// One label in A-label form: ASCII letters lower-cased; a label with non-ASCII characters
// becomes "xn--" + punycode_encode(its code points, ASCII letters lower-cased). nullopt:
// empty, invalid UTF-8, or longer than 63 octets once converted.
std::optional<std::string> label_to_ascii(std::string_view label);

// A domain name (U-labels, A-labels or a mix, in any case) in lower-case A-label form. One
// trailing dot is dropped. nullopt: empty, an empty label, a label that label_to_ascii
// refuses, or more than 253 octets once converted. No other character check is made here.
std::optional<std::string> domain_to_ascii(std::string_view domain);

}  // namespace portcullis::checks::dmarc
