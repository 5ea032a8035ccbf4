#include "smtp/session_body.hpp"

namespace portcullis::smtp::detail {

std::string_view body_error_reply(BodyError error) {
  switch (error) {
    case BodyError::bare_cr_lf:
      return "550 5.6.11 Message contains bare CR or LF (forbidden: SMTP smuggling protection)";
    case BodyError::line_too_long: return "552 5.6.0 Message line exceeds 998 characters";
    case BodyError::nul: return "554 5.6.0 Message contains NUL characters";
    case BodyError::too_big: return "552 5.3.4 Message size exceeds fixed maximum message size";
    case BodyError::none: break;
  }
  return {};
}

void BodyScanner::reset(std::size_t max_size, bool dot_mode) {
  state_ = State::line_start;
  error_ = BodyError::none;
  dot_mode_ = dot_mode;
  terminated_ = false;
  max_size_ = max_size;
  size_ = 0;
  line_len_ = 0;
}

void BodyScanner::fail(BodyError e) {
  if (error_ == BodyError::none) error_ = e;
}

void BodyScanner::emit(std::string_view octets, std::string& out) {
  if (error_ != BodyError::none) return;
  if (octets.size() > max_size_ - size_ || size_ > max_size_) {
    fail(BodyError::too_big);
    return;
  }
  size_ += octets.size();
  out.append(octets);
}

// One octet inside a line (state text, or the first octet after line_start / dot).
void BodyScanner::text_byte(char ch, std::string& out) {
  switch (ch) {
    case '\r': state_ = State::cr; return;
    case '\n': fail(BodyError::bare_cr_lf); break;
    case '\0': fail(BodyError::nul); break;
    default:
      if (++line_len_ > max_line) fail(BodyError::line_too_long);
      emit(std::string_view(&ch, 1), out);
      break;
  }
  state_ = State::text;
}

// The CR before ch was not followed by LF.
void BodyScanner::after_bare_cr(char ch, std::string& out) {
  fail(BodyError::bare_cr_lf);
  if (ch == '\r') {
    state_ = State::cr;
    return;
  }
  text_byte(ch, out);
}

std::size_t BodyScanner::scan(std::string_view in, std::string& out) {
  std::size_t i = 0;
  while (i < in.size() && !terminated_) {
    const char ch = in[i];
    switch (state_) {
      case State::text: {
        // Fast path: a run of ordinary octets.
        std::size_t j = i;
        while (j < in.size() && in[j] != '\r' && in[j] != '\n' && in[j] != '\0') ++j;
        if (j > i) {
          const std::size_t run = j - i;
          if (line_len_ + run > max_line) fail(BodyError::line_too_long);
          line_len_ += run;
          emit(in.substr(i, run), out);
          i = j;
          continue;
        }
        text_byte(ch, out);
        break;
      }
      case State::line_start:
        if (dot_mode_ && ch == '.') {
          state_ = State::dot;
        } else {
          text_byte(ch, out);
        }
        break;
      case State::dot:  // the leading dot is dropped: unstuffed, or part of the terminator
        if (ch == '\r') {
          state_ = State::dot_cr;
        } else {
          text_byte(ch, out);
        }
        break;
      case State::dot_cr:
        if (ch == '\n') {
          terminated_ = true;
        } else {
          after_bare_cr(ch, out);
        }
        break;
      case State::cr:
        if (ch == '\n') {
          emit("\r\n", out);
          line_len_ = 0;
          state_ = State::line_start;
        } else {
          after_bare_cr(ch, out);
        }
        break;
    }
    ++i;
  }
  return i;
}

void BodyScanner::finish(std::string& out) {
  if (state_ == State::cr || state_ == State::dot_cr) {
    fail(BodyError::bare_cr_lf);
  } else if (state_ == State::text || state_ == State::dot) {
    emit("\r\n", out);
  }
  state_ = State::line_start;
  line_len_ = 0;
}

}  // namespace portcullis::smtp::detail
