// Strict UTF-8 (RFC 3629): no overlong forms, no UTF-16 surrogates, nothing above U+10FFFF,
// no truncated sequence. One validator for every parser of untrusted text.
#pragma once
#include <cstddef>
#include <optional>
#include <string_view>

namespace portcullis::core {

// The length of the well-formed sequence starting at s[i] (1 for ASCII; i < s.size()), or 0
// when none starts there (Unicode table 3-7).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i);

// The offset of the first octet of the first invalid sequence, or nullopt if all is valid.
std::optional<std::size_t> invalid_utf8_at(std::string_view s);

inline bool valid_utf8(std::string_view s) { return !invalid_utf8_at(s); }

}  // namespace portcullis::core
