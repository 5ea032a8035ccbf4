// The value and parameters of a MIME header field (RFC 2045 5.1 Content-Type, RFC 2183
// Content-Disposition), with RFC 2231 parameter continuations and charsets, and RFC 2047
// encoded words in parameter values (not allowed by the RFCs, written by many mailers).
// Untrusted input (fuzzed): never throws; garbage gives a best-effort reading.
//
// parse_param_header("Text/Plain (c); charset=\"utf-8\"; name*0*=UTF-8''%E2%82%AC; name*1=.txt"):
//   - value: the part before the first ';' with white space and comments removed, lower-cased
//     ("text/plain", "attachment"); "" when there is none.
//   - parameters, in the order of their first appearance; names are lower-cased and given
//     without their RFC 2231 decoration:
//       * name=token, name="quoted string" (quoted-pairs resolved; an unclosed quote runs to
//         the end), and leniently name=any text up to the next ';' (trailing white space cut);
//         RFC 2047 encoded words in such a value are decoded (mail/encoded_words.hpp).
//       * name*=charset'lang'%XX..., name*N=..., name*N*=...: the sections of one name are put
//         in the order of N (the first of a repeated N wins, missing sections are skipped),
//         %XX of the starred ones decoded, then the octets converted from the charset of the
//         first section to UTF-8 (the charsets of encoded_words.hpp; an unknown or missing
//         charset is read as UTF-8; invalid octets become U+FFFD). A malformed "%" is kept.
//         The result is one parameter with extended = true.
//     A name given both ways appears twice (plain and extended); find() prefers the extended
//     one, as RFC 2231 readers do. Repeated parameters are all kept (find() gives the first).
//   - items without '=' are skipped; at most kMaxParams parameters, 64 sections per name,
//     values of at most kMaxParamValue octets (longer ones are cut).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::mail {

struct MimeParam {
  std::string name;       // lower-case, without "*N*"
  std::string value;      // UTF-8 (decoded), or as written when there was nothing to decode
  bool extended = false;  // assembled from RFC 2231 forms
};

struct ParamHeader {
  std::string value;  // lower-cased main value ("type/subtype", "attachment"), "" if none
  std::vector<MimeParam> params;

  // The parameter called `name` (lower-case): the first extended one, else the first plain one.
  const MimeParam* find(std::string_view name) const;
};

inline constexpr std::size_t kMaxParams = 64;
inline constexpr std::size_t kMaxParamValue = 4096;

ParamHeader parse_param_header(std::string_view field_value);

}  // namespace portcullis::mail
