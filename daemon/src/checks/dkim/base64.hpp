// Base64 (RFC 4648, standard alphabet) for DKIM values: b=, bh= and p= are base64 with folding
// whitespace allowed anywhere (RFC 6376 2.4). Pure; the decoder never throws.
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::checks::dkim {

// Padded encoding, no line breaks.
std::string base64_encode(std::string_view bytes);

// Whitespace (SP, HTAB, CR, LF) is ignored. Padding is optional but, when present, must be
// right ("=" or "==" completing a 4-character group, nothing after it). Any other character,
// or a lone final character (6 bits), gives nullopt.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace portcullis::checks::dkim
