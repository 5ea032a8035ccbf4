// tls/server_context: the ticket key ring and building a context set (the handshakes
// themselves are tested end to end in tests/integration/test_tls.py).
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <cstring>

#include "tls/server_context.hpp"

namespace portcullis::tls {
namespace {

StoredCertificate make(const std::string& name, const std::string& host) {
  const Pkey key = generate_key(KeyType::ec_p256);
  StoredCertificate c;
  c.name = name;
  c.chain_pem = self_signed_pem(key.get(), {host}, 10);
  c.key_pem = key_to_pem(key.get());
  c.info = describe(chain_from_pem(c.chain_pem).front().get());
  return c;
}

TEST(TicketKeys, NewestEncryptsPreviousStillDecryptsOlderIsGone) {
  TicketKeys keys;
  const auto first = keys.current();
  TicketKeys::Key found{};
  bool newest = false;
  ASSERT_TRUE(keys.find(first.name, found, newest));
  EXPECT_TRUE(newest);
  keys.rotate();
  const auto second = keys.current();
  EXPECT_NE(std::memcmp(first.name, second.name, sizeof first.name), 0);
  ASSERT_TRUE(keys.find(first.name, found, newest));
  EXPECT_FALSE(newest);
  EXPECT_EQ(std::memcmp(found.aes, first.aes, sizeof first.aes), 0);
  keys.rotate();
  EXPECT_FALSE(keys.find(first.name, found, newest));
  EXPECT_TRUE(keys.find(second.name, found, newest));
}

TEST(ServerContexts, DefaultFirstAndTheProfileIsSet) {
  auto keys = std::make_shared<TicketKeys>();
  const std::vector<StoredCertificate> certs = {make("a", "a.test"), make("b", "b.test")};
  ServerContexts set(certs, "b", keys);
  EXPECT_EQ(set.default_name(), "b");
  EXPECT_EQ(set.names(), (std::vector<std::string>{"b", "a"}));
  SSL_CTX* ctx = set.context().native_handle();
  EXPECT_EQ(SSL_CTX_get_min_proto_version(ctx), TLS1_2_VERSION);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_COMPRESSION);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_NO_RENEGOTIATION);
  EXPECT_TRUE(SSL_CTX_get_options(ctx) & SSL_OP_CIPHER_SERVER_PREFERENCE);
  // Every TLS 1.2 cipher offered is ECDHE with an AEAD.
  SSL* ssl = SSL_new(ctx);
  STACK_OF(SSL_CIPHER)* ciphers = SSL_get_ciphers(ssl);
  for (int i = 0; i < sk_SSL_CIPHER_num(ciphers); ++i) {
    const SSL_CIPHER* c = sk_SSL_CIPHER_value(ciphers, i);
    const std::string name = SSL_CIPHER_get_name(c);
    if (name.rfind("TLS_", 0) == 0) continue;  // TLS 1.3 suites
    EXPECT_EQ(name.rfind("ECDHE-", 0), 0u) << name;
    EXPECT_TRUE(name.find("GCM") != std::string::npos || name.find("CHACHA20") != std::string::npos) << name;
  }
  SSL_free(ssl);
  EXPECT_THROW(ServerContexts(certs, "missing", keys), std::runtime_error);
}

}  // namespace
}  // namespace portcullis::tls
