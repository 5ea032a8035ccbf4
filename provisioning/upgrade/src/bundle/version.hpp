// Release versions ("0.2.0") and the "from" patterns of a bundle manifest ("0.1.*", "0.1.0").
// A version is 1 to 4 dot-separated decimal components, each 1-9 digits without leading zeros
// (except "0"); versions compare numerically component-wise, missing components counting as 0.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::upgrade {

struct Version {
  std::vector<std::uint32_t> components;  // 1 to 4, as written
};

std::optional<Version> parse_version(std::string_view text);
std::string to_string(const Version& v);

// <0, 0, >0; "0.2" == "0.2.0".
int compare(const Version& a, const Version& b);

// An exact version, or a version prefix of 1-3 components followed by ".*" ("0.1.*").
// A bare "*" is not a pattern: a bundle must say which releases it upgrades from.
bool from_pattern_valid(std::string_view pattern);

// Exact patterns match versions that compare equal; "P.*" matches versions whose leading
// components equal P's (missing components counting as 0). Invalid patterns match nothing.
bool matches(std::string_view pattern, const Version& v);

}  // namespace portcullis::upgrade
