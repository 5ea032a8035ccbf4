// The bounded Lua pattern matcher (hooks/pattern, pure core) on arbitrary patterns and
// subjects. Input: one byte of pattern length, one byte of start offset, then the pattern and
// the subject. A malformed pattern or an exhausted budget is a PatternError; anything else
// (a crash, a sanitizer report, a result outside the subject) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "hooks/pattern.hpp"

using portcullis::hooks::Capture;
using portcullis::hooks::PatternError;

namespace {

void check(std::string_view subject, std::size_t start, std::size_t end, const std::vector<Capture>& caps) {
  if (start > end || end > subject.size()) __builtin_trap();
  if (caps.size() > portcullis::hooks::kPatternMaxCaptures) __builtin_trap();
  for (const Capture& c : caps) {
    if (c.position && (c.len != 0 || c.start > subject.size())) __builtin_trap();
    if (!c.position && !c.unfinished && (c.start > subject.size() || c.len > subject.size() - c.start)) {
      __builtin_trap();
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 2, size - 2);
  const std::size_t plen = data[0] < in.size() ? data[0] : in.size();
  const std::string_view pattern = in.substr(0, plen);
  const std::string_view subject = in.substr(plen);
  const std::size_t init = data[1] % (subject.size() + 2);  // sometimes just past the end
  std::vector<Capture> caps;

  std::size_t steps = 20'000;
  try {
    if (const auto found = portcullis::hooks::find_pattern(subject, init, pattern, caps, steps)) {
      if (found->start < init) __builtin_trap();
      check(subject, found->start, found->end, caps);
    }
  } catch (const PatternError&) {
    if (steps > 20'000) __builtin_trap();
  }

  steps = 20'000;
  try {
    if (const auto end = portcullis::hooks::match_at(subject, init, pattern, caps, steps)) {
      check(subject, init, *end, caps);
    }
  } catch (const PatternError&) {
  }
  (void)portcullis::hooks::pattern_has_specials(pattern);
  return 0;
}
