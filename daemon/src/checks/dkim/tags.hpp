// The tag=value list of RFC 6376 3.2, shared by DKIM-Signature fields, DKIM key records and
// ARC's ARC-Seal / ARC-Message-Signature (RFC 8617): "v=1; a=rsa-sha256; d=example.com; ...".
// Untrusted input (fuzzed): never throws, bounded by TagLimits.
//
//   tag-list  = tag-spec *( ";" tag-spec ) [ ";" ]
//   tag-spec  = [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
//   tag-name  = ALPHA *( ALPHA / DIGIT / "_" )          (case-sensitive)
//   tag-value = [ tval *( 1*(WSP / FWS) tval ) ]       tval = 1*( %x21-3A / %x3C-7E )
//
// Whitespace is SP, HTAB, CR and LF (the folding of a header field). Octets >= 0x80 are
// accepted in values (UTF-8, RFC 8616). Empty tag-specs ("a=1;;b=2", a trailing ";") are
// skipped, as common verifiers do. Errors: a tag without "=", a malformed name, a control
// character in a value, the same tag twice (RFC 6376 3.2: "MUST NOT"), limits exceeded.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::checks::dkim {

struct Tag {
  std::string name;
  std::string value;            // surrounding whitespace trimmed; inner whitespace kept as written
  std::size_t value_begin = 0;  // offset in the text of the first octet after "="
  std::size_t value_end = 0;    // offset of the ";" ending the tag-spec (or the text's size)
};

struct TagList {
  std::vector<Tag> tags;  // in the order written
  const Tag* find(std::string_view name) const;
};

struct TagLimits {
  std::size_t max_bytes = 64 * 1024;
  std::size_t max_tags = 64;
};

struct TagParse {
  TagList list;
  std::string error;  // empty on success: a few words ("duplicate tag d", ...)
  bool ok() const { return error.empty(); }
};

TagParse parse_tag_list(std::string_view text, TagLimits limits = {});

}  // namespace portcullis::checks::dkim
