// Limits of the key/value entries (Store::kv_*), shared by both backends.
#pragma once
#include <charconv>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace portcullis::store {

inline constexpr std::size_t kMaxKvKey = 255;
inline constexpr std::size_t kMaxKvValue = 64 * 1024;

inline void check_kv_key(const std::string& key) {
  if (key.empty() || key.size() > kMaxKvKey)
    throw StoreError("kv: keys are 1-" + std::to_string(kMaxKvKey) + " octets (got " + std::to_string(key.size()) + ")");
}

inline void check_kv_value(const std::string& value) {
  if (value.size() > kMaxKvValue)
    throw StoreError("kv: values are at most 64 KiB (got " + std::to_string(value.size()) + " octets)");
}

// The integer in a stored value; StoreError naming the key if it is none.
inline int64_t kv_integer(const std::string& key, std::string_view value) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || value.empty())
    throw StoreError("kv: the value of '" + key + "' is not an integer");
  return v;
}

inline int64_t kv_add(const std::string& key, int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) throw StoreError("kv: the counter '" + key + "' would overflow");
  return out;
}

}  // namespace portcullis::store
