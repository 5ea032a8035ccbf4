// The Hyper-V KVP pool holds what the host pushed with KVP exchange: untrusted. The record
// reader must never crash, and every answer it returns must be a "section.key" with a
// non-empty UTF-8 value that fits a record's value field.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "sources/kvp.hpp"
#include "sources/source_text.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace portcullis::firstboot;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  try {
    const AnswerMap answers = parse_kvp_pool(in);
    if (answers.size() > size / kvp_record_size) __builtin_trap();
    for (const auto& [key, value] : answers) {
      if (!detail::answer_key_syntax(key)) __builtin_trap();
      if (value.empty() || value.size() > kvp_value_size || !detail::valid_utf8(value)) __builtin_trap();
    }
  } catch (const SourceError&) {
  }
  return 0;
}
