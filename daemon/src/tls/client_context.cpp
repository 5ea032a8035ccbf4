#include "tls/client_context.hpp"

#include <openssl/ssl.h>

#include "tls/ossl.hpp"

namespace portcullis::tls {

std::shared_ptr<boost::asio::ssl::context> make_client_context(const std::filesystem::path& extra_ca_file) {
  auto ctx = std::make_shared<boost::asio::ssl::context>(boost::asio::ssl::context::tls_client);
  SSL_CTX* c = ctx->native_handle();
  if (SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION) != 1) throw_openssl("TLS versions");
  SSL_CTX_set_options(c, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_default_verify_paths(c) != 1) throw_openssl("the system trust store");
  if (!extra_ca_file.empty() && SSL_CTX_load_verify_locations(c, extra_ca_file.c_str(), nullptr) != 1)
    throw_openssl("tls.ca_file " + extra_ca_file.string());
  SSL_CTX_set_verify(c, SSL_VERIFY_NONE, nullptr);
  // DANE (tls/dane.hpp) is switched on per connection; the context only gets the digests.
  if (SSL_CTX_dane_enable(c) <= 0) throw_openssl("DANE");
  return ctx;
}

}  // namespace portcullis::tls
