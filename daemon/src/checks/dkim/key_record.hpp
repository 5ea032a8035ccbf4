// A DKIM key record (RFC 6376 3.6.1, RFC 8463 4): the TXT record at
// SELECTOR._domainkey.DOMAIN, shared with ARC. Tags: v= (optional, first, exactly "DKIM1"),
// h= (acceptable hashes), k= (key type, default rsa), n= (notes), p= (the key; empty: revoked),
// s= (service types: "*" or "email" must be listed), t= (flags y: testing, s: strict i=).
// Unknown tags, unknown h=/s=/t= items are ignored, as RFC 6376 requires.
// Untrusted input (fuzzed): never throws, bounded by the tag parser's limits.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/types.hpp"

namespace portcullis::checks::dkim {

struct KeyRecord {
  KeyType key_type = KeyType::rsa;
  bool sha1_allowed = true;    // h= absent, or lists sha1
  bool sha256_allowed = true;  // h= absent, or lists sha256
  std::string public_key;      // p= decoded: DER (RSA) or the 32 raw octets (Ed25519)
  bool revoked = false;        // p= empty
  bool testing = false;        // t=y
  bool strict = false;         // t=s: the i= domain must be d= itself, no subdomain
  bool allows(HashAlg h) const { return h == HashAlg::sha1 ? sha1_allowed : sha256_allowed; }
};

struct KeyRecordParse {
  KeyRecord key;
  std::string error;  // empty when usable: "unknown key type", "key not for email", ...
  bool ok() const { return error.empty(); }
};

// A revoked key (empty p=) parses fine: `revoked` tells.
KeyRecordParse parse_key_record(std::string_view txt);

// The key record to use from the TXT records at a key name (DKIM and ARC): the one record
// there, or the only usable one among several (RFC 6376 3.6.2.2 leaves several undefined);
// otherwise an error ("no usable key record", "multiple key records").
KeyRecordParse choose_key_record(const std::vector<std::string>& records);

}  // namespace portcullis::checks::dkim
