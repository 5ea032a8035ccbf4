// DKIM canonicalisation (RFC 6376 3.4), shared with ARC (RFC 8617):
//  - header fields, "simple" (as they are) and "relaxed" (name lower-cased, unfolded, runs of
//    WSP made one SP, WSP around the colon and at the end removed);
//  - the selection of fields an h= list names (RFC 6376 5.4.2: for each name, the last
//    instance not yet used, working up from the bottom; names with no instance left add
//    nothing, which is how over-signing works);
//  - the body, streaming: BodyCanonicalizer takes the body in chunks of any size and gives
//    the canonical octets ("simple": trailing empty lines removed, a missing final CRLF added,
//    an empty body is one CRLF; "relaxed": also WSP at line ends removed and runs of WSP made
//    one SP, an empty body stays empty);
//  - BodyHasher: a canonicaliser feeding a digest, with an optional l= limit (octets after it
//    are counted, not hashed).
// Lines end with CRLF; a lone CR or LF is an ordinary octet. Pure code: no I/O, no Asio;
// fuzzed, never throws on any octets.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/crypto.hpp"
#include "checks/dkim/types.hpp"
#include "mail/headers.hpp"

namespace portcullis::checks::dkim {

// Appends the canonical form of one header field to `out`. `field` is the field exactly as in
// the message: name, colon, value with its folding, and its final line end if it has one (the
// relaxed form then ends with CRLF; a field given without one, such as the signature field
// itself for the header hash, gets none).
void canon_header(Canon canon, std::string_view field, std::string& out);

// The indices (into section.fields) of the fields `names` selects, in the order they are to be
// hashed. Fields in `exclude` (the signature field itself) are never selected.
std::vector<std::size_t> select_headers(const mail::HeaderSection& section, const std::vector<std::string>& names,
                                        std::optional<std::size_t> exclude = std::nullopt);

// The field's octets in `head` (the header section the offsets of `section` refer to).
std::string_view field_text(std::string_view head, const mail::HeaderField& field);

// `field` with the octets [begin, end) of its value removed, and without its final line end:
// the signature field as the header hash takes it (begin/end are offsets in the value, which
// starts after the first colon, as parse_signature and parse_tag_list report them).
std::string field_without_value_range(std::string_view field, std::size_t begin, std::size_t end);

class BodyCanonicalizer {
 public:
  explicit BodyCanonicalizer(Canon canon) : canon_(canon) {}
  // Appends the canonical octets that are certain so far to `out`.
  void feed(std::string_view chunk, std::string& out);
  // The end of the body: appends what remains. Feeding afterwards is a no-op.
  void finish(std::string& out);

 private:
  void content(char ch, std::string& out);  // a non-WSP octet of a line

  Canon canon_;
  std::uint64_t empty_lines_ = 0;  // CRLFs held back (they may be trailing empty lines)
  bool pending_cr_ = false;        // a CR that may start a CRLF
  bool pending_wsp_ = false;       // relaxed: WSP held back (dropped at the line end)
  bool any_content_ = false;       // a line with content was output
  bool finished_ = false;
};

class BodyHasher {
 public:
  BodyHasher(Canon canon, HashAlg alg, std::optional<std::uint64_t> limit = std::nullopt);
  void feed(std::string_view chunk);
  void finish();  // once; then digest() and canonical_length() are final

  const std::string& digest() const { return digest_; }
  // Canonical body octets in all (hashed or not).
  std::uint64_t canonical_length() const { return total_; }
  Canon canon() const { return canon_; }
  HashAlg alg() const { return alg_; }
  std::optional<std::uint64_t> limit() const { return limit_; }

 private:
  void take(const std::string& canonical);

  Canon canon_;
  HashAlg alg_;
  std::optional<std::uint64_t> limit_;
  BodyCanonicalizer canonicalizer_;
  Digest hash_;
  std::string scratch_;
  std::uint64_t total_ = 0;
  std::string digest_;
  bool finished_ = false;
};

}  // namespace portcullis::checks::dkim
