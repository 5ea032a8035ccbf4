// Certificates and keys as the CLI and the TLS contexts need them: parse PEM, describe,
// check that a key matches, verify a chain, generate keys, self-signed certificates and
// certificate signing requests. OpenSSL 3 underneath; every function throws
// std::runtime_error with a sentence an admin can act on.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tls/ossl.hpp"

namespace portcullis::tls {

enum class KeyType { rsa2048, rsa4096, ec_p256, ec_p384 };
// "rsa" (2048), "rsa4096", "ec" (P-256), "ec384"; false if unknown.
bool parse_key_type(std::string_view text, KeyType& out);

struct CertInfo {
  std::string subject;                 // one line, e.g. "CN=mx.example.org, O=Example"
  std::string issuer;
  std::vector<std::string> dns_names;  // subjectAltName DNS entries (or the CN if none)
  int64_t not_before = 0;              // unix seconds
  int64_t not_after = 0;
  std::string key;                     // "RSA 2048", "EC P-256", ...
  std::string sha256;                  // fingerprint, hex pairs with ':'
  bool self_signed = false;
};

Pkey generate_key(KeyType type);
std::string key_to_pem(EVP_PKEY* key);  // PKCS#8, unencrypted
Pkey key_from_pem(const std::string& pem);
// The certificates in a PEM text, leaf first; throws if there is none.
std::vector<X509Ptr> chain_from_pem(const std::string& pem);
std::string chain_to_pem(const std::vector<X509Ptr>& chain);
CertInfo describe(X509* cert);
bool key_matches(X509* cert, EVP_PKEY* key);
// Verifies the leaf, with the rest of the chain as intermediates, for TLS server use, against
// the system's trust store plus `extra_ca_pem` (a private CA; may be empty). A self-signed
// leaf is accepted when `allow_self_signed`. Returns "" or what is wrong.
std::string verify_chain(const std::vector<X509Ptr>& chain, const std::string& extra_ca_pem, bool allow_self_signed);
// A self-signed server certificate for `dns_names` (the first is the CN), valid `days`.
std::string self_signed_pem(EVP_PKEY* key, const std::vector<std::string>& dns_names, int days);
// A PKCS#10 request for `dns_names` (subjectAltName), CN = the first; O and C when given.
std::string csr_pem(EVP_PKEY* key, const std::vector<std::string>& dns_names, const std::string& organisation,
                    const std::string& country);
// True for a host name usable in a certificate ("mx.example.org", "*.example.org").
bool valid_dns_name(std::string_view name);
// RFC 6125 matching of a host name against certificate names (one leftmost wildcard label).
bool name_matches(const std::vector<std::string>& dns_names, std::string_view host);

}  // namespace portcullis::tls
