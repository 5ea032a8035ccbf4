// answers.toml comes from a seed disk or the kernel command line: untrusted. The reader must
// never crash, and whatever it accepts must survive the state file's round trip unchanged
// (render, then read back), since a resumed setup reads its answers that way.
#include <cstddef>
#include <cstdint>
#include <string>

#include "sources/answers_file.hpp"
#include "sources/source_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace portcullis::firstboot;
  const std::string in(reinterpret_cast<const char*>(data), size);
  AnswerMap answers;
  try {
    answers = parse_answers_toml(in, "fuzz");
  } catch (const SourceError&) {
    return 0;
  }
  // Keys of the form section.key are all the state file writes; others come only from TOML
  // quoted keys, which the wizard's validation refuses anyway.
  for (const auto& entry : answers)
    if (!detail::answer_key_syntax(entry.first)) return 0;
  AnswerMap again;
  try {
    again = parse_answers_toml(render_answers_toml(answers), "rendered");
  } catch (const SourceError&) {
    __builtin_trap();  // what we write, we must read
  }
  if (again != answers) __builtin_trap();
  return 0;
}
