// tls/cert_store: the certificate folder — install checks, modes, atomic replacement,
// pending requests, listing with problems, removal, names.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tls/cert_store.hpp"

namespace portcullis::tls {
namespace {

namespace fs = std::filesystem;

class CertStoreTest : public ::testing::Test {
 protected:
  fs::path dir = fs::temp_directory_path() / ("certstore-" + std::to_string(::getpid()) + "-" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
  void TearDown() override { fs::remove_all(dir); }

  static std::pair<std::string, std::string> self_signed(const std::string& host) {
    const Pkey key = generate_key(KeyType::ec_p256);
    return {self_signed_pem(key.get(), {host}, 10), key_to_pem(key.get())};
  }
  static unsigned mode(const fs::path& p) {
    struct stat st {};
    ::stat(p.c_str(), &st);
    return st.st_mode & 07777;
  }
};

TEST_F(CertStoreTest, InstallWritesKeyPrivatelyAndLoads) {
  CertStore store(dir);
  const auto [cert, key] = self_signed("mx.test");
  const CertInfo info = store.install("mx", cert, key, {}, true);
  EXPECT_EQ(info.dns_names, std::vector<std::string>{"mx.test"});
  EXPECT_EQ(mode(store.key_path("mx")), 0640u);
  EXPECT_EQ(mode(store.cert_path("mx")), 0644u);
  const auto loaded = store.load("mx");
  EXPECT_EQ(loaded.info.sha256, info.sha256);
  EXPECT_TRUE(store.exists("mx"));
  EXPECT_FALSE(fs::exists(dir / "mx.key.tmp"));
}

TEST_F(CertStoreTest, RefusesMismatchedKeyAndUnverifiedChain) {
  CertStore store(dir);
  const auto a = self_signed("a.test");
  const auto b = self_signed("b.test");
  EXPECT_THROW(store.install("x", a.first, b.second, {}, true), std::runtime_error);
  EXPECT_THROW(store.install("x", a.first, a.second, {}, false), std::runtime_error);  // self-signed not allowed
  EXPECT_FALSE(store.exists("x"));
  EXPECT_FALSE(fs::exists(store.key_path("x")));
}

TEST_F(CertStoreTest, ReplacingKeepsTheNameAndChangesTheCertificate) {
  CertStore store(dir);
  const auto a = self_signed("mx.test");
  const auto b = self_signed("mx.test");
  const auto first = store.install("mx", a.first, a.second, {}, true);
  const auto second = store.install("mx", b.first, b.second, {}, true);
  EXPECT_NE(first.sha256, second.sha256);
  EXPECT_EQ(store.load("mx").info.sha256, second.sha256);
}

TEST_F(CertStoreTest, PendingRequestThenInstall) {
  CertStore store(dir);
  const Pkey key = generate_key(KeyType::ec_p256);
  store.write_request("mx", key_to_pem(key.get()), csr_pem(key.get(), {"mx.test"}, "", ""));
  ASSERT_TRUE(store.pending_key("mx"));
  const auto entries = store.list();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_TRUE(entries[0].pending);
  EXPECT_FALSE(entries[0].info);
  EXPECT_TRUE(fs::exists(store.csr_path("mx")));
  // The CA's answer (here: a self-signed certificate for the same key) completes it.
  store.install("mx", self_signed_pem(key.get(), {"mx.test"}, 10), *store.pending_key("mx"), {}, true);
  EXPECT_FALSE(store.pending_key("mx"));
  EXPECT_FALSE(fs::exists(store.csr_path("mx")));
  EXPECT_THROW(store.write_request("mx", key_to_pem(key.get()), "x"), std::runtime_error);
}

TEST_F(CertStoreTest, ListShowsBrokenFilesWithTheirProblem) {
  CertStore store(dir);
  const auto a = self_signed("a.test");
  const auto b = self_signed("b.test");
  store.install("a", a.first, a.second, {}, true);
  store.install("b", b.first, b.second, {}, true);
  std::ofstream(store.key_path("b"), std::ios::trunc) << a.second;  // someone copied the wrong key
  const auto entries = store.list();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].problem, "");
  EXPECT_NE(entries[1].problem.find("does not match"), std::string::npos);
  ASSERT_TRUE(entries[1].info);
  EXPECT_THROW(store.load("b"), std::runtime_error);
}

TEST_F(CertStoreTest, NamesAndRemoval) {
  EXPECT_TRUE(CertStore::valid_name("mx-2026.example_1"));
  EXPECT_FALSE(CertStore::valid_name("../etc/passwd"));
  EXPECT_FALSE(CertStore::valid_name(".hidden"));
  EXPECT_FALSE(CertStore::valid_name("Upper"));
  EXPECT_FALSE(CertStore::valid_name(std::string(65, 'a')));
  CertStore store(dir);
  EXPECT_THROW(store.load("../x"), std::runtime_error);
  const auto a = self_signed("a.test");
  store.install("a", a.first, a.second, {}, true);
  EXPECT_TRUE(store.remove("a"));
  EXPECT_FALSE(store.remove("a"));
  EXPECT_TRUE(store.list().empty());
}

}  // namespace
}  // namespace portcullis::tls
