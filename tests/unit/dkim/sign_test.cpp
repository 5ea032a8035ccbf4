// The Signer (what it writes, dual signing, what it refuses) and key generation/loading.
#include <gtest/gtest.h>

#include <openssl/pem.h>

#include "checks/dkim/key_record.hpp"
#include "checks/dkim/sign.hpp"
#include "helpers.hpp"

namespace {

namespace dk = portcullis::checks::dkim;
using namespace dkim_test;

constexpr std::time_t kNow = 1700000000;

const std::string kMessage =
    "From: Alice <alice@example.com>\r\n"
    "To: Bob <bob@example.net>\r\n"
    "Subject: Hello\r\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "Message-ID: <hello-1@example.com>\r\n"
    "X-Mailer: test\r\n"
    "\r\n"
    "Hello Bob.\r\n";

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find("\r\n", pos);
    if (end == std::string::npos) {
      out.push_back(text.substr(pos));
      break;
    }
    out.push_back(text.substr(pos, end - pos));
    pos = end + 2;
  }
  return out;
}

TEST(DkimKeys, GenerateRsa) {
  const auto g = dk::generate_key();
  EXPECT_EQ(g.private_pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  EXPECT_EQ(g.dns_txt.rfind("v=DKIM1; k=rsa; p=MIIBIjAN", 0), 0u) << g.dns_txt;  // 2048-bit SPKI
  const auto key = dk::load_signing_key("example.com", "s2048", g.private_pem);
  EXPECT_EQ(key.type, dk::KeyType::rsa);
  EXPECT_EQ(key.bits, 2048);
  EXPECT_EQ(dk::dns_txt_record(key), g.dns_txt);
  const auto record = dk::parse_key_record(g.dns_txt);
  ASSERT_TRUE(record.ok());
  std::string error;
  const auto pub = dk::load_public_key(dk::KeyType::rsa, record.key.public_key, error);
  ASSERT_TRUE(pub) << error;
  EXPECT_EQ(pub->bits, 2048);
}

// Decoded RSA keys are kept (checks/dkim/crypto.cpp): the same octets give the same key again,
// other octets their own, and a bad key is never kept.
TEST(DkimKeys, DecodedRsaKeysAreReusedFaithfully) {
  const auto a = dk::parse_key_record(dk::generate_key().dns_txt);
  const auto b = dk::parse_key_record(dk::generate_key().dns_txt);
  ASSERT_TRUE(a.ok() && b.ok());
  std::string error;
  const auto a1 = dk::load_public_key(dk::KeyType::rsa, a.key.public_key, error);
  const auto a2 = dk::load_public_key(dk::KeyType::rsa, a.key.public_key, error);
  const auto b1 = dk::load_public_key(dk::KeyType::rsa, b.key.public_key, error);
  ASSERT_TRUE(a1 && a2 && b1) << error;
  EXPECT_EQ(a1->key.get(), a2->key.get());  // one decoded key, referenced twice
  EXPECT_EQ(a2->bits, 2048);
  EXPECT_EQ(EVP_PKEY_eq(a1->key.get(), a2->key.get()), 1);
  EXPECT_NE(EVP_PKEY_eq(a1->key.get(), b1->key.get()), 1);
  std::string broken = a.key.public_key;
  broken[broken.size() / 2] = static_cast<char>(broken[broken.size() / 2] ^ 0x5a);
  broken.resize(broken.size() - 3);
  for (int i = 0; i < 2; ++i) EXPECT_FALSE(dk::load_public_key(dk::KeyType::rsa, broken, error));
}

TEST(DkimKeys, GenerateEd25519) {
  const auto g = dk::generate_key(true);
  EXPECT_EQ(g.private_pem.rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
  EXPECT_EQ(g.dns_txt.rfind("v=DKIM1; k=ed25519; p=", 0), 0u);
  EXPECT_EQ(g.dns_txt.size(), std::string("v=DKIM1; k=ed25519; p=").size() + 44);
  const auto key = dk::load_signing_key("example.com", "ed", g.private_pem);
  EXPECT_EQ(key.type, dk::KeyType::ed25519);
  EXPECT_EQ(dk::dns_txt_record(key), g.dns_txt);
  EXPECT_NE(dk::generate_key(true).private_pem, g.private_pem);
}

std::string load_error(const std::string& domain, const std::string& selector, const std::string& pem) {
  try {
    (void)dk::load_signing_key(domain, selector, pem);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(DkimKeys, LoadErrorsAreClear) {
  const auto g = dk::generate_key();
  EXPECT_EQ(load_error("example.com", "sel", "not a key"), "DKIM key for sel._domainkey.example.com: not a PEM private key (no -----BEGIN line)");
  EXPECT_EQ(load_error("bad domain", "sel", g.private_pem), "DKIM key: bad domain 'bad domain'");
  EXPECT_EQ(load_error("example.com", "", g.private_pem), "DKIM key: bad selector ''");
  const std::string short_pem = dk::private_key_pem(rsa_key(512).get());
  EXPECT_EQ(load_error("example.com", "sel", short_pem),
            "DKIM key for sel._domainkey.example.com: RSA key of 512 bits is too short (1024 at least, 2048 recommended)");
  // An EC key is not a DKIM key type.
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  ASSERT_TRUE(ctx);
  ASSERT_EQ(EVP_PKEY_keygen_init(ctx.get()), 1);
  ASSERT_EQ(EVP_PKEY_CTX_set_group_name(ctx.get(), "P-256"), 1);
  EVP_PKEY* ec_raw = nullptr;
  ASSERT_EQ(EVP_PKEY_generate(ctx.get(), &ec_raw), 1);
  dk::Pkey ec(ec_raw);
  EXPECT_EQ(load_error("example.com", "sel", dk::private_key_pem(ec.get())),
            "DKIM key for sel._domainkey.example.com: unsupported key type (RSA or Ed25519 only)");
  // An encrypted key is refused, never prompted for.
  std::unique_ptr<BIO, void (*)(BIO*)> bio(BIO_new(BIO_s_mem()), BIO_free_all);
  auto key = rsa_key(1024);
  const char pass[] = "secret";
  ASSERT_EQ(PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_128_cbc(), pass, 6, nullptr, nullptr), 1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  const std::string encrypted(data, static_cast<std::size_t>(len));
  EXPECT_EQ(load_error("example.com", "sel", encrypted),
            "DKIM key for sel._domainkey.example.com: encrypted private keys are not supported");
  std::string broken = dk::generate_key().private_pem;
  broken[40] = broken[40] == 'A' ? 'B' : 'A';
  broken.erase(60, 10);
  EXPECT_EQ(load_error("example.com", "sel", broken).rfind("DKIM key for sel._domainkey.example.com: not a PEM private key (", 0), 0u);
}

TEST(DkimSigner, WritesAFoldedFieldThatVerifies) {
  const auto key = dk::load_signing_key("example.com", "sel", dk::generate_key().private_pem);
  dk::Signer signer({&key});
  signer.feed(kMessage);
  const std::string field = signer.finish(kNow);
  ASSERT_FALSE(field.empty()) << signer.error();
  EXPECT_EQ(field.rfind("DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel;", 0), 0u) << field;
  ASSERT_EQ(field.substr(field.size() - 2), "\r\n");
  for (const auto& line : lines_of(field.substr(0, field.size() - 2))) {
    EXPECT_LE(line.size(), 78u) << line;
    EXPECT_NE(line.back(), ' ');
  }
  const auto parsed = dk::parse_signature(field.substr(field.find(':') + 1, field.size() - field.find(':') - 3));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.sig.timestamp, kNow);
  EXPECT_FALSE(parsed.sig.expiration);
  EXPECT_FALSE(parsed.sig.body_length);
  // Present fields signed, over-signed ones once more; X-Mailer is not on the list.
  EXPECT_EQ(parsed.sig.headers,
            (std::vector<std::string>{"From", "Subject", "Date", "To", "Message-ID", "From", "To", "Cc", "Subject",
                                      "Date", "Reply-To", "Sender", "Message-ID", "In-Reply-To", "References",
                                      "MIME-Version", "Content-Type", "Content-Transfer-Encoding"}));
  portcullis::net::StaticDns dns;
  dns.add_txt("sel._domainkey.example.com", dk::dns_txt_record(key));
  const auto results = verify(field + kMessage, dns, kNow);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].result, dk::Result::pass) << describe(results[0]);
  EXPECT_TRUE(results[0].trusted);
}

TEST(DkimSigner, DualSigningAndOptions) {
  const auto rsa = dk::load_signing_key("example.com", "rsa", dk::generate_key().private_pem);
  const auto ed = dk::load_signing_key("example.com", "ed", dk::generate_key(true).private_pem);
  dk::SignOptions options;
  options.header_canon = dk::Canon::simple;
  options.identity = "alice=b;c@mail.example.com";  // written dkim-quoted-printable
  options.expire_after = 86400;
  options.body_length = true;
  dk::Signer signer({&rsa, &ed}, options);
  for (const char ch : kMessage) signer.feed(std::string_view(&ch, 1));
  const std::string fields = signer.finish(kNow);
  ASSERT_FALSE(fields.empty()) << signer.error();
  const auto section = portcullis::mail::parse_headers(fields + kMessage);
  const auto sigs = section.all("DKIM-Signature");
  ASSERT_EQ(sigs.size(), 2u);
  const auto a = dk::parse_signature(sigs[0]->raw_value);
  const auto b = dk::parse_signature(sigs[1]->raw_value);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.sig.algorithm, dk::Algorithm::rsa_sha256);
  EXPECT_EQ(b.sig.algorithm, dk::Algorithm::ed25519_sha256);
  EXPECT_EQ(a.sig.body_hash, b.sig.body_hash);
  EXPECT_EQ(a.sig.header_canon, dk::Canon::simple);
  EXPECT_EQ(a.sig.body_canon, dk::Canon::relaxed);
  EXPECT_EQ(a.sig.identity, "alice=b;c@mail.example.com");
  EXPECT_NE(fields.find("i=alice=3Db=3Bc@mail.example.com;"), std::string::npos);
  EXPECT_EQ(a.sig.expiration, kNow + 86400);
  EXPECT_EQ(a.sig.body_length, 12u);  // "Hello Bob.\r\n"
  portcullis::net::StaticDns dns;
  dns.add_txt("rsa._domainkey.example.com", dk::dns_txt_record(rsa));
  dns.add_txt("ed._domainkey.example.com", dk::dns_txt_record(ed));
  const auto results = verify(fields + kMessage, dns, kNow);
  ASSERT_EQ(results.size(), 2u);
  for (const auto& r : results) EXPECT_EQ(r.result, dk::Result::pass) << describe(r);
  EXPECT_EQ(verify(fields + kMessage, dns, kNow + 86401)[0].problem, "signature expired");
}

TEST(DkimSigner, Refusals) {
  const auto key = dk::load_signing_key("example.com", "sel", dk::generate_key(true).private_pem);
  dk::Signer no_from({&key});
  no_from.feed("To: bob@example.net\r\nSubject: x\r\n\r\nbody\r\n");
  EXPECT_EQ(no_from.finish(kNow), "");
  EXPECT_EQ(no_from.error(), "no From field");
  dk::SignOptions small;
  small.limits.max_bytes = 40;
  dk::Signer big({&key}, small);
  big.feed(kMessage);
  EXPECT_EQ(big.finish(kNow), "");
  EXPECT_EQ(big.error(), "header section too large");
  dk::SignOptions foreign;
  foreign.identity = "alice@example.org";
  EXPECT_THROW(dk::Signer({&key}, foreign), std::invalid_argument);
  EXPECT_THROW(dk::Signer({}), std::invalid_argument);
  EXPECT_THROW(dk::Signer({nullptr}), std::invalid_argument);
  dk::SignOptions bad_name;
  bad_name.headers.push_back("X Bad");
  EXPECT_THROW(dk::Signer({&key}, bad_name), std::invalid_argument);
}

// A name only over-signed (not in the signed list) has its present instances signed too.
TEST(DkimSigner, OversignedOnlyNames) {
  const auto key = dk::load_signing_key("example.com", "sel", dk::generate_key(true).private_pem);
  dk::SignOptions options;
  options.headers = {"Subject"};
  options.oversign = {"X-Mailer", "List-Id"};
  dk::Signer signer({&key}, options);
  signer.feed(kMessage);
  const std::string field = signer.finish(kNow);
  const auto parsed = dk::parse_signature(field.substr(field.find(':') + 1, field.size() - field.find(':') - 3));
  ASSERT_TRUE(parsed.ok()) << parsed.error;
  EXPECT_EQ(parsed.sig.headers, (std::vector<std::string>{"From", "Subject", "X-Mailer", "X-Mailer", "List-Id"}));
}

}  // namespace
