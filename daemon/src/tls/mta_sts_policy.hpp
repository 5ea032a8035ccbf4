// MTA-STS (RFC 8461) texts, parsed: the `_mta-sts` TXT record and the policy file served at
// https://mta-sts.DOMAIN/.well-known/mta-sts.txt. Both come from the network: strict, bounded,
// never throwing (the fuzz target fuzz_mta_sts feeds them garbage). The fetching, caching and
// enforcing around them live elsewhere.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::tls {

// "v=STSv1; id=20160831085700Z;" — v first and exactly STSv1, id 1-32 letters/digits;
// other fields ignored. nullopt when it is not a valid STSv1 record.
struct StsRecord {
  std::string id;
};
std::optional<StsRecord> parse_sts_record(std::string_view txt);

// Of all TXT strings at _mta-sts.DOMAIN: the one STSv1 record; nullopt when there is none or
// more than one (RFC 8461 3.1: then the domain has no policy).
std::optional<StsRecord> choose_sts_record(const std::vector<std::string>& txts);

enum class StsMode { enforce, testing, none };

struct StsPolicy {
  StsMode mode = StsMode::none;
  std::vector<std::string> mx;  // lower-case patterns: "mail.example.com", "*.example.net"
  uint32_t max_age = 0;         // seconds, at most 31557600
};

struct StsParse {
  std::optional<StsPolicy> policy;
  std::string error;  // why there is no policy
};
constexpr std::size_t max_sts_policy_size = 64 * 1024;
StsParse parse_sts_policy(std::string_view text);

// RFC 8461 4.1: the MX host matches a pattern exactly, or "*.rest" with one more label.
bool sts_mx_matches(const StsPolicy& policy, std::string_view mx_host);

}  // namespace portcullis::tls
