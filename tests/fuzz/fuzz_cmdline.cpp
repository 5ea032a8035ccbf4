// The kernel command line can be edited by anyone at the boot loader's prompt: untrusted.
// The word splitter and the portcullis.answers= decoder must never crash; what they accept
// must keep their promises (inline answers are non-empty UTF-8 without NUL within 64 KiB,
// paths are absolute without ".."), and accepted base64 must be the canonical encoding of
// what it decodes to.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "sources/cmdline.hpp"
#include "sources/source_text.hpp"

namespace {

using namespace portcullis::firstboot;

void check(const AnswersRef& ref) {
  if (ref.kind == AnswersRef::inline_toml) {
    if (ref.text.empty() || ref.text.size() > max_inline_answers_size) __builtin_trap();
    if (!detail::valid_utf8(ref.text) || ref.text.find('\0') != std::string::npos) __builtin_trap();
  } else {
    if (ref.text.empty() || ref.text.front() != '/' || ref.text.back() == '/') __builtin_trap();
    if (ref.text.find("/../") != std::string::npos || ref.text.ends_with("/..")) __builtin_trap();
  }
}

// Standard alphabet, no padding.
std::string encode(std::string_view bytes) {
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8 |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(v >> shift) & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
    for (std::size_t k = 0; k <= rest; ++k) out += alphabet[(v >> (18 - 6 * k)) & 63];
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    if (const auto value = cmdline_answers(in)) {
      if (value->size() > size) __builtin_trap();
      check(decode_answers_ref(*value));
    }
  } catch (const SourceError&) {
  }
  try {
    check(decode_answers_ref(in));
  } catch (const SourceError&) {
  }
  try {
    const AnswersRef ref = decode_answers_ref("base64:" + std::string(in));
    check(ref);
    if (ref.kind != AnswersRef::inline_toml) __builtin_trap();
    std::string normal(in);
    while (!normal.empty() && normal.back() == '=') normal.pop_back();
    for (auto& c : normal) c = c == '-' ? '+' : c == '_' ? '/' : c;
    if (encode(ref.text) != normal) __builtin_trap();
  } catch (const SourceError&) {
  }
  return 0;
}
