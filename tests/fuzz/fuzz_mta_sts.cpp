// MTA-STS texts come from DNS and HTTPS of any domain we send mail to: untrusted. The record
// and policy parsers must never crash, and what they accept must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "tls/mta_sts_policy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace portcullis::tls;
  if (const auto r = parse_sts_record(in)) {
    if (r->id.empty() || r->id.size() > 32) __builtin_trap();
  }
  const StsParse p = parse_sts_policy(in);
  if (p.policy.has_value() == !p.error.empty()) __builtin_trap();  // exactly one of the two
  if (p.policy) {
    if (p.policy->max_age > 31557600) __builtin_trap();
    if (p.policy->mode != StsMode::none && p.policy->mx.empty()) __builtin_trap();
    for (const auto& mx : p.policy->mx) {
      if (mx.empty()) __builtin_trap();
      // Every plain pattern matches itself.
      if (mx[0] != '*' && !sts_mx_matches(*p.policy, mx)) __builtin_trap();
    }
    (void)sts_mx_matches(*p.policy, in.substr(0, 300));
  }
  return 0;
}
