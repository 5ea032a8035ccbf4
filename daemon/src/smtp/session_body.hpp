// Message body scanner shared by DATA and BDAT (internal to smtp::Session).
// Streams octets through the RFC 5321 text rules: only CRLF ends a line (a bare CR or LF is
// an error: SMTP smuggling protection), lines <= 998 octets plus CRLF, no NUL, total size
// capped. In DATA mode it also dot-unstuffs and finds the one terminator, CRLF "." CRLF (or
// "." CRLF as the very first line). After the first error it keeps tracking lines so that the
// terminator is still found, but appends nothing more.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace portcullis::smtp::detail {

enum class BodyError : std::uint8_t { none, bare_cr_lf, line_too_long, nul, too_big };

// The reply that goes with an error ("550 5.6.11 ..."); empty for none.
std::string_view body_error_reply(BodyError error);

class BodyScanner {
 public:
  // Starts a new message. dot_mode: DATA (unstuffing, terminator); otherwise BDAT.
  void reset(std::size_t max_size, bool dot_mode);
  // Consumes input up to and including the terminator (DATA) or all of it (BDAT), appending
  // accepted message octets to out. Returns the number of input octets consumed.
  std::size_t scan(std::string_view in, std::string& out);
  // BDAT LAST: the message ends here. A pending CR is bare; an unterminated last line gets
  // its CRLF appended to out.
  void finish(std::string& out);

  bool terminated() const { return terminated_; }
  BodyError error() const { return error_; }
  std::size_t size() const { return size_; }

 private:
  enum class State : std::uint8_t { line_start, dot, dot_cr, text, cr };
  static constexpr std::size_t max_line = 998;  // octets, without CRLF

  void fail(BodyError e);
  void text_byte(char ch, std::string& out);
  void after_bare_cr(char ch, std::string& out);
  void emit(std::string_view octets, std::string& out);

  State state_ = State::line_start;
  BodyError error_ = BodyError::none;
  bool dot_mode_ = true;
  bool terminated_ = false;
  std::size_t max_size_ = 0;
  std::size_t size_ = 0;
  std::size_t line_len_ = 0;
};

}  // namespace portcullis::smtp::detail
