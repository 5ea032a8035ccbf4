// Queue files are read back at start-up: a damaged or planted file must never crash the daemon.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "queue/spool.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::size_t off = 0;
  if (auto env = portcullis::queue::parse_envelope(in, off)) {
    if (off > in.size() || env->recipients.empty()) __builtin_trap();
    try {  // what parses must format again (values cannot hold line breaks)
      (void)portcullis::queue::format_envelope(*env);
    } catch (const portcullis::queue::SpoolError&) {
      __builtin_trap();
    }
  }
  if (auto st = portcullis::queue::parse_state(in)) (void)portcullis::queue::format_state(*st);
  return 0;
}
