// OVF environment documents come from the hypervisor (guestinfo.ovfEnv, the ISO transport),
// written by whoever can edit the VM's vApp properties: untrusted. The tokenizer must never
// crash, and every answer it returns must be a "section.key" with a non-empty UTF-8 value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/ovf_env.hpp"
#include "sources/source_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace portcullis::firstboot;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    const AnswerMap answers = parse_ovf_env(in);
    for (const auto& [key, value] : answers) {
      if (!detail::answer_key_syntax(key)) __builtin_trap();
      if (value.empty() || !detail::valid_utf8(value)) __builtin_trap();
    }
  } catch (const SourceError&) {
  }
  return 0;
}
