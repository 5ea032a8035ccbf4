// The TLS server side (OpenSSL 3 through Asio): one immutable set of contexts per loaded
// certificate set, shared by the sessions that use it (a reload builds a new set; sessions
// under way keep theirs). Mozilla's "intermediate" profile: TLS 1.2 and 1.3 only, ECDHE with
// AES-GCM or ChaCha20-Poly1305 in the server's order (strongest first), groups X25519,
// P-256, P-384; no compression, no renegotiation. The certificate is chosen by SNI among all loaded ones, else the default.
// Session tickets are encrypted with keys from a TicketKeys ring that the daemon rotates.
#pragma once
#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tls/cert_store.hpp"

#include <openssl/ssl.h>

namespace portcullis::tls {

// Ticket encryption keys: the newest encrypts, the previous one still decrypts (a client
// presenting it gets a fresh ticket). Rotated by the daemon every tls.ticket_rotation.
class TicketKeys {
 public:
  struct Key {
    unsigned char name[16];
    unsigned char aes[32];
    unsigned char hmac[32];
  };
  TicketKeys();
  void rotate();
  Key current() const;
  // The key named `name`, if still held; `newest` tells whether it is the current one.
  bool find(const unsigned char* name, Key& out, bool& newest) const;

 private:
  mutable std::mutex mutex_;
  std::vector<Key> keys_;  // [0] current, [1] previous
};

struct TlsInfo {
  std::string protocol;  // "TLSv1.3"
  std::string cipher;    // "TLS_AES_256_GCM_SHA384"
  int bits = 0;
  std::string sni;       // server name the client asked for, if any
  // "TLSv1.3 TLS_AES_256_GCM_SHA384", as the logs and the message log record it.
  std::string brief() const { return protocol + " " + cipher; }
};
TlsInfo describe_session(SSL* ssl);

class ServerContexts {
 public:
  // certs[i] must be loaded (CertStore::load); default_name one of them. Throws if a
  // certificate or key is refused by OpenSSL.
  ServerContexts(const std::vector<StoredCertificate>& certs, const std::string& default_name,
                 std::shared_ptr<TicketKeys> keys);
  ServerContexts(const ServerContexts&) = delete;
  ServerContexts& operator=(const ServerContexts&) = delete;

  boost::asio::ssl::context& context() { return *entries_.front().ctx; }
  const std::string& default_name() const { return entries_.front().name; }
  std::vector<std::string> names() const;

 private:
  struct Entry {
    std::string name;
    std::vector<std::string> dns_names;
    std::unique_ptr<boost::asio::ssl::context> ctx;
  };
  static int on_server_name(SSL* ssl, int* alert, void* self);
  std::vector<Entry> entries_;  // [0] the default
  std::shared_ptr<TicketKeys> keys_;
};

}  // namespace portcullis::tls
