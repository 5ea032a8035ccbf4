// The vocabulary of DKIM (RFC 6376, RFC 8463) shared by its parsers, canonicalisation, crypto,
// the Verifier and the Signer, and by ARC (RFC 8617), which reuses all of them: signing
// algorithms, hash and key types, canonicalisation names. Pure definitions, no I/O.
#pragma once
#include <optional>
#include <string_view>

namespace portcullis::checks::dkim {

enum class HashAlg { sha1, sha256 };
enum class KeyType { rsa, ed25519 };
// rsa-sha1 is verified (RFC 8301 forbids signing with it) but never trusted.
enum class Algorithm { rsa_sha1, rsa_sha256, ed25519_sha256 };
enum class Canon { simple, relaxed };

HashAlg hash_of(Algorithm a);
KeyType key_type_of(Algorithm a);

std::string_view to_string(HashAlg h);     // "sha1", "sha256"
std::string_view to_string(KeyType k);     // "rsa", "ed25519"
std::string_view to_string(Algorithm a);   // "rsa-sha256"...
std::string_view to_string(Canon c);       // "simple", "relaxed"

// Case-insensitive (ABNF literals are): "rsa-sha256" -> rsa_sha256; anything else nullopt.
std::optional<Algorithm> parse_algorithm(std::string_view text);
std::optional<Canon> parse_canon(std::string_view text);
std::optional<HashAlg> parse_hash(std::string_view text);
std::optional<KeyType> parse_key_type(std::string_view text);

}  // namespace portcullis::checks::dkim
