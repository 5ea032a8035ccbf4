#include "core/ids.hpp"

#include <sys/random.h>

#include <chrono>
#include <cstdint>
#include <cstring>

namespace portcullis::core {
namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t random_bits() {
  uint64_t r = 0;
  if (getrandom(&r, sizeof r, 0) != static_cast<ssize_t>(sizeof r)) {
    // getrandom cannot fail for 8 bytes once the pool is initialised; fall back to the clock.
    r = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()) * 0x9E3779B97F4A7C15ULL;
  }
  return r;
}
}  // namespace

std::string new_queue_id() {
  using namespace std::chrono;
  const uint64_t ms = static_cast<uint64_t>(
      duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()) & ((1ULL << 44) - 1);
  const uint64_t rnd = random_bits() & ((1ULL << 36) - 1);
  // 80 bits = ms (44) << 36 | rnd (36); emit 16 groups of 5 bits, most significant first.
  std::string id(16, '0');
  for (int i = 15; i >= 0; --i) {
    const int bit = (15 - i) * 5;  // bit offset of this group from the least significant end
    uint64_t group;
    if (bit + 5 <= 36) {
      group = (rnd >> bit) & 31;
    } else if (bit >= 36) {
      group = (ms >> (bit - 36)) & 31;
    } else {  // straddles the boundary
      const int low_bits = 36 - bit;
      group = ((rnd >> bit) | (ms << low_bits)) & 31;
    }
    id[static_cast<std::size_t>(i)] = kAlphabet[group];
  }
  return id;
}

bool valid_queue_id(std::string_view id) {
  if (id.size() != 16) return false;
  for (char c : id)
    if (std::strchr(kAlphabet, c) == nullptr || c == 0) return false;
  return true;
}

}  // namespace portcullis::core
