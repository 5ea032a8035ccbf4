// RFC 5321 path parser on arbitrary input, both as reverse and forward path.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mail/address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  for (bool reverse : {true, false}) {
    auto r = portcullis::mail::parse_path(in, reverse);
    if (!r) continue;
    const auto& m = r.path.mailbox;
    if (m.local.size() > 64 || m.domain.size() > 255) __builtin_trap();
    // What was accepted must survive a round trip through its wire form.
    if (!r.path.null_path && !r.path.bare_postmaster) {
      auto again = portcullis::mail::parse_path("<" + m.str() + ">", reverse);
      if (!again || again.path.mailbox.key() != m.key()) __builtin_trap();
    }
  }
  (void)portcullis::mail::parse_mailbox(in);
  (void)portcullis::mail::normalize_domain(in);
  return 0;
}
