// Authentication-Results values from untrusted messages (mail/auth_results.hpp): reading the
// authserv-id never crashes, and what we write from fuzzed values stays one field.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "mail/auth_results.hpp"
#include "mail/headers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  if (const auto id = portcullis::mail::authserv_id_of(input)) {
    if (id->empty()) __builtin_trap();
    (void)portcullis::mail::same_authserv_id(*id, input);
  }
  // Our own field built from hostile text: still exactly one well-formed field.
  const auto half = size / 2;
  const std::string field = portcullis::mail::authentication_results_field(
      "mx.example.org", {{"spf", "pass", std::string(input.substr(0, half)), {{"smtp.mailfrom", std::string(input.substr(half))}}}});
  const auto section = portcullis::mail::parse_headers(field + "\r\n");
  if (section.fields.size() != 1 || !section.complete) __builtin_trap();
  return 0;
}
