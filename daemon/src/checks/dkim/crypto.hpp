// The cryptography of DKIM and ARC, on OpenSSL 3 EVP only: digests (streaming, for body
// hashes), public keys from key records, private keys from PEM, signing and verifying the
// header hash (RSASSA-PKCS1-v1_5 with SHA-1/SHA-256, and Ed25519 over the SHA-256 digest as
// RFC 8463 3 defines it), and key generation. Every OpenSSL object is held by an RAII handle.
// No I/O, no Asio; the functions taking key data from the network never throw.
#pragma once
#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "checks/dkim/types.hpp"

namespace portcullis::checks::dkim {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// A running SHA-1 / SHA-256 digest.
class Digest {
 public:
  explicit Digest(HashAlg alg);
  void update(std::string_view data);
  std::string final();  // the raw digest; the object is then spent
 private:
  MdCtx ctx_;
};

std::string digest(HashAlg alg, std::string_view data);

struct PublicKey {
  Pkey key;
  KeyType type = KeyType::rsa;
  int bits = 0;  // RSA modulus size; 256 for Ed25519
};

// From a key record's p= octets: for RSA a DER SubjectPublicKeyInfo (what everyone publishes)
// or a bare PKCS#1 RSAPublicKey (RFC 6376's wording); for Ed25519 the 32 raw octets (RFC 8463).
// nullopt with `error` set if the data is not such a key.
std::optional<PublicKey> load_public_key(KeyType type, std::string_view data, std::string& error);

// Verifies `signature` over `data` (the canonicalised header fields). false on any error.
bool verify_signature(const PublicKey& key, Algorithm alg, std::string_view data, std::string_view signature);

// A private key (RSA or Ed25519) from PEM ("PRIVATE KEY" PKCS#8 or "RSA PRIVATE KEY").
// nullptr with `error` set otherwise.
Pkey load_private_key(std::string_view pem, std::string& error);
std::optional<KeyType> key_type_of(const EVP_PKEY* key);
int key_bits(const EVP_PKEY* key);

// The signature over `data`; empty on failure (with `error`).
std::string sign_data(EVP_PKEY* key, Algorithm alg, std::string_view data, std::string& error);

// New keys: RSA of `rsa_bits` or Ed25519. Throws std::runtime_error if OpenSSL fails.
Pkey generate_private_key(KeyType type, int rsa_bits = 2048);
// The key as PEM PKCS#8 ("-----BEGIN PRIVATE KEY-----"). Throws on failure.
std::string private_key_pem(EVP_PKEY* key);
// The p= value for the key's public half: base64 of the DER SubjectPublicKeyInfo (RSA) or of
// the 32 raw octets (Ed25519). Throws on failure.
std::string public_key_value(EVP_PKEY* key);

}  // namespace portcullis::checks::dkim
