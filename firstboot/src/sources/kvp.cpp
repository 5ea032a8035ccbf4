// Hyper-V KVP pool parsing (see kvp.hpp).
#include "sources/kvp.hpp"

#include <string>

#include "sources/source_text.hpp"

namespace portcullis::firstboot {
namespace {

constexpr std::string_view key_prefix = "portcullis.";

[[noreturn]] void fail(const std::string& what) { throw SourceError("Hyper-V KVP pool: " + what); }

}  // namespace

AnswerMap parse_kvp_pool(std::string_view bytes) {
  if (bytes.size() > kvp_max_records * kvp_record_size)
    fail("more than " + std::to_string(kvp_max_records) + " records");
  if (bytes.size() % kvp_record_size != 0)
    fail("a partial record of " + std::to_string(bytes.size() % kvp_record_size) + " bytes at the end");
  AnswerMap out;
  for (std::size_t n = 0; n < bytes.size() / kvp_record_size; ++n) {
    const std::string_view record = bytes.substr(n * kvp_record_size, kvp_record_size);
    const std::string_view key_field = record.substr(0, kvp_key_size);
    const auto key_end = key_field.find('\0');
    if (key_end == std::string_view::npos) fail("record " + std::to_string(n) + ": the key has no NUL terminator");
    std::string_view key = key_field.substr(0, key_end);
    if (!key.starts_with(key_prefix)) continue;
    key.remove_prefix(key_prefix.size());
    if (!detail::answer_key_syntax(key)) continue;
    // A value without a NUL fills its field (hv_kvp_daemon stores maximum-length values so).
    const std::string_view value_field = record.substr(kvp_key_size);
    const std::string_view value = value_field.substr(0, value_field.find('\0'));
    if (!detail::valid_utf8(value)) fail("record " + std::to_string(n) + " (" + std::string(key) + "): the value is not UTF-8");
    if (value.empty())
      out.erase(std::string(key));
    else
      out.insert_or_assign(std::string(key), std::string(value));
  }
  return out;
}

}  // namespace portcullis::firstboot
