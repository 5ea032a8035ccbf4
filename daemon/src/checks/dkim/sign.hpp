// DKIM signing of outbound mail (RFC 6376 5, RFC 8463, RFC 8301) and DKIM key generation.
//
// A SigningKey is a private key (RSA of at least 1024 bits, 2048 recommended, or Ed25519)
// with the domain (d=) and selector (s=) it is published under. A Signer signs one message
// with one or more keys (several: dual signing, e.g. RSA + Ed25519), as it is read: feed() the
// whole message in chunks, then finish() gives the DKIM-Signature fields to prepend. RSA keys
// sign with rsa-sha256, Ed25519 keys with ed25519-sha256; rsa-sha1 is never used.
//
// The header fields signed: every instance present of From and of the names in
// SignOptions::headers and SignOptions::oversign, then each over-signed name once more,
// present or not ("over-signing": a copy of From, To, Subject, Date... added on the way, or
// one added where there was none, then breaks the signature, since a verifier selects fields
// from the bottom up). relaxed/relaxed by default. No l= unless asked (RFC 6376 8.2).
// Pure code (no Asio, no I/O).
#pragma once
#include <cstdint>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/canon.hpp"
#include "checks/dkim/crypto.hpp"
#include "checks/dkim/message.hpp"
#include "checks/dkim/types.hpp"
#include "mail/headers.hpp"

namespace portcullis::checks::dkim {

struct SigningKey {
  std::string domain;    // d=
  std::string selector;  // s=
  Pkey key;              // the private key
  KeyType type = KeyType::rsa;
  int bits = 0;
};

// Loads a PEM private key (RSA or Ed25519, PKCS#8 or traditional RSA PEM). Throws
// std::runtime_error with a clear message for a bad domain or selector, unreadable or
// encrypted PEM, another key type, or an RSA key shorter than 1024 bits.
SigningKey load_signing_key(std::string domain, std::string selector, std::string_view pem);

// The DNS TXT record to publish at SELECTOR._domainkey.DOMAIN for the key:
// "v=DKIM1; k=rsa; p=..." as one string (splitting it into 255-octet strings for a zone file
// is the caller's job).
std::string dns_txt_record(const SigningKey& key);

// RFC 6376 5.4.1's recommendations, in the order written into h=.
std::vector<std::string> default_signed_headers();
// From, To, Cc, Subject, Date, Reply-To, Sender, Message-ID, In-Reply-To, References,
// MIME-Version, Content-Type, Content-Transfer-Encoding.
std::vector<std::string> default_oversigned_headers();

struct SignOptions {
  Canon header_canon = Canon::relaxed;
  Canon body_canon = Canon::relaxed;
  std::vector<std::string> headers = default_signed_headers();     // each instance present
  std::vector<std::string> oversign = default_oversigned_headers();  // also once more each
  std::string identity;           // i= (must be within d=); empty: no i=
  bool timestamp = true;          // t= (the time given to finish())
  std::int64_t expire_after = 0;  // x= = t + expire_after, when > 0
  bool body_length = false;       // l= with the body's canonical length (discouraged)
  mail::HeaderLimits limits;      // of the header section
};

class Signer {
 public:
  // The keys must outlive the Signer. Throws std::invalid_argument if there is none, one is
  // null, a header field name is malformed, or the identity is not within a key's domain.
  explicit Signer(std::vector<const SigningKey*> keys, SignOptions options = {});
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  void feed(std::string_view chunk);  // the whole message, in any chunking
  // The DKIM-Signature fields to prepend, each "DKIM-Signature: ...\r\n" folded to lines of
  // at most 78 octets (long tokens aside). Empty if the message cannot be signed (a header
  // section beyond the limits, or no From field): error() says why.
  std::string finish(std::time_t now);
  const std::string& error() const { return error_; }

 private:
  std::vector<const SigningKey*> keys_;
  SignOptions options_;
  MessageSplitter splitter_;
  BodyHasher body_;
  std::string error_;
  bool finished_ = false;
};

struct GeneratedKey {
  std::string private_pem;  // PKCS#8 PEM
  std::string dns_txt;      // "v=DKIM1; k=rsa; p=..." (k=ed25519 for Ed25519)
};
// RSA 2048 by default, Ed25519 if asked. Throws std::runtime_error if OpenSSL fails.
GeneratedKey generate_key(bool ed25519 = false);

}  // namespace portcullis::checks::dkim
