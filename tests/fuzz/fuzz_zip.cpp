// The zip central-directory reader (checks/attachments/zip) on arbitrary bytes, whole and as
// a window onto the end of a bigger archive. Besides not crashing or reading outside the data:
// the listing stays within its limits and every name is valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/attachments/real_type.hpp"
#include "checks/attachments/zip.hpp"
#include "core/utf8.hpp"

namespace {

using namespace portcullis::checks::attachments;

void check(const portcullis::mail::ArchiveListing& l, const ZipLimits& limits) {
  if (l.names.size() > limits.max_entries) __builtin_trap();
  std::size_t bytes = 0;
  for (const auto& n : l.names) {
    if (!portcullis::core::valid_utf8(n)) __builtin_trap();
    if (n.size() > 2 * limits.max_name + 1) __builtin_trap();  // "outer/inner" for nested members
    bytes += n.size();
  }
  if (bytes > limits.max_name_bytes) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const ZipLimits defaults;
  check(read_zip(in, in.size(), defaults), defaults);
  // The same bytes as the end of an archive that started earlier.
  check(read_zip(in, in.size() + 1 + (size % 1000), defaults), defaults);
  // A window that cuts the front off.
  check(read_zip(in.substr(size / 3), in.size(), defaults), defaults);
  ZipLimits small;
  small.max_entries = 1 + size % 5;
  small.max_name = 1 + size % 7;
  small.max_name_bytes = size % 64;
  check(read_zip(in, in.size(), small), small);
  (void)real_type(in);
  return 0;
}
