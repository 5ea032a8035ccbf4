// checks/dkim/types.hpp: names of algorithms, hashes, key types and canonicalisations.
#include "checks/dkim/types.hpp"

#include "checks/dkim/text.hpp"

namespace portcullis::checks::dkim {

HashAlg hash_of(Algorithm a) { return a == Algorithm::rsa_sha1 ? HashAlg::sha1 : HashAlg::sha256; }

KeyType key_type_of(Algorithm a) { return a == Algorithm::ed25519_sha256 ? KeyType::ed25519 : KeyType::rsa; }

std::string_view to_string(HashAlg h) { return h == HashAlg::sha1 ? "sha1" : "sha256"; }

std::string_view to_string(KeyType k) { return k == KeyType::rsa ? "rsa" : "ed25519"; }

std::string_view to_string(Algorithm a) {
  switch (a) {
    case Algorithm::rsa_sha1: return "rsa-sha1";
    case Algorithm::rsa_sha256: return "rsa-sha256";
    case Algorithm::ed25519_sha256: return "ed25519-sha256";
  }
  return "?";
}

std::string_view to_string(Canon c) { return c == Canon::simple ? "simple" : "relaxed"; }

std::optional<Algorithm> parse_algorithm(std::string_view text) {
  if (iequals(text, "rsa-sha256")) return Algorithm::rsa_sha256;
  if (iequals(text, "ed25519-sha256")) return Algorithm::ed25519_sha256;
  if (iequals(text, "rsa-sha1")) return Algorithm::rsa_sha1;
  return std::nullopt;
}

std::optional<Canon> parse_canon(std::string_view text) {
  if (iequals(text, "simple")) return Canon::simple;
  if (iequals(text, "relaxed")) return Canon::relaxed;
  return std::nullopt;
}

std::optional<HashAlg> parse_hash(std::string_view text) {
  if (iequals(text, "sha256")) return HashAlg::sha256;
  if (iequals(text, "sha1")) return HashAlg::sha1;
  return std::nullopt;
}

std::optional<KeyType> parse_key_type(std::string_view text) {
  if (iequals(text, "rsa")) return KeyType::rsa;
  if (iequals(text, "ed25519")) return KeyType::ed25519;
  return std::nullopt;
}

}  // namespace portcullis::checks::dkim
