// Ed25519 release signatures (RFC 8032, pure Ed25519, OpenSSL 3): the release key pair, signing
// manifest.toml, and verifying it against the appliance's trusted release public keys (PEM).
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace portcullis::upgrade {

inline constexpr std::size_t signature_size = 64;

// Writes a new key pair: the private key (PKCS#8 PEM, unencrypted) with mode 0600 and the public
// key (SubjectPublicKeyInfo PEM) with 0644, each atomically. Refuses (BundleError) if either file
// already exists.
void generate_key(const std::filesystem::path& private_pem, const std::filesystem::path& public_pem);

// The 64-octet signature of data. Throws BundleError if the key cannot be read or is not Ed25519
// (encrypted keys are refused, never prompted for).
std::string sign(const std::filesystem::path& private_pem, std::string_view data);

// True only for a well-formed Ed25519 public key and a valid 64-octet signature of data; false for
// anything else (never throws on bad input).
bool verify(std::string_view public_pem_text, std::string_view data, std::string_view signature);

// First 16 hex digits of the SHA-256 of the raw 32-octet public key, to name keys in messages.
// Throws BundleError if the text is not an Ed25519 public key.
std::string key_id(std::string_view public_pem_text);

}  // namespace portcullis::upgrade
