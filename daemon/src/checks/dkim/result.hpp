// What DKIM verification reports (one SignatureResult per DKIM-Signature field, RFC 8601
// result names) and the limits it works within. Pure definitions, shared by the Verifier
// (verify.hpp), its Asio-free core (verify_core.hpp) and, later, ARC and DMARC.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace portcullis::checks::dkim {

enum class Result { none, pass, fail, neutral, policy, temperror, permerror };  // RFC 8601 names
std::string_view to_string(Result result);

struct SignatureResult {
  Result result = Result::none;
  std::string domain;     // d=
  std::string selector;   // s=
  std::string identity;   // i= (decoded), or "@" + d= when absent
  std::string algorithm;  // a= as written
  bool trusted = false;   // pass with an algorithm still considered safe (not rsa-sha1)
  std::string b_prefix;   // the first 8 characters of b=, for header.b (RFC 6008)
  std::string problem;    // why it is not a plain pass, in a few words; empty otherwise
  // l= is present and shorter than the canonical body: the rest of the body is not signed
  // (unsigned_body_octets of it). A pass vouches for the first l= octets only.
  bool body_length_limited = false;
  std::uint64_t unsigned_body_octets = 0;
  bool testing = false;  // the key record says t=y (the signer is testing DKIM)
  int key_bits = 0;      // RSA modulus size, 256 for Ed25519; 0 when no key was loaded
};

struct Limits {
  std::size_t max_signatures = 8;  // verified; further ones are reported as neutral
  std::size_t max_header_bytes = 256 * 1024;
  std::size_t max_header_fields = 1000;
  int min_rsa_bits = 1024;           // RFC 8301: shorter keys MUST NOT be accepted
  std::int64_t max_clock_skew = 3600;  // t= may be this far in the future (seconds)
};

}  // namespace portcullis::checks::dkim
