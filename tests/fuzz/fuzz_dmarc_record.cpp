// DMARC's parsers of untrusted input on arbitrary bytes: the DMARC record (a TXT record from
// anyone's DNS), the RFC5322.From domain (a header section and a single From value), the
// Punycode encoder and decoder, the A-label conversion of domain names, and the Public Suffix
// List (its text, and lookups of any name). Besides not crashing, each result must keep its
// bounds and invariants; Punycode must round-trip.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "checks/dmarc/author.hpp"
#include "checks/dmarc/psl.hpp"
#include "checks/dmarc/punycode.hpp"
#include "checks/dmarc/record.hpp"

namespace {

using namespace portcullis::checks::dmarc;

void check_record(std::string_view in) {
  const ParsedRecord r = parse_record(in);
  if ((r.status == RecordStatus::not_dmarc) == is_dmarc_record(in)) __builtin_trap();
  if (r.warnings.size() > kMaxWarnings) __builtin_trap();
  if (r.status != RecordStatus::ok) {
    if (r.problem.empty()) __builtin_trap();
    return;
  }
  const Record& x = r.record;
  if (x.pct < 0 || x.pct > 100) __builtin_trap();
  if (x.rua.size() > kMaxReportUris || x.ruf.size() > kMaxReportUris) __builtin_trap();
  for (const auto& u : x.rua)
    if (u.uri.empty() || u.uri.size() > in.size()) __builtin_trap();
  if (x.p_defaulted && (x.p != Policy::none || x.rua.empty() || x.sp || x.np)) __builtin_trap();
  if (x.rf.empty() || x.fo_text.empty()) __builtin_trap();
  // One URI list element alone.
  if (const auto u = parse_report_uri(in); u && (u->uri.empty() || u->uri.find(',') != std::string::npos))
    __builtin_trap();
}

bool lower_ascii_name(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80 || (c >= 'A' && c <= 'Z')) return false;
  return true;
}

void check_author(const Author& a) {
  if (a) {
    if (a.domain.empty() || !a.problem.empty()) __builtin_trap();
    if (normalize_host(a.domain) != a.domain) __builtin_trap();
  } else {
    if (!a.domain.empty() || a.problem.empty()) __builtin_trap();
  }
  if (a.domains.size() > kMaxFromMailboxes) __builtin_trap();
  if (!a.domains.empty() && a.error != AuthorError::several_addresses) __builtin_trap();
}

void check_punycode(std::string_view in) {
  // UTF-8 text: encode, then decode must give the code points back.
  if (const auto points = utf8_to_code_points(in); points && points->size() <= kMaxPunycodeInput) {
    const auto encoded = punycode_encode(*points);
    if (!encoded) __builtin_trap();  // valid scalar values, within the length: always encodable
    for (const char c : *encoded)
      if (static_cast<unsigned char>(c) >= 0x80) __builtin_trap();
    const auto decoded = punycode_decode(*encoded);
    if (!decoded || *decoded != *points) __builtin_trap();
  }
  // Any bytes as Punycode: what decodes re-encodes to something that decodes the same.
  if (const auto decoded = punycode_decode(in)) {
    if (decoded->size() > kMaxPunycodeInput) __builtin_trap();
    const auto again = punycode_encode(*decoded);
    if (!again) __builtin_trap();
    if (punycode_decode(*again) != decoded) __builtin_trap();
  }
  // A-labels: lower-case ASCII, bounded, and a fixed point.
  if (const auto ascii = domain_to_ascii(in)) {
    if (ascii->empty() || ascii->size() > 253 || !lower_ascii_name(*ascii)) __builtin_trap();
    if (domain_to_ascii(*ascii) != ascii) __builtin_trap();
  }
}

const PublicSuffixList& small_list() {
  static const PublicSuffixList list = PublicSuffixList::from_text(
      "com\nco.uk\nuk\n*.ck\n!www.ck\n*.kawasaki.jp\n!city.kawasaki.jp\njp\n\xe5\x85\xac\xe5\x8f\xb8.cn\ncn\n");
  return list;
}

void check_psl(std::string_view in) {
  // The input as a name.
  const auto name = domain_to_ascii(in);
  const std::string org = small_list().organizational_domain(in);
  if (org.empty() != !name) __builtin_trap();
  if (name) {
    // The Organizational Domain is a tail of the name, made of whole labels, and its own.
    if (org.size() > name->size() || name->compare(name->size() - org.size(), org.size(), org) != 0) __builtin_trap();
    if (org.size() < name->size() && (*name)[name->size() - org.size() - 1] != '.') __builtin_trap();
    if (small_list().organizational_domain(org) != org) __builtin_trap();
    const std::string suffix = small_list().public_suffix(in);
    if (suffix.empty() || suffix.size() > org.size()) __builtin_trap();
    const auto registrable = small_list().registrable_domain(in);
    if (registrable ? *registrable != org : org != suffix) __builtin_trap();
  }
  // The input as the list's text, then a few lookups in it.
  const PublicSuffixList list = PublicSuffixList::from_text(in);
  (void)list.organizational_domain("a.b.example.com");
  (void)list.organizational_domain(in.substr(0, in.find('\n')));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  check_record(in);
  check_author(author_domain(in));
  check_author(author_domain_of_value(in));
  check_punycode(in);
  check_psl(in);
  return 0;
}
