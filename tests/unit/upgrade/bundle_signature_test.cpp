// Ed25519 release keys and signatures, and the SHA-256 helpers.
#include "bundle/signature.hpp"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <memory>

#include "bundle/digest.hpp"
#include "bundle/error.hpp"
#include "bundle_test_util.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;

using bundletest::read_file;
using bundletest::TempDir;
using bundletest::write_file;

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};

// PEM of another key type (made here with OpenSSL), public or private, optionally encrypted.
std::string other_key_pem(const char* type, bool private_key, const char* passphrase = nullptr) {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      std::string_view(type) == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048))
      : std::string_view(type) == "EC" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                       : EVP_PKEY_Q_keygen(nullptr, nullptr, type));
  EXPECT_TRUE(key) << type;
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  if (!private_key)
    PEM_write_bio_PUBKEY(bio.get(), key.get());
  else if (passphrase)
    PEM_write_bio_PKCS8PrivateKey(bio.get(), key.get(), EVP_aes_256_cbc(), passphrase,
                                  static_cast<int>(std::strlen(passphrase)), nullptr, nullptr);
  else
    PEM_write_bio_PrivateKey(bio.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

class BundleSignature : public ::testing::Test {
 protected:
  void SetUp() override { generate_key(dir / "release.key", dir / "release.pub"); }
  TempDir dir;
};

TEST_F(BundleSignature, GeneratedKeysHaveSafeModesAndAreNeverOverwritten) {
  EXPECT_EQ(mode_of(dir / "release.key"), 0600u);
  EXPECT_EQ(mode_of(dir / "release.pub"), 0644u);
  EXPECT_NE(read_file(dir / "release.key").find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
  EXPECT_NE(read_file(dir / "release.pub").find("-----BEGIN PUBLIC KEY-----"), std::string::npos);
  const std::string before = read_file(dir / "release.key");
  EXPECT_THROW(generate_key(dir / "release.key", dir / "other.pub"), BundleError);
  EXPECT_THROW(generate_key(dir / "other.key", dir / "release.pub"), BundleError);
  EXPECT_EQ(read_file(dir / "release.key"), before);
  EXPECT_FALSE(fs::exists(dir / "other.key"));
  EXPECT_FALSE(fs::exists(dir / "other.pub"));
  // No temporary files left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 2);
}

TEST_F(BundleSignature, SignsAndVerifies) {
  const std::string pub = read_file(dir / "release.pub");
  const std::string sig = sign(dir / "release.key", "manifest text");
  ASSERT_EQ(sig.size(), 64u);
  EXPECT_EQ(sign(dir / "release.key", "manifest text"), sig);  // Ed25519 is deterministic
  EXPECT_TRUE(verify(pub, "manifest text", sig));
  EXPECT_FALSE(verify(pub, "manifest text ", sig));
  EXPECT_FALSE(verify(pub, "", sig));
  std::string flipped = sig;
  flipped[10] = static_cast<char>(flipped[10] ^ 1);
  EXPECT_FALSE(verify(pub, "manifest text", flipped));
  EXPECT_TRUE(verify(pub, "", sign(dir / "release.key", "")));
}

TEST_F(BundleSignature, WrongKeyAndMalformedInputAreFalseNotExceptions) {
  generate_key(dir / "other.key", dir / "other.pub");
  const std::string pub = read_file(dir / "release.pub");
  const std::string sig = sign(dir / "release.key", "data");
  EXPECT_FALSE(verify(read_file(dir / "other.pub"), "data", sig));
  EXPECT_FALSE(verify(pub, "data", sig.substr(0, 63)));
  EXPECT_FALSE(verify(pub, "data", sig + "x"));
  EXPECT_FALSE(verify(pub, "data", ""));
  EXPECT_FALSE(verify("", "data", sig));
  EXPECT_FALSE(verify("not a key", "data", sig));
  EXPECT_FALSE(verify(pub.substr(0, pub.size() / 2), "data", sig));
  EXPECT_FALSE(verify(read_file(dir / "release.key"), "data", sig));  // a private key is not a public key
  EXPECT_FALSE(verify(std::string(1 << 20, 'A'), "data", sig));
}

TEST_F(BundleSignature, RefusesKeysOfOtherTypes) {
  for (const char* type : {"RSA", "EC", "ED448"}) {
    const std::string pub = other_key_pem(type, false);
    EXPECT_FALSE(verify(pub, "data", std::string(64, '\0'))) << type;
    EXPECT_THROW(key_id(pub), BundleError) << type;
    write_file(dir / "other.key", other_key_pem(type, true));
    EXPECT_THROW(sign(dir / "other.key", "data"), BundleError) << type;
  }
}

TEST_F(BundleSignature, RefusesEncryptedPrivateKeysWithoutPrompting) {
  write_file(dir / "enc.key", other_key_pem("ED25519", true, "secret passphrase"));
  EXPECT_NE(read_file(dir / "enc.key").find("ENCRYPTED"), std::string::npos);
  EXPECT_THROW(sign(dir / "enc.key", "data"), BundleError);
  EXPECT_THROW(sign(dir / "missing.key", "data"), BundleError);
}

TEST_F(BundleSignature, KeyIdIsSixteenHexOfTheRawKey) {
  const std::string id = key_id(read_file(dir / "release.pub"));
  EXPECT_EQ(id.size(), 16u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(key_id(read_file(dir / "release.pub")), id);
  generate_key(dir / "other.key", dir / "other.pub");
  EXPECT_NE(key_id(read_file(dir / "other.pub")), id);
  EXPECT_THROW(key_id("garbage"), BundleError);
}

TEST(BundleDigest, KnownVectorsIncrementalAndFiles) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  std::string big;
  for (int i = 0; i < 200000; ++i) big += static_cast<char>(i * 7);
  Sha256 h;
  for (std::size_t i = 0; i < big.size(); i += 4099) h.update(std::string_view(big).substr(i, 4099));
  const std::string digest = h.finish();
  EXPECT_EQ(digest, sha256_hex(big));
  EXPECT_THROW(h.finish(), BundleError);
  EXPECT_THROW(h.update("x"), BundleError);
  TempDir dir;
  write_file(dir / "big", big);
  EXPECT_EQ(sha256_file_hex(dir / "big"), digest);
  EXPECT_THROW(sha256_file_hex(dir / "missing"), BundleError);
  EXPECT_EQ(to_hex(std::string("\x00\xff\x10", 3)), "00ff10");
}

}  // namespace
}  // namespace portcullis::upgrade
