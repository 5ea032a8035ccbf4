// Streaming Content-Transfer-Encoding decoders (RFC 2045 6.7, 6.8) for the MIME parser: the
// encoded body arrives in chunks of any size and the decoded octets are appended to `out`.
// Untrusted input (fuzzed): never throws, constant memory, linear time; the output for a
// given input does not depend on how it was cut into chunks.
//
// Base64Decoder, leniently (as mail readers decode):
//   - octets outside the base64 alphabet (line breaks, spaces, garbage) are skipped;
//   - '=' ends a quantum: the bits collected so far that make no whole octet are dropped and
//     decoding goes on after it, so several base64 texts written one after the other (as some
//     mailers do) all decode;
//   - at finish(), an incomplete last quantum gives the whole octets it holds.
//
// QuotedPrintableDecoder:
//   - "=XX" (hex digits in either case) is an octet; "=" followed by optional white space and
//     a line break is a soft line break (removed), and so is an "=" (with optional white
//     space) at the very end of the data; any other "=" is kept as written;
//   - white space (SP, HTAB) at the end of a line is removed (rule 3); a run of more than
//     kMaxPendingSpace white space octets is written out as it is (memory stays bounded);
//   - line breaks (CRLF or a bare LF) are kept as given; a CR alone is an ordinary octet.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace portcullis::mail {

class Base64Decoder {
 public:
  void decode(std::string_view in, std::string& out);
  void finish(std::string& out);

 private:
  std::uint32_t bits_ = 0;  // collected 6-bit groups
  int count_ = 0;           // how many (0..3)
};

class QuotedPrintableDecoder {
 public:
  static constexpr std::size_t kMaxPendingSpace = 1024;

  void decode(std::string_view in, std::string& out);
  void finish(std::string& out);

 private:
  enum class State { text, equals, hex, soft_space, soft_cr, cr };
  void flush_space(std::string& out);
  void text_octet(char ch, std::string& out);

  State state_ = State::text;
  char first_hex_ = 0;         // State::hex: the digit after '='
  std::string space_;          // white space not yet known to be at the end of a line
  std::string soft_;           // State::soft_space/soft_cr: "=" and what followed it so far
};

// Identity, base64 or quoted-printable, chosen by the (lower-case) transfer encoding name.
class TransferDecoder {
 public:
  explicit TransferDecoder(std::string_view encoding = {});
  void decode(std::string_view in, std::string& out);
  void finish(std::string& out);

 private:
  enum class Kind { identity, base64, quoted_printable };
  Kind kind_ = Kind::identity;
  Base64Decoder b64_;
  QuotedPrintableDecoder qp_;
};

}  // namespace portcullis::mail
