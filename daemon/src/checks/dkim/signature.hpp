// A DKIM-Signature header field (RFC 6376 3.5, RFC 8463): its tags parsed and every check that
// needs nothing but the field itself (6.1.1): v=1, required tags present, a known algorithm and
// canonicalisation, q= offering dns/txt, well-formed d= and s=, i= within d=, From in h=, sane
// numbers in l=, t= and x= (x= after t=). Checks against the clock are the Verifier's.
// Untrusted input (fuzzed): never throws, bounded by the tag parser's limits and max_headers.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/types.hpp"

namespace portcullis::checks::dkim {

struct Signature {
  Algorithm algorithm = Algorithm::rsa_sha256;
  std::string algorithm_text;      // a= as written (for reports, even when unknown)
  Canon header_canon = Canon::simple;
  Canon body_canon = Canon::simple;
  std::string domain;              // d= as written
  std::string selector;            // s=
  std::string identity;            // i= decoded (dkim-quoted-printable), or "@" + d= when absent
  bool identity_given = false;
  std::vector<std::string> headers;    // h=, names as written
  std::string body_hash;               // bh= decoded
  std::string signature;               // b= decoded
  std::string b_text;                  // b= as written without whitespace (base64)
  std::optional<std::uint64_t> body_length;  // l= (saturated at UINT64_MAX)
  std::optional<std::int64_t> timestamp;     // t=
  std::optional<std::int64_t> expiration;    // x=
  // The b= value in the field's value (the text given to parse_signature): [begin, end) is
  // what the header hash leaves out (RFC 6376 3.7: the value and its surrounding whitespace).
  std::size_t b_value_begin = 0;
  std::size_t b_value_end = 0;

  // Where the key is published: "SELECTOR._domainkey.DOMAIN".
  std::string key_name() const;
};

struct SignatureParse {
  Signature sig;      // filled as far as parsing got, so a permerror can still name d=, s=, a=
  std::string error;  // empty when the field is usable: a few words ("From not signed", ...)
  bool ok() const { return error.empty(); }
};

struct SignatureLimits {
  std::size_t max_bytes = 64 * 1024;  // of the field value
  std::size_t max_headers = 512;      // names in h=
};

// `value` is the field's value as in the message (everything after the colon, folding kept).
SignatureParse parse_signature(std::string_view value, SignatureLimits limits = {});

// RFC 6376 2.11 dkim-quoted-printable: "=XX" escapes decoded, whitespace dropped. nullopt on a
// malformed escape or an octet outside VALCHAR.
std::optional<std::string> decode_dkim_qp(std::string_view text);
// The reverse, for signers: octets outside VALCHAR, ";" and "=" written as "=XX".
std::string encode_dkim_qp(std::string_view text);

}  // namespace portcullis::checks::dkim
