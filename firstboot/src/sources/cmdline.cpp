// Kernel command line answers (see cmdline.hpp): word splitting and the answers reference.
#include "sources/cmdline.hpp"

#include <cstdint>

#include "sources/source_text.hpp"

namespace portcullis::firstboot {
namespace {

constexpr std::string_view parameter = "portcullis.answers=";
constexpr std::string_view base64_prefix = "base64:";
constexpr std::size_t max_path = 4096;

[[noreturn]] void fail(std::string_view what) {
  throw SourceError("portcullis.answers: " + std::string(what));
}

// The kernel's isspace(): the C locale's white space.
bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// The 6-bit value of a base64 character; -1 if it is in neither alphabet. `standard` and
// `url_safe` record which alphabet's own characters were seen.
int sextet(char c, bool& standard, bool& url_safe) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '/') {
    standard = true;
    return c == '+' ? 62 : 63;
  }
  if (c == '-' || c == '_') {
    url_safe = true;
    return c == '-' ? 62 : 63;
  }
  return -1;
}

std::string decode_base64(std::string_view in) {
  bool standard = false;
  bool url_safe = false;
  const auto eq = in.find('=');
  const std::string_view padding = eq == std::string_view::npos ? std::string_view() : in.substr(eq);
  in = in.substr(0, eq);
  for (const char c : in)
    if (sextet(c, standard, url_safe) < 0) fail("not a base64 character");
  if (standard && url_safe) fail("base64 text mixes the standard and URL-safe alphabets");
  if (padding.find_first_not_of('=') != std::string_view::npos) fail("base64 padding before the end");
  if (padding.size() > 2) fail("too much base64 padding");
  if (!padding.empty() && (in.size() + padding.size()) % 4 != 0) fail("base64 padding does not complete a group of four");
  if (in.size() % 4 == 1) fail("base64 text has an impossible length");
  const std::size_t size = in.size() / 4 * 3 + (in.size() % 4 == 0 ? 0 : in.size() % 4 - 1);
  if (size > max_inline_answers_size) fail("inline answers larger than 64 KiB");
  std::string out;
  out.reserve(size);
  uint32_t bits = 0;
  int count = 0;
  for (const char c : in) {
    const int v = sextet(c, standard, url_safe);
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if (++count == 4) {
      out += static_cast<char>((bits >> 16) & 0xFF);
      out += static_cast<char>((bits >> 8) & 0xFF);
      out += static_cast<char>(bits & 0xFF);
      bits = 0;
      count = 0;
    }
  }
  // A final group of 2 or 3 characters carries 1 or 2 bytes; its unused low bits must be 0.
  if (count == 2) {
    if ((bits & 0xF) != 0) fail("base64 text is not canonical (stray bits at the end)");
    out += static_cast<char>((bits >> 4) & 0xFF);
  } else if (count == 3) {
    if ((bits & 0x3) != 0) fail("base64 text is not canonical (stray bits at the end)");
    out += static_cast<char>((bits >> 10) & 0xFF);
    out += static_cast<char>((bits >> 2) & 0xFF);
  }
  return out;
}

}  // namespace

std::optional<std::string> cmdline_answers(std::string_view cmdline) {
  if (cmdline.size() > max_cmdline_size) throw SourceError("kernel command line: longer than 128 KiB");
  std::optional<std::string> found;
  std::size_t i = 0;
  for (;;) {
    while (i < cmdline.size() && space(cmdline[i])) ++i;
    if (i == cmdline.size()) break;
    std::string word;
    bool quoted = false;
    for (; i < cmdline.size() && (quoted || !space(cmdline[i])); ++i) {
      if (cmdline[i] == '"')
        quoted = !quoted;
      else
        word += cmdline[i];
    }
    if (word == "--") break;
    if (word.starts_with(parameter)) found = word.substr(parameter.size());
  }
  return found;
}

AnswersRef decode_answers_ref(std::string_view value) {
  if (value.starts_with(base64_prefix)) {
    std::string text = decode_base64(value.substr(base64_prefix.size()));
    if (text.empty()) fail("base64: without any answers");
    if (!detail::valid_utf8(text)) fail("the decoded answers are not UTF-8");
    if (text.find('\0') != std::string::npos) fail("the decoded answers contain a NUL byte");
    return {AnswersRef::inline_toml, std::move(text)};
  }
  if (value.empty()) fail("empty");
  if (value.front() != '/') fail("expected base64:... or an absolute path");
  if (value.size() > max_path) fail("path longer than 4096 bytes");
  if (value.find('\0') != std::string_view::npos) fail("path contains a NUL byte");
  if (value.back() == '/') fail("path names a directory");
  if (value.find("/../") != std::string_view::npos || value.ends_with("/.."))
    fail("path contains '..'");
  return {AnswersRef::file, std::string(value)};
}

}  // namespace portcullis::firstboot
