// The DMARC policy record (RFC 7489 6.3 and 6.4; np= from RFC 9091): the TXT record a Domain
// Owner publishes at _dmarc.DOMAIN, parsed. Pure and bounded (fuzzed): never throws, linear
// in the record's length, at most kMaxReportUris URIs kept per list.
//
// The rules applied:
//   - A DMARC record starts with "v=DMARC1" (the tag name in any case, the value exactly so,
//     white space allowed around "="), then the end of the text or ";". Any other TXT record
//     is not a DMARC record (is_dmarc_record); such records are ignored in policy discovery.
//   - Tags are "name=value" separated by ";" with optional white space (SP, HTAB, and CR/LF
//     folding) around both; a final ";" and empty tag specs are accepted. Tag names and the
//     keyword values (p, sp, np, adkim, aspf, fo, rf) are case-insensitive (RFC 5234 quoted
//     strings); tags may come in any order after v=.
//   - Unknown tags are ignored (6.3), as are tag specs that are not "name=value". A tag given
//     twice makes the record invalid (the DKIM tag-list rule, RFC 6376 3.2, that 6.4 adopts).
//   - A bad value of an optional tag (adkim, aspf, pct, fo, rf, ri, np) is discarded in favour
//     of its default (6.3: "syntax errors in the remainder of the record SHOULD be discarded
//     in favor of default values"); it is listed in `warnings`. pct= must be 0..100.
//   - rua= / ruf=: comma-separated URIs (RFC 3986 syntax, with "," and "!" percent-encoded),
//     each optionally followed by "!" SIZE with a unit k, m, g or t (powers of 1024). A URI
//     that is not well formed is dropped (warning); the others are kept.
//   - p= missing or not none/quarantine/reject, or sp= present and not one of those (6.6.3
//     step 6): if rua= holds at least one valid URI, the record counts as "v=DMARC1; p=none"
//     with its rua= (`p_defaulted` set; sp= and np= dropped); otherwise the record is
//     invalid: DMARC is not applied (the evaluator reports permerror).
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dmarc/types.hpp"

namespace portcullis::checks::dmarc {

inline constexpr std::size_t kMaxReportUris = 32;      // per rua= / ruf= list
inline constexpr std::size_t kMaxWarnings = 16;

struct ReportUri {
  std::string uri;            // as written (percent-encoding kept)
  std::uint64_t max_size = 0;  // octets ("!10m" -> 10485760); 0: no limit given
  bool operator==(const ReportUri&) const = default;
};

// fo=: when failure reports are wanted. The default "0" is {all_fail}.
struct FailureOptions {
  bool all_fail = true;   // "0": every mechanism failed to give an aligned pass
  bool any_fail = false;  // "1": any mechanism failed to give an aligned pass
  bool dkim = false;      // "d": a DKIM signature failed
  bool spf = false;       // "s": SPF failed
  bool operator==(const FailureOptions&) const = default;
};

struct Record {
  Policy p = Policy::none;
  std::optional<Policy> sp;  // absent: p applies to subdomains
  std::optional<Policy> np;  // RFC 9091; absent: the subdomain policy applies
  Alignment adkim = Alignment::relaxed;
  Alignment aspf = Alignment::relaxed;
  int pct = 100;
  std::vector<ReportUri> rua;
  std::vector<ReportUri> ruf;
  FailureOptions fo;
  std::string fo_text = "0";            // fo= as it applies ("0" when absent or invalid)
  std::vector<std::string> rf{"afrf"};  // lower-cased
  std::uint32_t ri = 86400;
  bool p_defaulted = false;  // 6.6.3 step 6.1: no valid p= (or a bad sp=) but a valid rua=

  Policy subdomain_policy() const { return sp.value_or(p); }
  Policy nonexistent_policy() const { return np.value_or(subdomain_policy()); }
};

enum class RecordStatus {
  ok,         // a usable DMARC record
  not_dmarc,  // does not start with v=DMARC1: not a DMARC record at all
  invalid,    // a DMARC record that cannot be used (no valid p= nor rua=, a duplicate tag)
};

struct ParsedRecord {
  RecordStatus status = RecordStatus::not_dmarc;
  Record record;                      // meaningful when status is ok
  std::string problem;                // why invalid / not_dmarc
  std::vector<std::string> warnings;  // values discarded for their defaults (at most kMaxWarnings)
};

// true if `txt` starts with the v=DMARC1 tag (6.6.3 steps 2 and 4).
bool is_dmarc_record(std::string_view txt);

ParsedRecord parse_record(std::string_view txt);

// One rua=/ruf= element: "URI" or "URI!SIZE[kmgt]" (white space around it allowed).
std::optional<ReportUri> parse_report_uri(std::string_view text);

}  // namespace portcullis::checks::dmarc
