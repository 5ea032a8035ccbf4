// RFC 5322 header section of a message: the fields with their exact byte ranges, for the
// read-only message view of the Lua hooks (which may also remove fields by range).
// Untrusted input (fuzzed): never throws on any octets, bounded by HeaderLimits.
//
// Lines end at LF; a CR right before the LF belongs to the line end, so CRLF (SMTP, spool)
// and LF-only (.eml files on disk) both work and may even be mixed; a CR elsewhere is an
// ordinary octet. Offsets and lengths are always those of the octets as given.
//
// The header section is read line by line, and the first line that is none of these ends it:
//   - a field:        name *WSP ":" value. The name is 1+ octets of ftext (33..126 except
//                     ':'); WSP before the colon (RFC 5322 obs-optional, "Subject : x") is
//                     accepted and not part of `name`.
//   - a continuation: a line starting with SP or HTAB while a field is open (also a line of
//                     nothing but WSP, RFC 5322 obs-FWS); it belongs to that field.
//   - the mbox "From " line: only as the very first line (offset 0), and only when it is
//                     not a field; skipped, it is not a field and not the body.
// Then:
//   - an empty line: complete = true, body_offset = just after it.
//   - any other line (no colon, a name with a space, control or 8-bit octet, a line starting
//     with WSP before any field, ...): it is the first line of the body. complete = false,
//     body_offset = its first octet. Such a line is never silently skipped, so what the hooks
//     see as headers is never more than what a strict reader sees.
//   - the end of the message: complete = false, body_offset = message size. A last line
//     without a line end is still a field (its length runs to the end of the message).
//
// Limits: only the first max_bytes octets are read. When the header section does not end
// within them (and the message is longer), or a field beyond max_fields starts, parsing
// stops: truncated = true, complete = false, and body_offset = the first octet not covered
// by a returned field (a field cut by max_bytes, or that may go on past it, is dropped).
//
// HeaderCollector takes the message in chunks as it arrives (the SMTP DATA stream) and keeps
// only the header section (at most max_bytes); finish() returns exactly what parse_headers
// returns for the concatenation of every chunk fed, offsets shifted by offset_base.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::mail {

struct HeaderField {
  std::string name;        // as written (case preserved), without the colon
  std::string raw_value;   // everything after the colon up to the end of the field, folding CRLFs kept
  std::string value;       // unfolded (CRLF before WSP removed), leading/trailing WSP trimmed
  std::size_t offset = 0;  // byte offset of the field's first octet in the message
  std::size_t length = 0;  // bytes of the whole field including its final CRLF(s) of continuation lines
};

struct HeaderSection {
  std::vector<HeaderField> fields;
  std::size_t body_offset = 0;  // offset of the body (after the empty line), or message size if none
  bool complete = false;        // the empty line ending the header section was found
  bool truncated = false;       // stopped at the limits (max bytes or max fields)

  // Case-insensitive (ASCII) lookups by field name; nullptr / empty when absent.
  const HeaderField* first(std::string_view name) const;
  std::vector<const HeaderField*> all(std::string_view name) const;
};

struct HeaderLimits {
  std::size_t max_bytes = 256 * 1024;  // octets of the message read at most
  std::size_t max_fields = 1000;
};

HeaderSection parse_headers(std::string_view message, HeaderLimits limits = {});

// Incremental form of parse_headers, fed as the data arrives.
class HeaderCollector {
 public:
  // offset_base is added to every offset of the result (0: relative to the first fed octet).
  explicit HeaderCollector(HeaderLimits limits = {}, std::size_t offset_base = 0);

  // Any chunk sizes, empty ones too. Once done(), the octets are only counted.
  void feed(std::string_view chunk);
  // The end of the header section (or a limit) was seen: the rest need not be fed, but
  // feeding it is harmless (and makes body_offset right for a message without a body).
  bool done() const { return done_; }
  // The header section of everything fed so far, taken as the whole message. May be called
  // more than once, and before done() (the data so far is then the whole message).
  HeaderSection finish() const;

  std::size_t offset_base() const { return offset_base_; }
  std::size_t bytes_fed() const { return total_; }
  std::size_t buffered() const { return buffer_.size(); }

 private:
  void scan();

  HeaderLimits limits_;
  std::size_t offset_base_ = 0;
  std::string buffer_;          // the first octets of the message, up to the end of the section
  std::size_t total_ = 0;       // octets fed in all
  std::size_t line_start_ = 0;  // first octet of the line not classified yet
  std::size_t scan_pos_ = 0;    // where to look for the next LF
  std::size_t fields_ = 0;      // field lines seen
  bool in_field_ = false;
  bool done_ = false;
};

}  // namespace portcullis::mail
