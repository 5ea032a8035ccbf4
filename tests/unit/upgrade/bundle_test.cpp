// Release bundles end to end: create_bundle, then open_bundle accepting the good one and
// refusing every tampered, reordered or malicious variant with nothing left extracted.
#include "bundle/bundle.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "bundle/digest.hpp"
#include "bundle/signature.hpp"
#include "bundle/tar.hpp"
#include "bundle_test_util.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;

using ::testing::HasSubstr;
using namespace bundletest;

using Members = std::vector<std::pair<std::string, std::string>>;

const std::string created = "2026-11-23T20:00:00Z";

class Bundle : public ::testing::Test {
 protected:
  void SetUp() override {
    generate_key(dir / "release.key", dir / "release.pub");
    generate_key(dir / "other.key", dir / "other.pub");
    trusted = {read_file(dir / "release.pub")};
    fs::create_directory(dir / "in");
    std::string deb(3000, '\0');
    for (std::size_t i = 0; i < deb.size(); ++i) deb[i] = static_cast<char>(i * 13);
    write_file(dir / "in/portcullis_0.2.0_amd64.deb", deb);
    write_file(dir / "in/provisioning.tar", std::string(700, 'p'));
    write_file(dir / "in/010-migrate", "#!/bin/sh\nexit 0\n");
    inputs = {{dir / "in/portcullis_0.2.0_amd64.deb", "package", 0644},
              {dir / "in/provisioning.tar", "provisioning", 0644},
              {dir / "in/010-migrate", "migration", 0755}};
    base.version = "0.2.0";
    base.from = {"0.1.*"};
    base.debian = "12";
    base.schema = 5;
    create_bundle(dir / "good.bundle", base, inputs, dir / "release.key", created);
    good = read_file(dir / "good.bundle");
    members = split(good);
  }

  static Members split(const std::string& bytes) {
    std::istringstream in(bytes);
    TarReader tar(in, 1 << 30);
    Members out;
    while (const auto m = tar.next()) {
      std::string data;
      tar.read_data([&](std::string_view c) { data.append(c); });
      out.emplace_back(m->name, data);
    }
    return out;
  }

  static std::string join(const Members& ms) {
    std::string out;
    for (const auto& [name, data] : ms) out += raw_member(name, data);
    return out + end_blocks();
  }

  // Opens bytes as a bundle, extracting into a fresh directory; returns the error message and
  // checks that nothing was left behind.
  std::string refusal(const std::string& bytes) {
    write_file(dir / "t.bundle", bytes);
    const fs::path to = dir / "x";
    fs::remove_all(to);
    std::string message = "(accepted)";
    try {
      open_bundle(dir / "t.bundle", trusted, to);
    } catch (const BundleError& e) {
      message = e.what();
    }
    EXPECT_TRUE(!fs::exists(to) || fs::is_empty(to)) << message;
    return message;
  }

  // Opens the good bundle, extracting to `to`; returns the error message.
  std::string refusal_at(const fs::path& to) {
    try {
      open_bundle(dir / "good.bundle", trusted, to);
    } catch (const BundleError& e) {
      return e.what();
    }
    return "(accepted)";
  }

  TempDir dir;
  std::vector<std::string> trusted;
  std::vector<BundleInput> inputs;
  Manifest base;
  std::string good;
  Members members;
};

mode_t mode_of(const fs::path& p) {
  struct stat st {};
  EXPECT_EQ(::lstat(p.c_str(), &st), 0) << p;
  return st.st_mode & 07777;
}

TEST_F(Bundle, CreatesTheDocumentedLayout) {
  ASSERT_EQ(members.size(), 5u);
  EXPECT_EQ(members[0].first, "manifest.toml");
  EXPECT_EQ(members[1].first, "manifest.sig");
  EXPECT_EQ(members[2].first, "portcullis_0.2.0_amd64.deb");
  EXPECT_EQ(members[3].first, "provisioning.tar");
  EXPECT_EQ(members[4].first, "010-migrate");
  EXPECT_TRUE(verify(trusted[0], members[0].second, members[1].second));
  const Manifest m = parse_manifest(members[0].second);
  EXPECT_EQ(m.version, "0.2.0");
  EXPECT_EQ(m.created, created);
  EXPECT_EQ(m.package().size, 3000u);
  EXPECT_EQ(m.package().sha256, sha256_file_hex(dir / "in/portcullis_0.2.0_amd64.deb"));
  // Same inputs, same bytes.
  create_bundle(dir / "again.bundle", base, inputs, dir / "release.key", created);
  EXPECT_EQ(read_file(dir / "again.bundle"), good);
}

TEST_F(Bundle, OpensAndExtractsTheGoodBundle) {
  const Manifest m = open_bundle(dir / "good.bundle", trusted, dir / "x");
  EXPECT_EQ(m, parse_manifest(members[0].second));
  EXPECT_EQ(mode_of(dir / "x"), 0700u);
  for (const auto& f : m.files) {
    EXPECT_EQ(read_file(dir / "x" / f.name), read_file(dir / "in" / f.name)) << f.name;
    EXPECT_EQ(mode_of(dir / "x" / f.name), f.role == "migration" ? 0700u : 0600u) << f.name;
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir / "x"), fs::directory_iterator()), 3);
}

TEST_F(Bundle, VerifyOnlyExtractsNothingAndAnyTrustedKeyWill) {
  const std::vector<std::string> keys = {read_file(dir / "other.pub"), "not a key", trusted[0]};
  const auto before = std::distance(fs::directory_iterator(dir.path), fs::directory_iterator());
  EXPECT_EQ(open_bundle(dir / "good.bundle", keys, {}).version, "0.2.0");
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), before);
  std::istringstream in(good);
  EXPECT_EQ(open_bundle(in, trusted, {}).schema, 5);
}

TEST_F(Bundle, RefusesAnExtractionDirectoryInUse) {
  fs::create_directory(dir / "busy");
  write_file(dir / "busy/file", "x");
  EXPECT_THAT(refusal_at(dir / "busy"), HasSubstr("exists and is not empty"));
  write_file(dir / "plain", "x");
  EXPECT_THAT(refusal_at(dir / "plain"), HasSubstr("exists and is not a directory"));
  fs::create_directory(dir / "real");
  fs::create_directory_symlink(dir / "real", dir / "link");
  EXPECT_THAT(refusal_at(dir / "link"), HasSubstr("exists and is not a directory"));
  EXPECT_TRUE(fs::is_empty(dir / "real"));
  EXPECT_THAT(refusal_at(dir / "no/such/parent"), HasSubstr("cannot create"));
  fs::create_directory(dir / "shared");
  fs::permissions(dir / "shared", fs::perms::others_write, fs::perm_options::add);
  EXPECT_THAT(refusal_at(dir / "shared"), HasSubstr("writable by no one else"));
  EXPECT_TRUE(fs::is_empty(dir / "shared"));
  fs::create_directory(dir / "empty");
  fs::permissions(dir / "empty", fs::perms::owner_all | fs::perms::group_read | fs::perms::others_read);
  EXPECT_EQ(open_bundle(dir / "good.bundle", trusted, dir / "empty").version, "0.2.0");
}

TEST_F(Bundle, RefusesATamperedManifest) {
  Members ms = members;
  const auto at = ms[0].second.find("0.2.0");
  ms[0].second[at + 4] = '1';  // same length, version 0.2.1
  const std::string id = key_id(trusted[0]);
  EXPECT_THAT(refusal(join(ms)),
              HasSubstr("bundle signature does not verify with any trusted release key (tried: " + id + ")"));
  // And in the original archive bytes too (header checksum unaffected: data, not header).
  std::string bytes = good;
  bytes[512 + at + 4] = '1';
  EXPECT_THAT(refusal(bytes), HasSubstr("bundle signature does not verify"));
}

TEST_F(Bundle, RefusesAWrongKeyNamingTheKeysTried) {
  trusted = {read_file(dir / "other.pub"), "garbage"};
  EXPECT_THAT(refusal(good), HasSubstr("(tried: " + key_id(trusted[0]) + ", (not an Ed25519 key))"));
  trusted.clear();
  EXPECT_THAT(refusal(good), HasSubstr("no trusted release keys"));
}

TEST_F(Bundle, RefusesASwappedSignature) {
  Manifest other = base;
  other.version = "0.2.1";
  create_bundle(dir / "other.bundle", other, inputs, dir / "release.key", created);
  Members ms = members;
  ms[1].second = split(read_file(dir / "other.bundle"))[1].second;
  EXPECT_THAT(refusal(join(ms)), HasSubstr("bundle signature does not verify"));
}

TEST_F(Bundle, RefusesBadFirstAndSecondMembers) {
  Members ms = members;
  std::swap(ms[0], ms[1]);
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member 'manifest.sig': the first member must be manifest.toml"));
  ms = members;
  ms[1].second += "x";
  EXPECT_THAT(refusal(join(ms)), HasSubstr("bundle: manifest.sig is not 64 octets"));
  ms = members;
  ms[0].second += std::string(64 * 1024, '#');
  EXPECT_THAT(refusal(join(ms)), HasSubstr("bundle: manifest.toml larger than 64 KiB"));
  EXPECT_THAT(refusal(join({members[0]})), HasSubstr("bundle: manifest.sig is missing"));
  EXPECT_THAT(refusal(end_blocks()), HasSubstr("bundle: empty archive"));
  EXPECT_THAT(refusal(join({members[0], {"other.sig", members[1].second}})),
              HasSubstr("member 'other.sig': the second member must be manifest.sig"));
}

TEST_F(Bundle, RefusesATamperedPayload) {
  // The last file: the two before it were already extracted, and must be removed again.
  std::string bytes = good;
  const auto at = bytes.find("exit 0");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = 'E';
  EXPECT_THAT(refusal(bytes), HasSubstr("bundle: member '010-migrate': SHA-256 differs from the manifest"));
  Members ms = members;
  ms[2].second[100] ^= 1;
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member 'portcullis_0.2.0_amd64.deb': SHA-256 differs"));
  ms = members;
  ms[3].second += "p";
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member 'provisioning.tar': size 701 differs from the manifest's 700"));
}

TEST_F(Bundle, RefusesExtraMissingDuplicateAndReorderedMembers) {
  Members ms = members;
  ms.emplace_back("extra.txt", "more");
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member 'extra.txt': not listed in the manifest"));
  ms = members;
  ms.insert(ms.begin() + 3, {"extra.txt", "more"});
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member 'extra.txt': not listed in the manifest"));
  ms = members;
  ms.pop_back();
  EXPECT_THAT(refusal(join(ms)), HasSubstr("bundle: member '010-migrate' is missing"));
  ms = members;
  ms.erase(ms.begin() + 3);
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member '010-migrate': out of order (expected 'provisioning.tar')"));
  ms = members;
  std::swap(ms[2], ms[3]);
  EXPECT_THAT(refusal(join(ms)),
              HasSubstr("member 'provisioning.tar': out of order (expected 'portcullis_0.2.0_amd64.deb')"));
  ms = members;
  ms.insert(ms.begin() + 3, ms[2]);
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member 'portcullis_0.2.0_amd64.deb': appears twice"));
  ms = members;
  ms.push_back(ms[4]);
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member '010-migrate': appears twice"));
  ms = members;
  ms.push_back(ms[0]);
  EXPECT_THAT(refusal(join(ms)), HasSubstr("member 'manifest.toml': not listed in the manifest"));
}

TEST_F(Bundle, RefusesMaliciousMembers) {
  // A symlink member where a payload file belongs.
  std::string bytes;
  for (std::size_t i = 0; i < 3; ++i) bytes += raw_member(members[i].first, members[i].second);
  bytes += raw_member("provisioning.tar", "", '2');
  EXPECT_THAT(refusal(bytes + end_blocks()),
              HasSubstr("tar: member 'provisioning.tar': a symbolic link, not a regular file"));
  std::string link = raw_header("evil", 0, '2');
  std::memcpy(link.data() + 157, "/etc/shadow", 11);
  fix_checksum(link);
  Members ms(members.begin(), members.begin() + 2);
  EXPECT_THAT(refusal(join(ms).substr(0, join(ms).size() - 1024) + link + end_blocks()),
              HasSubstr("tar: member 'evil': a symbolic link"));
  // Path traversal, absolute paths, names through the prefix field.
  ms = members;
  ms[2].first = "../x";
  EXPECT_THAT(refusal(join(ms)), HasSubstr("bundle: member '../x': not a plain file name"));
  ms[2].first = "/etc/passwd";
  EXPECT_THAT(refusal(join(ms)), HasSubstr("bundle: member '/etc/passwd': not a plain file name"));
  ms = members;
  ms.emplace_back("../x", "evil");
  EXPECT_THAT(refusal(join(ms)), HasSubstr("bundle: member '../x': not a plain file name"));
  std::string prefixed = raw_header(members[2].first, members[2].second.size());
  std::memcpy(prefixed.data() + 345, "..", 2);
  fix_checksum(prefixed);
  bytes = raw_member(members[0].first, members[0].second) + raw_member(members[1].first, members[1].second) +
          prefixed + padded(members[2].second) + end_blocks();
  EXPECT_THAT(refusal(bytes), HasSubstr("bundle: member '../portcullis_0.2.0_amd64.deb': not a plain file name"));
}

TEST_F(Bundle, RefusesTruncatedAndPaddedFiles) {
  for (std::size_t cut : {good.size() - 1, good.size() - 1024, good.size() / 2, std::size_t{700}, std::size_t{1000}}) {
    const std::string message = refusal(good.substr(0, cut));
    EXPECT_THAT(message, HasSubstr("truncated")) << cut;
  }
  EXPECT_THAT(refusal(good + "garbage"), HasSubstr("tar: truncated at offset"));
  EXPECT_THAT(refusal(good + padded("garbage")), HasSubstr("tar: trailing data after the end of the archive"));
  // Zero blocks after the end (tar's record padding) are not garbage.
  write_file(dir / "padded.bundle", good + std::string(4096, '\0'));
  EXPECT_EQ(open_bundle(dir / "padded.bundle", trusted, dir / "padded").version, "0.2.0");
}

TEST_F(Bundle, CreateRefusesBadInputs) {
  auto bad = inputs;
  bad[2].mode = 0777;
  EXPECT_THROW(create_bundle(dir / "b.bundle", base, bad, dir / "release.key", created), BundleError);
  bad = inputs;
  bad[1].role = "package";
  EXPECT_THROW(create_bundle(dir / "b.bundle", base, bad, dir / "release.key", created), BundleError);
  bad = inputs;
  bad[1].path = dir / "in/missing.tar";
  EXPECT_THROW(create_bundle(dir / "b.bundle", base, bad, dir / "release.key", created), BundleError);
  EXPECT_THROW(create_bundle(dir / "b.bundle", base, inputs, dir / "release.key", "yesterday"), BundleError);
  EXPECT_THROW(create_bundle(dir / "b.bundle", base, inputs, dir / "release.pub", created), BundleError);
  EXPECT_FALSE(fs::exists(dir / "b.bundle"));
  for (const auto& e : fs::directory_iterator(dir.path))
    EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << e.path();
}

}  // namespace
}  // namespace portcullis::upgrade

namespace portcullis::upgrade {
namespace {

// The seeds of tests/fuzz/fuzz_bundle.cpp must stay valid bundles of the current format, signed
// by the key given there (or the fuzzer never gets past the signature).
TEST(BundleFuzzSeeds, OpenWithTheFuzzKey) {
  const std::string fuzz_public_key =
      "-----BEGIN PUBLIC KEY-----\n"
      "MCowBQYDK2VwAyEA+UN6RSrLrgIJGDGFQIIGp1JtH0/CceIZIj4XlkVOZRo=\n"
      "-----END PUBLIC KEY-----\n";
  int bundles = 0;
  for (const auto& e : std::filesystem::directory_iterator(PORTCULLIS_SOURCE_DIR "/tests/fuzz/corpus/fuzz_bundle")) {
    if (e.path().extension() != ".bundle") continue;
    EXPECT_NO_THROW(open_bundle(e.path(), {fuzz_public_key}, {})) << e.path();
    EXPECT_LT(std::filesystem::file_size(e.path()), 8192u) << e.path();
    ++bundles;
  }
  EXPECT_GE(bundles, 2);
}

}  // namespace
}  // namespace portcullis::upgrade
