// DKIM verification (RFC 6376 6, RFC 8463, RFC 8301): every DKIM-Signature field of an incoming
// message, each with its own result, for Authentication-Results (RFC 8601) and DMARC.
//
// One Verifier per message. feed() takes the message (header and body, CRLF lines) in chunks
// as it arrives; the body hashes are computed on the fly, one per distinct (canonicalisation,
// hash, l=) among the signatures, and nothing of the body is kept. finish() then fetches the
// key records (through DnsSource::txt at SELECTOR._domainkey.DOMAIN, in parallel, each name
// once) and verifies.
//
// Results: pass (verified; see `trusted` and `body_length_limited`), fail (the body hash or the
// signature does not match, or the body is shorter than l=), permerror (the signature or its
// key record is unusable: syntax, v=, algorithm, i= outside d=, From not in h=, x= expired,
// t= in the future, no/revoked key record, key type or hash not allowed by the key, RSA key
// shorter than min_rsa_bits, header section beyond the limits), temperror (the key lookup
// failed for now), neutral (not verified: more signatures than max_signatures).
// rsa-sha1 signatures are verified but reported with trusted = false (RFC 8301): callers must
// not treat them as passing.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <ctime>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/result.hpp"
#include "checks/dkim/verify_core.hpp"
#include "net/dns_source.hpp"

namespace portcullis::checks::dkim {

// The TXT lookups of key records (DKIM and ARC): every name in `names` (as given, each once)
// looked up in parallel; a lookup that throws counts as a temporary failure. `dns` and `names`
// must outlive the call (await it at once: `auto op = fetch_key_records(dns, names);
// auto keys = co_await std::move(op);`).
boost::asio::awaitable<std::map<std::string, net::TxtResult>> fetch_key_records(net::DnsSource& dns,
                                                                                 const std::vector<std::string>& names);

class Verifier {
 public:
  explicit Verifier(Limits limits = {}) : core_(limits) {}

  // The whole message, headers and body, in any chunking, as it arrives.
  void feed(std::string_view chunk) { core_.feed(chunk); }
  // After the last chunk: fetches the keys and verifies; one result per DKIM-Signature field,
  // in header order. No signature: an empty vector. Call once.
  boost::asio::awaitable<std::vector<SignatureResult>> finish(net::DnsSource& dns, std::time_t now);
  // Body hashes computed for this message (known once the header section is complete).
  std::size_t body_hashes() const { return core_.body_hashes(); }

 private:
  VerificationCore core_;
};

}  // namespace portcullis::checks::dkim
