// What ARC chain validation (RFC 8617 5.2) reports, the limits it works within, and the
// "arc" clause of our Authentication-Results field (RFC 8617 10.1: result none / pass / fail,
// properties header.oldest-pass and smtp.remote-ip). Pure definitions.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checks/arc/fields.hpp"
#include "mail/auth_results.hpp"

namespace portcullis::checks::arc {

// One ARC Set of the chain as found (filled as far as its fields could be read).
struct InstanceInfo {
  int instance = 0;
  std::string authserv_id;   // of its ARC-Authentication-Results
  std::string domain;        // d= of its ARC-Seal (who sealed)
  std::string selector;      // s= of its ARC-Seal
  std::string ams_domain;    // d= of its ARC-Message-Signature
  std::string ams_selector;  // s= of its ARC-Message-Signature
  Cv cv = Cv::none;          // cv= of its ARC-Seal
  bool ams_checked = false;  // its AMS was validated (the newest, and the older ones for oldest-pass)
  bool ams_valid = false;
  bool seal_checked = false;
  bool seal_valid = false;
  std::string problem;  // why its AMS or AS did not validate; empty otherwise
};

struct ChainResult {
  Cv cv = Cv::none;  // the Chain Validation Status
  int instances = 0;  // N: the highest instance found (0 when there is no chain)
  // RFC 8617 5.2 (pass only): 0 when every AMS of the chain validates; otherwise the lowest
  // instance i such that the AMSs of i..N all validate (the one below did not: the message was
  // changed after that hop sealed it). The newest AMS always validates in a passing chain.
  int oldest_pass = 0;
  std::string problem;     // why not pass, in a few words ("ARC-Seal i=1: signature did not verify")
  bool temporary = false;  // fail only because a key lookup failed for now (DNS); the Sealer does not seal then
  std::vector<InstanceInfo> sets;  // index i-1 for instance i, 1..N
};

struct Limits {
  std::size_t max_header_bytes = 256 * 1024;
  std::size_t max_header_fields = 1000;
  int min_rsa_bits = 1024;             // RFC 8301
  std::int64_t max_clock_skew = 3600;  // t= may be this far in the future (seconds)
  // rsa-sha1 AMS/AS: RFC 8301 3.1 says it MUST NOT be used for verifying, so they fail (the
  // draft-era ValiMail suite still expects them to pass; the suite test runs both ways).
  bool allow_rsa_sha1 = false;
  // Validate the older AMSs too, for oldest-pass (RFC 8617 5.2 says this step is optional).
  bool oldest_pass = true;
  // Distinct body hashes (canonicalisation, hash, l=) computed for AMSs: the newest AMS always
  // gets one; older AMSs beyond the limit count as not validating (for oldest-pass only).
  std::size_t max_body_hashes = 4;
};

// The "arc" clause for our Authentication-Results field, e.g.
//   arc=pass (i=2) header.oldest-pass=0 smtp.remote-ip=192.0.2.1
//   arc=fail (ARC-Seal i=1: signature did not verify) smtp.remote-ip=192.0.2.1
//   arc=none
// header.oldest-pass only for pass; smtp.remote-ip when `remote_ip` is given (RFC 8617 10.1).
mail::AuthResult auth_result(const ChainResult& result, std::string_view remote_ip = {});

}  // namespace portcullis::checks::arc
