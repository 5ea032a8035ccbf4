// DANE for SMTP (RFC 7672, RFC 7671): what one MX host's TLSA records demand of a connection,
// and the OpenSSL side of authenticating the peer by them. The lookups themselves (and the
// DNSSEC conditions under which they count) are the queue's (queue/dane.hpp).
#pragma once
#include <openssl/ssl.h>

#include <cstdint>
#include <string>
#include <vector>

namespace portcullis::tls {

struct Tlsa {
  std::uint8_t usage = 0;     // 2 DANE-TA, 3 DANE-EE (0 and 1, PKIX-*, are unusable in SMTP)
  std::uint8_t selector = 0;  // 0 whole certificate, 1 SubjectPublicKeyInfo
  std::uint8_t mtype = 0;     // 0 exact, 1 SHA-256, 2 SHA-512
  std::vector<unsigned char> data;
};

// RFC 7672 3.1: DANE-TA(2) or DANE-EE(3), a known selector and matching type, and data of the
// digest's length (exact matches: not empty).
bool dane_usable(const Tlsa& record);

// "3 1 1 8cb0…" (the data cut after 8 bytes), for logs.
std::string describe(const Tlsa& record);

// The demand of one host, decided from a DNSSEC-validated TLSA lookup.
struct DaneHost {
  enum class State {
    authenticate,  // usable records: TLS, and the certificate must match one of them
    encrypt,       // records, none usable: TLS is still mandatory, unauthenticated (RFC 7672 2.2)
    unusable,      // the lookup failed although the host's address is signed: do not use it
  };
  State state = State::authenticate;
  std::vector<Tlsa> records;  // the usable ones
  std::string why;            // for unusable: the reason, for logs and the deferral text
};

// Makes `ssl` (a client, before its handshake) authenticate the peer by `records` with
// `host` as the TLSA base domain and reference identifier (DANE-TA; DANE-EE ignores names).
// The handshake fails when nothing matches. Returns how many records OpenSSL accepted (0: none
// usable after all — the caller falls back to unauthenticated, mandatory TLS). The SSL_CTX
// must have had SSL_CTX_dane_enable (make_client_context does it).
int enable_dane(SSL* ssl, const std::string& host, const std::vector<Tlsa>& records);

// After a successful handshake: "DANE-EE" or "DANE-TA" (what matched), or "" without DANE.
std::string dane_match(SSL* ssl);

}  // namespace portcullis::tls
