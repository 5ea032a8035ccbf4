#include "bundle/version.hpp"

#include <algorithm>

namespace portcullis::upgrade {
namespace {

constexpr std::size_t max_components = 4;
constexpr std::size_t max_digits = 9;  // fits std::uint32_t

std::uint32_t component(const Version& v, std::size_t i) {
  return i < v.components.size() ? v.components[i] : 0;
}

}  // namespace

std::optional<Version> parse_version(std::string_view text) {
  Version v;
  std::size_t pos = 0;
  while (true) {
    const std::size_t dot = text.find('.', pos);
    const std::string_view part = text.substr(pos, dot == std::string_view::npos ? text.npos : dot - pos);
    if (part.empty() || part.size() > max_digits) return std::nullopt;
    if (part.size() > 1 && part.front() == '0') return std::nullopt;
    std::uint32_t n = 0;
    for (char c : part) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (v.components.size() == max_components) return std::nullopt;
    v.components.push_back(n);
    if (dot == std::string_view::npos) return v;
    pos = dot + 1;
  }
}

std::string to_string(const Version& v) {
  std::string out;
  for (std::size_t i = 0; i < v.components.size(); ++i) {
    if (i) out += '.';
    out += std::to_string(v.components[i]);
  }
  return out;
}

int compare(const Version& a, const Version& b) {
  const std::size_t n = std::max(a.components.size(), b.components.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto x = component(a, i), y = component(b, i);
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

bool from_pattern_valid(std::string_view pattern) {
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const auto prefix = parse_version(pattern.substr(0, pattern.size() - 2));
    return prefix && prefix->components.size() < max_components;
  }
  return parse_version(pattern).has_value();
}

bool matches(std::string_view pattern, const Version& v) {
  if (!from_pattern_valid(pattern)) return false;
  if (pattern.back() != '*') return compare(*parse_version(pattern), v) == 0;
  const Version prefix = *parse_version(pattern.substr(0, pattern.size() - 2));
  for (std::size_t i = 0; i < prefix.components.size(); ++i)
    if (prefix.components[i] != component(v, i)) return false;
  return true;
}

}  // namespace portcullis::upgrade
