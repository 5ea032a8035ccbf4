// DMARC evaluation of one message (RFC 7489 6.6, np= of RFC 9091), after SPF and DKIM ran:
// policy discovery in DNS, identifier alignment, the result, the policy to apply after pct=
// sampling, and the aggregate-report row. Every lookup goes through net::DnsSource.
//
// Policy discovery (6.6.3): the TXT records at _dmarc.FROM; those that do not start with
// v=DMARC1 are ignored; if none is left, the same at _dmarc.ORGDOMAIN (the Organizational
// Domain of FROM, when it differs). No record: result none. Several records where the
// lookup stopped: result none (DMARC is not applied). A record that parse_record finds
// invalid (no valid p= nor rua=, a tag given twice): permerror. A lookup that fails
// (temp_failure): temperror, at once (no fallback: the record may be there). A name that DNS
// calls malformed (perm_failure) counts as having no record.
//
// The policy for a failing message: p= when the record was found at the From domain itself;
// sp= (default p=) when it was found at the Organizational Domain for a subdomain; np= (when
// published) for such a subdomain that does not exist, i.e. whose A, AAAA and MX lookups all
// answer nxdomain (RFC 9091 2.1; any other answer, a failure included, counts as existing).
// Those lookups are only made for a failing message whose record has np=.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checks/dmarc/align.hpp"
#include "checks/dmarc/psl.hpp"
#include "checks/dmarc/record.hpp"
#include "checks/dmarc/report.hpp"
#include "checks/dmarc/types.hpp"
#include "net/dns_source.hpp"

namespace portcullis::checks::dmarc {

// What SPF and DKIM found (those checks ran before).
struct Input {
  std::string header_from_domain;  // from author_domain()
  std::string spf_domain;          // the MAIL FROM domain SPF checked (the HELO one for <>)
  bool spf_pass = false;
  std::string spf_result;          // for the report: SPF's word (pass, softfail...); empty:
                                   // "pass" if spf_pass, else "fail" ("none" without a domain)
  bool spf_helo = false;           // spf_domain is the HELO identity (report scope "helo")
  struct Dkim {
    std::string domain;    // d=
    std::string selector;  // s=
    bool pass = false;
    std::string result;    // for the report; empty: "pass" / "fail" from `pass`
  };
  std::vector<Dkim> dkim;
  boost::asio::ip::address client;  // for the report
  std::string envelope_from;        // for the report (the MAIL FROM domain)
};

struct Outcome {
  Result result = Result::none;
  // What the record asks for this message, after pct= sampling: none unless result is fail.
  Policy policy = Policy::none;
  // The published policy that applies to this message (p=, sp= or np=), before sampling;
  // none when no usable record was found.
  Policy published = Policy::none;
  bool sampled_out = false;    // failed, but pct= left it out of the sample: policy is weaker
  bool spf_aligned = false;    // SPF passed for a domain aligned with the From domain
  bool dkim_aligned = false;   // a DKIM signature passed for an aligned d=
  std::string from_domain;     // the From domain as evaluated (lower-case A-labels)
  std::string org_domain;      // its Organizational Domain
  std::string record_domain;   // where the record was found (empty when none was)
  std::optional<Record> record;        // the record that applied
  std::vector<std::string> warnings;   // parse_record's warnings about that record
  std::string problem;                 // why none / temperror / permerror
  ReportRecord report;                 // the aggregate-report row for this message
};

// `dns`, `psl` and `input` must outlive the coroutine (co_await it in place). `percent`
// draws the pct= sample (0..99); empty: random_percent().
boost::asio::awaitable<Outcome> evaluate(net::DnsSource& dns, const PublicSuffixList& psl, const Input& input,
                                         PercentSource percent = {});

}  // namespace portcullis::checks::dmarc
