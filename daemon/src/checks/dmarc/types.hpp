// DMARC (RFC 7489) words shared by the record parser, the evaluator and the aggregate-report
// row: the result of an evaluation, the policies a Domain Owner can request, and the
// identifier alignment modes. Pure: no Asio, no I/O (the fuzz build compiles it).
#pragma once
#include <string_view>

namespace portcullis::checks::dmarc {

// The dmarc method's results in Authentication-Results (RFC 8601 2.7.x, RFC 7489 11.2):
//   none       no DMARC record (or several, or no usable RFC5322.From domain to look one up)
//   pass       an aligned identifier passed SPF or DKIM
//   fail       a record was found and no aligned identifier passed
//   temperror  DNS failed while looking up the record: try again later
//   permerror  a record was found but is unusable (no valid p= and no valid rua=), or the
//              From domain is not a domain name
enum class Result { none, pass, fail, temperror, permerror };

// The p=, sp= and np= values, from the weakest to the strongest.
enum class Policy { none, quarantine, reject };

// adkim= / aspf=: relaxed (same Organizational Domain) or strict (the same domain).
enum class Alignment { relaxed, strict };

std::string_view to_string(Result result);
std::string_view to_string(Policy policy);
std::string_view to_string(Alignment alignment);  // "r" / "s", as in the record and the report

// The policy one step weaker (RFC 7489 6.3 pct=: reject -> quarantine -> none).
Policy weaker(Policy policy);

}  // namespace portcullis::checks::dmarc
