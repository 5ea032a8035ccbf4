// Header section parser (whole and chunked), RFC 2047 decoder and address-list parser on
// arbitrary messages. Besides not crashing: the ranges must be exact and within the limits,
// and the collector fed in random chunks must agree with parse_headers on the whole input.
// Limits and chunk sizes come from a hash of the input, so seeds stay plain header blocks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mail/encoded_words.hpp"
#include "mail/headers.hpp"

namespace {

using namespace portcullis::mail;

std::uint64_t hash(std::string_view s) {  // FNV-1a
  std::uint64_t h = 1469598103934665603ull;
  for (const char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h;
}

std::uint64_t next(std::uint64_t& state) {  // xorshift64
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

void check(std::string_view in, const HeaderSection& h, const HeaderLimits& limits) {
  if (h.fields.size() > limits.max_fields) __builtin_trap();
  if (h.body_offset > in.size()) __builtin_trap();
  if (h.complete && h.truncated) __builtin_trap();
  std::size_t prev_end = 0;
  for (const auto& f : h.fields) {
    if (f.offset < prev_end || f.length == 0 || f.offset + f.length > in.size()) __builtin_trap();
    if (f.offset + f.length > limits.max_bytes) __builtin_trap();
    if (f.offset + f.length > h.body_offset) __builtin_trap();
    prev_end = f.offset + f.length;
    const std::string_view text = in.substr(f.offset, f.length);
    if (f.name.empty() || text.substr(0, f.name.size()) != f.name) __builtin_trap();
    if (text.find(f.raw_value) == std::string_view::npos) __builtin_trap();
    if (f.value.size() > f.raw_value.size()) __builtin_trap();
  }
}

bool same(const HeaderSection& a, const HeaderSection& b) {
  if (a.fields.size() != b.fields.size() || a.body_offset != b.body_offset || a.complete != b.complete ||
      a.truncated != b.truncated)
    return false;
  for (std::size_t k = 0; k < a.fields.size(); ++k) {
    const auto &x = a.fields[k], &y = b.fields[k];
    if (x.name != y.name || x.raw_value != y.raw_value || x.value != y.value || x.offset != y.offset ||
        x.length != y.length)
      return false;
  }
  return true;
}

void run(std::string_view in, const HeaderLimits& limits, std::uint64_t& rng) {
  const HeaderSection h = parse_headers(in, limits);
  check(in, h, limits);

  HeaderCollector c(limits);
  const std::uint64_t max_chunk = 1 + next(rng) % 64;
  for (std::size_t pos = 0; pos < in.size();) {
    const std::size_t n = next(rng) % (max_chunk + 1);  // empty chunks too
    c.feed(in.substr(pos, n));
    pos += n;
  }
  if (c.buffered() > limits.max_bytes) __builtin_trap();
  if (!same(c.finish(), h)) __builtin_trap();

  for (const auto& f : h.fields) {
    if (decode_encoded_words(f.value).size() > kMaxDecodedOutput) __builtin_trap();
    if (parse_address_list(f.value).size() > kMaxAddresses) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::uint64_t rng = hash(in) | 1;
  run(in, HeaderLimits{}, rng);
  // Small limits, so that truncation happens inside the input.
  const HeaderLimits small{static_cast<std::size_t>(next(rng) % (size + 2)), static_cast<std::size_t>(next(rng) % 8)};
  run(in, small, rng);
  // The whole input as one header value.
  const std::string decoded = decode_encoded_words(in, 1 + next(rng) % 512);
  if (decoded.size() > 512) __builtin_trap();
  (void)parse_address_list(in);
  return 0;
}
