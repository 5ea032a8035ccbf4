// Streaming base64 and quoted-printable decoders. Rules: see mime_decode.hpp.
#include "mail/mime_decode.hpp"

#include <array>

namespace portcullis::mail {
namespace {

constexpr std::array<std::int8_t, 256> make_base64_table() {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 26; ++i) {
    t[static_cast<std::size_t>('A' + i)] = static_cast<std::int8_t>(i);
    t[static_cast<std::size_t>('a' + i)] = static_cast<std::int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t[static_cast<std::size_t>('0' + i)] = static_cast<std::int8_t>(52 + i);
  t[static_cast<std::size_t>('+')] = 62;
  t[static_cast<std::size_t>('/')] = 63;
  return t;
}

constexpr std::array<std::int8_t, 256> base64_table = make_base64_table();

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

bool is_wsp(char ch) { return ch == ' ' || ch == '\t'; }

}  // namespace

// ---- base64

void Base64Decoder::decode(std::string_view in, std::string& out) {
  for (const char ch : in) {
    const int v = base64_table[static_cast<unsigned char>(ch)];
    if (v < 0) {
      if (ch == '=') finish(out);
      continue;
    }
    bits_ = (bits_ << 6) | static_cast<std::uint32_t>(v);
    if (++count_ == 4) {
      out += static_cast<char>((bits_ >> 16) & 0xFF);
      out += static_cast<char>((bits_ >> 8) & 0xFF);
      out += static_cast<char>(bits_ & 0xFF);
      bits_ = 0;
      count_ = 0;
    }
  }
}

void Base64Decoder::finish(std::string& out) {
  if (count_ == 2) {
    out += static_cast<char>((bits_ >> 4) & 0xFF);
  } else if (count_ == 3) {
    out += static_cast<char>((bits_ >> 10) & 0xFF);
    out += static_cast<char>((bits_ >> 2) & 0xFF);
  }
  bits_ = 0;
  count_ = 0;
}

// ---- quoted-printable

void QuotedPrintableDecoder::flush_space(std::string& out) {
  out += space_;
  space_.clear();
}

void QuotedPrintableDecoder::text_octet(char ch, std::string& out) {
  switch (state_) {
    case State::text:
      if (ch == '=') {
        flush_space(out);
        state_ = State::equals;
      } else if (is_wsp(ch)) {
        if (space_.size() >= kMaxPendingSpace) flush_space(out);
        space_ += ch;
      } else if (ch == '\r') {
        state_ = State::cr;
      } else if (ch == '\n') {
        space_.clear();  // trailing white space
        out += '\n';
      } else {
        flush_space(out);
        out += ch;
      }
      return;
    case State::cr:
      state_ = State::text;
      if (ch == '\n') {
        space_.clear();
        out += "\r\n";
        return;
      }
      flush_space(out);
      out += '\r';
      text_octet(ch, out);
      return;
    case State::equals:
      if (hex_value(ch) >= 0) {
        first_hex_ = ch;
        state_ = State::hex;
      } else if (is_wsp(ch)) {
        soft_.assign(1, ch);
        state_ = State::soft_space;
      } else if (ch == '\r') {
        soft_.assign(1, ch);
        state_ = State::soft_cr;
      } else if (ch == '\n') {
        state_ = State::text;  // soft line break
      } else {
        out += '=';
        state_ = State::text;
        text_octet(ch, out);
      }
      return;
    case State::hex:
      state_ = State::text;
      if (const int lo = hex_value(ch); lo >= 0) {
        out += static_cast<char>(hex_value(first_hex_) * 16 + lo);
        return;
      }
      out += '=';
      out += first_hex_;
      text_octet(ch, out);
      return;
    case State::soft_space:
    case State::soft_cr:
      if (ch == '\n') {  // "=" [WSP...] [CR] LF: soft line break
        soft_.clear();
        state_ = State::text;
        return;
      }
      if (state_ == State::soft_space && soft_.size() < kMaxPendingSpace && (is_wsp(ch) || ch == '\r')) {
        soft_ += ch;
        if (ch == '\r') state_ = State::soft_cr;
        return;
      }
      {  // not a soft line break: "=" as written, then what followed it as text
        out += '=';
        state_ = State::text;
        const std::string replay = std::move(soft_);
        soft_.clear();
        for (const char c : replay) text_octet(c, out);
        text_octet(ch, out);
      }
      return;
  }
}

void QuotedPrintableDecoder::decode(std::string_view in, std::string& out) {
  for (const char ch : in) text_octet(ch, out);
}

void QuotedPrintableDecoder::finish(std::string& out) {
  switch (state_) {
    case State::text:
      break;
    case State::cr:
      flush_space(out);
      out += '\r';
      break;
    case State::equals:
      break;  // "=" at the very end: a soft line break (the last line break went with the delimiter)
    case State::hex:
      out += '=';
      out += first_hex_;
      break;
    case State::soft_space:
    case State::soft_cr:
      break;  // "=" and white space at the very end: a soft line break
  }
  space_.clear();  // white space at the end of the last line
  soft_.clear();
  state_ = State::text;
}

// ---- either

TransferDecoder::TransferDecoder(std::string_view encoding) {
  if (encoding == "base64") {
    kind_ = Kind::base64;
  } else if (encoding == "quoted-printable") {
    kind_ = Kind::quoted_printable;
  }
}

void TransferDecoder::decode(std::string_view in, std::string& out) {
  switch (kind_) {
    case Kind::identity:
      out.append(in);
      break;
    case Kind::base64:
      b64_.decode(in, out);
      break;
    case Kind::quoted_printable:
      qp_.decode(in, out);
      break;
  }
}

void TransferDecoder::finish(std::string& out) {
  switch (kind_) {
    case Kind::identity:
      break;
    case Kind::base64:
      b64_.finish(out);
      break;
    case Kind::quoted_printable:
      qp_.finish(out);
      break;
  }
}

}  // namespace portcullis::mail
