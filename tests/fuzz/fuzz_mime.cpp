// The streaming MIME parser (mail/mime), its parameter reader, and the attachment rules and
// removal (checks/attachments) on arbitrary messages. Besides not crashing: the parts keep
// their documented invariants (order, parents, depth, offsets inside the data, bounded heads
// and names), the parser fed in random chunks agrees with the parser fed the whole input,
// and removal edits are sorted, inside the data, and give a message that parses again.
// Which of these three checks runs, the limits and the chunk sizes come from a hash of the
// input, so seeds stay plain messages (and each run stays cheap).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "checks/attachments/parser.hpp"
#include "checks/attachments/real_type.hpp"
#include "checks/attachments/removal.hpp"
#include "checks/attachments/rules.hpp"
#include "mail/mime.hpp"
#include "mail/mime_fields.hpp"
#include "mail/mime_params.hpp"

namespace {

using namespace portcullis;
using mail::MimePart;

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

void check_parts(std::string_view in, const mail::MimeParser& p, const mail::MimeLimits& limits) {
  const auto& parts = p.parts();
  if (parts.empty() || parts.size() > limits.max_parts) __builtin_trap();
  if (p.size() != in.size() || !p.finished()) __builtin_trap();
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const MimePart& m = parts[k];
    if (m.index != k) __builtin_trap();
    if ((k == 0) != (m.parent == MimePart::npos)) __builtin_trap();
    if (k > 0 && (m.parent >= k || !parts[m.parent].is_container() || m.depth != parts[m.parent].depth + 1))
      __builtin_trap();
    if (m.depth > limits.max_depth) __builtin_trap();
    if (!(m.offset <= m.body_offset && m.body_offset <= m.end && m.end <= in.size())) __builtin_trap();
    // Inside the parent (an empty part right before a delimiter of an outer multipart may sit
    // just after its parent's end: that delimiter's line break is the one ending its own line).
    if (k > 0 && m.located && m.offset < m.end && (m.offset < parts[m.parent].offset || m.end > parts[m.parent].end))
      __builtin_trap();
    if (m.located && k > 0 && !parts[m.parent].located) __builtin_trap();
    if (m.head.size() > limits.head_bytes || m.head.size() > m.decoded_size) __builtin_trap();
    if (m.names.size() > mail::kMaxNames) __builtin_trap();
    if (m.filename != (m.names.empty() ? std::string() : m.names.front())) __builtin_trap();
    if (!mail::valid_media_type(m.content_type)) __builtin_trap();
    if (m.is_multipart && m.is_message) __builtin_trap();
    if (m.headers_truncated && !p.truncated()) __builtin_trap();
  }
}

bool same(const std::vector<MimePart>& a, const std::vector<MimePart>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k) {
    const MimePart &x = a[k], &y = b[k];
    if (x.parent != y.parent || x.depth != y.depth || x.content_type != y.content_type ||
        x.disposition != y.disposition || x.names != y.names || x.transfer_encoding != y.transfer_encoding ||
        x.offset != y.offset || x.body_offset != y.body_offset || x.end != y.end || x.located != y.located ||
        x.decoded_size != y.decoded_size || x.head != y.head || x.is_multipart != y.is_multipart ||
        x.is_message != y.is_message || x.archive != y.archive || x.archive_names != y.archive_names ||
        x.archive_encrypted != y.archive_encrypted || x.archive_truncated != y.archive_truncated)
      return false;
  }
  return true;
}

void check_removal(std::string_view in, const mail::MimeParser& p) {
  using namespace checks::attachments;
  Rules rules = default_rules();
  rules.blocked_extensions.push_back("txt");  // more findings to remove
  const std::vector<Finding> findings = check(p, rules);
  for (const Finding& f : findings)
    if (f.part >= p.parts().size() || f.symbol.empty() || f.reason.empty()) __builtin_trap();
  {
    const std::string_view newline = in.find("\r\n") != std::string_view::npos ? "\r\n" : "\n";
    const Removal r = removal_edits(p.parts(), findings, newline);
    std::size_t end = 0;
    for (const Edit& e : r.edits) {
      if (e.offset < end || e.offset + e.length > in.size()) __builtin_trap();
      end = e.offset + e.length;
      for (const char c : e.replacement)  // 7-bit text only
        if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') __builtin_trap();
    }
    const std::string out = apply_edits(in, r.edits);
    mail::MimeParser again = make_parser();
    again.feed(out);
    again.finish();
    (void)check(again, rules);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::uint64_t rng = hash(in) | 1;

  const mail::MimeLimits defaults;
  const mail::MimeParser whole = mail::parse_mime(in, defaults, checks::attachments::zip_archive_reader());
  check_parts(in, whole, defaults);

  // One of three more checks per input (each run stays cheap enough to fuzz fast).
  switch (next(rng) % 3) {
    case 0: {  // random chunks (empty ones too) give the same parts
      mail::MimeParser chunked = checks::attachments::make_parser();
      const std::uint64_t max_chunk = 1 + next(rng) % 64;
      for (std::size_t pos = 0; pos < in.size();) {
        const std::size_t n = next(rng) % (max_chunk + 1);
        chunked.feed(in.substr(pos, n));
        pos += n;
      }
      chunked.finish();
      if (!same(whole.parts(), chunked.parts()) || whole.truncated() != chunked.truncated()) __builtin_trap();
      break;
    }
    case 1: {  // small limits, so that they are hit inside the input
      mail::MimeLimits small;
      small.max_parts = 1 + next(rng) % 8;
      small.max_depth = next(rng) % 4;
      small.max_header_bytes = next(rng) % 256;
      small.max_boundary = 1 + next(rng) % 16;
      small.head_bytes = next(rng) % 16;
      small.archive_bytes = next(rng) % 64;
      const mail::MimeParser limited = mail::parse_mime(in, small, checks::attachments::zip_archive_reader());
      check_parts(in, limited, small);
      break;
    }
    default:
      check_removal(in, whole);
      break;
  }

  // The parameter reader on the first line, the real type on the start of the input.
  const std::string_view first = in.substr(0, in.find('\n'));
  const mail::ParamHeader h = mail::parse_param_header(first);
  if (h.params.size() > mail::kMaxParams || h.value.size() > mail::kMaxParamValue) __builtin_trap();
  for (const auto& prm : h.params)
    if (prm.value.size() > mail::kMaxParamValue * 3) __builtin_trap();
  (void)checks::attachments::real_type(in);
  return 0;
}
