// What a DMARC aggregate report (RFC 7489 7.2, appendix C) needs about one message: the
// <record> row's data (source IP, policy_evaluated, identifiers, auth_results) and the
// <policy_published> of the record that applied. A plain struct: the evaluator fills it,
// the daemon stores it, and a report writer later groups the rows by domain and period.
#pragma once
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <vector>

#include "checks/dmarc/types.hpp"

namespace portcullis::checks::dmarc {

// <policy_published>: the record as it applied (p= defaulted to none per 6.6.3 shows none).
struct PolicyPublished {
  std::string domain;  // where the record was found
  Alignment adkim = Alignment::relaxed;
  Alignment aspf = Alignment::relaxed;
  Policy p = Policy::none;
  Policy sp = Policy::none;                // sp= or, when absent, p=
  std::optional<Policy> np;                // RFC 9091, when published
  int pct = 100;
  std::string fo = "0";
};

// <reason>: why the disposition differs from the published policy. Types of appendix C:
// forwarded, sampled_out, trusted_forwarder, mailing_list, local_policy, other.
struct PolicyOverride {
  std::string type;
  std::string comment;
};

struct DkimAuthResult {
  std::string domain;    // d=
  std::string selector;  // s=
  std::string result;    // none, pass, fail, policy, neutral, temperror, permerror
};

struct SpfAuthResult {
  std::string domain;
  std::string scope = "mfrom";  // mfrom or helo
  std::string result;           // none, neutral, pass, fail, softfail, temperror, permerror
};

struct ReportRecord {
  boost::asio::ip::address source_ip;
  // <policy_evaluated>
  Policy disposition = Policy::none;  // what the record asked for this message (after pct=)
  bool dkim_aligned_pass = false;     // <dkim>pass</dkim>: an aligned DKIM signature passed
  bool spf_aligned_pass = false;      // <spf>pass</spf>: SPF passed for an aligned domain
  std::vector<PolicyOverride> reasons;
  Result result = Result::none;  // the DMARC result (for the store; not an element of the row)
  // <identifiers>
  std::string header_from;
  std::string envelope_from;
  // <auth_results>
  std::vector<DkimAuthResult> dkim;
  SpfAuthResult spf;
  // <policy_published>; absent when no usable record was found (then no report is due).
  std::optional<PolicyPublished> policy_published;
};

}  // namespace portcullis::checks::dmarc
