// tls/x509: keys, self-signed certificates, requests, descriptions, key matching, chain
// verification against a private CA made here, and RFC 6125 name matching.
#include <gtest/gtest.h>
#include <openssl/pem.h>

#include <ctime>
#include <string>
#include <vector>

#include "tls/x509.hpp"

namespace portcullis::tls {
namespace {

// A CA and a leaf signed by it, built with OpenSSL directly (independent of self_signed_pem).
struct MiniCa {
  Pkey ca_key = generate_key(KeyType::ec_p256);
  X509Ptr ca{X509_new()};

  MiniCa() {
    X509_set_version(ca.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(ca.get()), 1);
    X509_gmtime_adj(X509_getm_notBefore(ca.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(ca.get()), 86400);
    X509_set_pubkey(ca.get(), ca_key.get());
    X509_NAME* n = X509_get_subject_name(ca.get());
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("Mini CA"), -1, -1, 0);
    X509_set_issuer_name(ca.get(), n);
    ext(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    ext(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign");
    X509_sign(ca.get(), ca_key.get(), EVP_sha256());
  }
  static void ext(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* e = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(cert, e, -1);
    X509_EXTENSION_free(e);
  }
  std::string leaf(EVP_PKEY* key, const char* san, long valid_seconds = 86400) const {
    X509Ptr c(X509_new());
    X509_set_version(c.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c.get()), 2);
    X509_gmtime_adj(X509_getm_notBefore(c.get()), -60);
    X509_gmtime_adj(X509_getm_notAfter(c.get()), valid_seconds);
    X509_set_pubkey(c.get(), key);
    X509_NAME* n = X509_get_subject_name(c.get());
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("leaf"), -1, -1, 0);
    X509_set_issuer_name(c.get(), X509_get_subject_name(ca.get()));
    ext(c.get(), ca.get(), NID_subject_alt_name, san);
    ext(c.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    X509_sign(c.get(), ca_key.get(), EVP_sha256());
    std::vector<X509Ptr> v;
    v.push_back(std::move(c));
    return chain_to_pem(v);
  }
  std::string ca_pem() const {
    std::vector<X509Ptr> v;
    X509_up_ref(ca.get());
    v.emplace_back(ca.get());
    return chain_to_pem(v);
  }
};

TEST(X509, SelfSignedCertificateDescribesItself) {
  for (const auto type : {KeyType::rsa2048, KeyType::ec_p256, KeyType::ec_p384}) {
    const Pkey key = generate_key(type);
    const std::string pem = self_signed_pem(key.get(), {"mx.example.org", "*.example.org"}, 30);
    const auto chain = chain_from_pem(pem);
    ASSERT_EQ(chain.size(), 1u);
    const CertInfo info = describe(chain.front().get());
    EXPECT_EQ(info.dns_names, (std::vector<std::string>{"mx.example.org", "*.example.org"}));
    EXPECT_NE(info.subject.find("CN = mx.example.org"), std::string::npos) << info.subject;
    EXPECT_TRUE(info.self_signed);
    EXPECT_NEAR(static_cast<double>(info.not_after - std::time(nullptr)), 30 * 86400.0, 600.0);
    EXPECT_EQ(info.sha256.size(), 32u * 3 - 1);
    EXPECT_TRUE(key_matches(chain.front().get(), key.get()));
    EXPECT_EQ(verify_chain(chain, {}, true), "");
    EXPECT_NE(verify_chain(chain, {}, false), "");  // not trusted by the system store
    if (type == KeyType::rsa2048) {
      EXPECT_EQ(info.key, "RSA 2048");
    } else if (type == KeyType::ec_p256) {
      EXPECT_EQ(info.key, "EC prime256v1");
    }
  }
}

TEST(X509, KeyRoundTripAndMismatch) {
  const Pkey a = generate_key(KeyType::ec_p256);
  const Pkey b = generate_key(KeyType::ec_p256);
  const Pkey a2 = key_from_pem(key_to_pem(a.get()));
  const auto cert = chain_from_pem(self_signed_pem(a.get(), {"a.test"}, 1));
  EXPECT_TRUE(key_matches(cert.front().get(), a2.get()));
  EXPECT_FALSE(key_matches(cert.front().get(), b.get()));
}

TEST(X509, BadInputIsAClearError) {
  EXPECT_THROW(key_from_pem("garbage"), std::runtime_error);
  EXPECT_THROW(chain_from_pem("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"), std::runtime_error);
  try {
    chain_from_pem("");
    FAIL();
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "no PEM certificate found");
  }
  const Pkey k = generate_key(KeyType::ec_p256);
  EXPECT_THROW(self_signed_pem(k.get(), {"bad name"}, 1), std::runtime_error);
  EXPECT_THROW(self_signed_pem(k.get(), {}, 1), std::runtime_error);
}

TEST(X509, ChainVerifiesOnlyWithItsCa) {
  MiniCa ca;
  const Pkey key = generate_key(KeyType::ec_p256);
  const auto chain = chain_from_pem(ca.leaf(key.get(), "DNS:mx.example.org"));
  EXPECT_EQ(verify_chain(chain, ca.ca_pem(), false), "");
  EXPECT_NE(verify_chain(chain, {}, false).find("unable to get local issuer certificate"), std::string::npos);
  MiniCa other;
  EXPECT_NE(verify_chain(chain, other.ca_pem(), false), "");
  // An expired leaf is refused before any chain building.
  const auto expired = chain_from_pem(ca.leaf(key.get(), "DNS:mx.example.org", -30));
  EXPECT_EQ(verify_chain(expired, ca.ca_pem(), false), "the certificate has expired");
}

TEST(X509, RequestCarriesNamesAndSubject) {
  const Pkey key = generate_key(KeyType::rsa2048);
  const std::string pem = csr_pem(key.get(), {"mx.example.org", "mail.example.org"}, "Example Ltd", "DE");
  Handle<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  X509Req req(PEM_read_bio_X509_REQ(bio.get(), nullptr, nullptr, nullptr));
  ASSERT_TRUE(req);
  EXPECT_EQ(X509_REQ_verify(req.get(), key.get()), 1);
  char cn[128] = {};
  X509_NAME_get_text_by_NID(X509_REQ_get_subject_name(req.get()), NID_commonName, cn, sizeof cn);
  EXPECT_STREQ(cn, "mx.example.org");
  STACK_OF(X509_EXTENSION)* exts = X509_REQ_get_extensions(req.get());
  ASSERT_NE(exts, nullptr);
  EXPECT_EQ(sk_X509_EXTENSION_num(exts), 1);
  sk_X509_EXTENSION_pop_free(exts, X509_EXTENSION_free);
}

TEST(X509, NameMatchingFollowsRfc6125) {
  const std::vector<std::string> names = {"mx.example.org", "*.mail.example.org"};
  EXPECT_TRUE(name_matches(names, "mx.example.org"));
  EXPECT_TRUE(name_matches(names, "MX.Example.ORG."));
  EXPECT_TRUE(name_matches(names, "a.mail.example.org"));
  EXPECT_FALSE(name_matches(names, "mail.example.org"));      // the wildcard needs a label
  EXPECT_FALSE(name_matches(names, "a.b.mail.example.org"));  // ...exactly one
  EXPECT_FALSE(name_matches(names, "example.org"));
  EXPECT_FALSE(name_matches(names, ""));
  EXPECT_TRUE(valid_dns_name("*.example.org"));
  EXPECT_TRUE(valid_dns_name("localhost"));
  EXPECT_FALSE(valid_dns_name("a..b"));
  EXPECT_FALSE(valid_dns_name("-a.b"));
  EXPECT_FALSE(valid_dns_name("a.*.b"));
  EXPECT_FALSE(valid_dns_name("UPPER.case"));
}

}  // namespace
}  // namespace portcullis::tls
