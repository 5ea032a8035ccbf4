#include "tls/server_context.hpp"

#include <openssl/core_names.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include <cstring>
#include <stdexcept>

namespace portcullis::tls {

namespace asio = boost::asio;

namespace {

// Mozilla "intermediate" (v5.7) without the DHE suites: ECDHE only, strongest first (the
// server's order is used: every suite is strong, but a client's odd preference cannot pick a
// 128-bit one over a 256-bit one).
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:"
    "ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256";
constexpr const char* tls13_suites = "TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
constexpr const char* groups = "X25519:P-256:P-384";
constexpr unsigned char session_id_context[] = "portcullis-smtp";

int keys_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

int on_ticket(SSL* ssl, unsigned char key_name[16], unsigned char* iv, EVP_CIPHER_CTX* cipher, EVP_MAC_CTX* mac,
              int encrypt) {
  const auto* keys = static_cast<const TicketKeys*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_index()));
  if (keys == nullptr) return -1;
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
  TicketKeys::Key k{};
  int result = 1;
  if (encrypt) {
    k = keys->current();
    std::memcpy(key_name, k.name, sizeof k.name);
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    if (EVP_EncryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, k.aes, iv) != 1) return -1;
  } else {
    bool newest = false;
    if (!keys->find(key_name, k, newest)) return 0;  // unknown or expired: full handshake
    if (EVP_DecryptInit_ex(cipher, EVP_aes_256_cbc(), nullptr, k.aes, iv) != 1) return -1;
    result = newest ? 1 : 2;  // 2: accept, and issue a ticket under the current key
  }
  if (EVP_MAC_init(mac, k.hmac, sizeof k.hmac, params) != 1) return -1;
  return result;
}

void check(int rc, const std::string& what) {
  if (rc != 1) throw_openssl(what);
}

std::unique_ptr<asio::ssl::context> make_context(const StoredCertificate& cert, TicketKeys* keys) {
  auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* c = ctx->native_handle();
  check(SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION), "TLS versions");
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
  check(SSL_CTX_set_cipher_list(c, tls12_ciphers), "TLS 1.2 ciphers");
  check(SSL_CTX_set_ciphersuites(c, tls13_suites), "TLS 1.3 suites");
  check(SSL_CTX_set1_groups_list(c, groups), "key exchange groups");
  SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_SERVER);
  check(SSL_CTX_set_session_id_context(c, session_id_context, sizeof session_id_context - 1), "session id context");
  SSL_CTX_set_num_tickets(c, 1);
  SSL_CTX_set_ex_data(c, keys_index(), keys);
  check(SSL_CTX_set_tlsext_ticket_key_evp_cb(c, on_ticket), "session ticket keys");
  boost::system::error_code ec;
  ctx->use_certificate_chain(asio::buffer(cert.chain_pem), ec);
  if (!ec) ctx->use_private_key(asio::buffer(cert.key_pem), asio::ssl::context::pem, ec);
  if (ec) throw std::runtime_error("certificate '" + cert.name + "': " + ec.message());
  check(SSL_CTX_check_private_key(c), "certificate '" + cert.name + "': key");
  return ctx;
}

}  // namespace

TicketKeys::TicketKeys() { rotate(); }

void TicketKeys::rotate() {
  Key k{};
  if (RAND_bytes(k.name, sizeof k.name) != 1 || RAND_bytes(k.aes, sizeof k.aes) != 1 ||
      RAND_bytes(k.hmac, sizeof k.hmac) != 1)
    throw_openssl("session ticket key");
  std::lock_guard lock(mutex_);
  keys_.insert(keys_.begin(), k);
  if (keys_.size() > 2) keys_.resize(2);
}

TicketKeys::Key TicketKeys::current() const {
  std::lock_guard lock(mutex_);
  return keys_.front();
}

bool TicketKeys::find(const unsigned char* name, Key& out, bool& newest) const {
  std::lock_guard lock(mutex_);
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    if (std::memcmp(keys_[i].name, name, sizeof keys_[i].name) == 0) {
      out = keys_[i];
      newest = i == 0;
      return true;
    }
  }
  return false;
}

TlsInfo describe_session(SSL* ssl) {
  TlsInfo info;
  if (ssl == nullptr) return info;
  info.protocol = SSL_get_version(ssl);
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl)) {
    info.cipher = SSL_CIPHER_get_name(c);
    info.bits = SSL_CIPHER_get_bits(c, nullptr);
  }
  if (const char* sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name)) info.sni = sni;
  return info;
}

ServerContexts::ServerContexts(const std::vector<StoredCertificate>& certs, const std::string& default_name,
                               std::shared_ptr<TicketKeys> keys)
    : keys_(std::move(keys)) {
  if (!keys_) throw std::invalid_argument("ServerContexts: no ticket keys");
  const StoredCertificate* first = nullptr;
  for (const auto& c : certs)
    if (c.name == default_name) first = &c;
  if (first == nullptr) throw std::runtime_error("certificate '" + default_name + "' is not loaded");
  entries_.push_back(Entry{first->name, first->info.dns_names, make_context(*first, keys_.get())});
  for (const auto& c : certs)
    if (&c != first) entries_.push_back(Entry{c.name, c.info.dns_names, make_context(c, keys_.get())});
  SSL_CTX* def = entries_.front().ctx->native_handle();
  // (the macro for this casts in C style)
  SSL_CTX_callback_ctrl(def, SSL_CTRL_SET_TLSEXT_SERVERNAME_CB, reinterpret_cast<void (*)()>(on_server_name));
  SSL_CTX_set_tlsext_servername_arg(def, this);
}

std::vector<std::string> ServerContexts::names() const {
  std::vector<std::string> out;
  for (const auto& e : entries_) out.push_back(e.name);
  return out;
}

int ServerContexts::on_server_name(SSL* ssl, int*, void* self) {
  const auto* contexts = static_cast<const ServerContexts*>(self);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name == nullptr) return SSL_TLSEXT_ERR_NOACK;
  // The default first: a name it covers never switches.
  for (const auto& e : contexts->entries_) {
    if (!name_matches(e.dns_names, name)) continue;
    if (&e != &contexts->entries_.front()) SSL_set_SSL_CTX(ssl, e.ctx->native_handle());
    return SSL_TLSEXT_ERR_OK;
  }
  return SSL_TLSEXT_ERR_OK;  // unknown name: the default certificate
}

}  // namespace portcullis::tls
