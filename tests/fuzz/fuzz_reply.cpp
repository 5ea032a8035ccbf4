// The outbound client's reply parser reads what remote servers send: untrusted.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "smtp/reply.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  portcullis::smtp::Reply r;
  try {
    while (!in.empty()) {
      const std::size_t used = portcullis::smtp::parse_reply(in, r);
      if (used == 0) break;
      if (used > in.size() || r.code < 200 || r.code > 599) __builtin_trap();
      in.remove_prefix(used);
    }
  } catch (const std::runtime_error&) {
  }
  (void)portcullis::smtp::dot_stuff(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
