// What the MIME parser needs from a part's header section: its content type, multipart
// boundaries, disposition, file names and transfer encoding (RFC 2045, 2046, 2183, 2231).
// Pure code; untrusted input never throws.
//
// part_fields(headers, default_type):
//   - content_type: "type/subtype" (lower-case) of the first Content-Type field whose value is
//     one (a token, '/', a token); default_type when there is none (RFC 2045 5.2: text/plain,
//     or message/rfc822 inside multipart/digest). When any Content-Type field is multipart/*
//     with a boundary, that one wins: a reader that takes another field than we do must never
//     see parts that the gateway did not see.
//   - boundaries: the boundary parameters of every multipart Content-Type field, trailing white
//     space removed, distinct, at most kMaxBoundaries (empty: the part is not a container).
//   - disposition: the value of the first Content-Disposition field, lower-case ("attachment",
//     "inline", ...), "" when there is none.
//   - names: every distinct non-empty file name the part carries, decoded to UTF-8, in this
//     order: Content-Disposition filename (RFC 2231 form first, then the plain one; also a
//     `name` parameter there), then Content-Type name (same order, also `filename`); every
//     field of each kind is read. At most kMaxNames. filename = names.front() or "".
//     Checking all of them means a reader that picks another one cannot be fooled.
//   - transfer_encoding: the value of the first Content-Transfer-Encoding field, lower-case,
//     "" when there is none.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mail/headers.hpp"

namespace portcullis::mail {

inline constexpr std::size_t kMaxBoundaries = 4;
inline constexpr std::size_t kMaxNames = 8;

struct PartFields {
  std::string content_type;
  std::vector<std::string> boundaries;
  std::string disposition;
  std::string filename;
  std::vector<std::string> names;
  std::string transfer_encoding;
};

PartFields part_fields(const HeaderSection& headers, std::string_view default_type);

// "type/subtype" made of RFC 2045 tokens (lower-case input, no white space).
bool valid_media_type(std::string_view type);

}  // namespace portcullis::mail
