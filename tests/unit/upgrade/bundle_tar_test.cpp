// The strict ustar reader and the deterministic writer.
#include "bundle/tar.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>

#include "bundle/digest.hpp"
#include "bundle/error.hpp"
#include "bundle_test_util.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;

using namespace bundletest;

struct Entry {
  std::string name;
  std::string data;
  bool operator==(const Entry&) const = default;
};

std::vector<Entry> read_all(std::istream& in, std::uint64_t bound = 1 << 30) {
  TarReader tar(in, bound);
  std::vector<Entry> out;
  while (const auto m = tar.next()) {
    Entry e{m->name, ""};
    tar.read_data([&](std::string_view chunk) {
      EXPECT_LE(chunk.size(), 64u * 1024);
      e.data.append(chunk);
    });
    EXPECT_EQ(e.data.size(), m->size);
    out.push_back(e);
  }
  return out;
}

std::vector<Entry> read_bytes(const std::string& bytes, std::uint64_t bound = 1 << 30) {
  std::istringstream in(bytes);
  return read_all(in, bound);
}

std::string error_of(const std::string& bytes, std::uint64_t bound = 1 << 30) {
  try {
    read_bytes(bytes, bound);
  } catch (const BundleError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(BundleTar, WriterAndReaderRoundTrip) {
  TempDir dir;
  std::string big(200 * 1024 + 3, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i % 251);
  write_file(dir / "big.deb", big);
  const std::string long_name(100, 'n');
  {
    TarWriter w(dir / "out.tar", 1795464000);
    w.add_string("a.txt", "hello\n", 0644);
    w.add_string("empty", "", 0644);
    EXPECT_EQ(w.add_file("big.deb", dir / "big.deb", 0755), sha256_hex(big));
    w.add_string(long_name, std::string(512, 'x'), 0644);
    EXPECT_FALSE(fs::exists(dir / "out.tar"));  // only under a temporary name until finish()
    w.finish();
  }
  const std::string bytes = read_file(dir / "out.tar");
  EXPECT_EQ(bytes.size() % 512, 0u);
  const std::vector<Entry> want = {{"a.txt", "hello\n"}, {"empty", ""}, {"big.deb", big}, {long_name, std::string(512, 'x')}};
  EXPECT_EQ(read_bytes(bytes), want);
  // Deterministic header fields.
  EXPECT_EQ(bytes.substr(100, 8), std::string("0000644\0", 8));
  EXPECT_EQ(bytes.substr(257, 8), std::string("ustar\0" "00", 8));
  EXPECT_EQ(bytes.substr(265, 5), std::string("root\0", 5));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()), 2);
  struct stat st {};
  ASSERT_EQ(::stat((dir / "out.tar").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
}

TEST(BundleTar, UnfinishedWriterLeavesNothing) {
  TempDir dir;
  {
    TarWriter w(dir / "out.tar", 0);
    w.add_string("a", "b", 0644);
    EXPECT_THROW(w.add_string(std::string(101, 'n'), "", 0644), BundleError);
    EXPECT_THROW(w.add_string("", "", 0644), BundleError);
    EXPECT_THROW(w.add_file("x", dir / "missing", 0644), BundleError);
    EXPECT_THROW(w.add_file("x", dir.path, 0644), BundleError);  // a directory is not a regular file
  }
  EXPECT_TRUE(fs::is_empty(dir.path));
}

TEST(BundleTar, SystemTarAgrees) {
  if (std::system("tar --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no tar";
  TempDir dir;
  write_file(dir / "one", "first file\n");
  write_file(dir / "two", std::string(1000, 'z'));
  {
    TarWriter w(dir / "ours.tar", 0);
    w.add_file("one", dir / "one", 0644);
    w.add_file("two", dir / "two", 0755);
    w.finish();
  }
  const std::string cd = "cd " + dir.path.string() + " && ";
  ASSERT_EQ(std::system((cd + "mkdir x && tar -xf ours.tar -C x && cmp one x/one && cmp two x/two").c_str()), 0);
  ASSERT_EQ(std::system((cd + "tar --format=ustar -cf theirs.tar one two").c_str()), 0);
  EXPECT_EQ(read_bytes(read_file(dir / "theirs.tar")),
            (std::vector<Entry>{{"one", "first file\n"}, {"two", std::string(1000, 'z')}}));
}

TEST(BundleTar, AcceptsPrefixNamesAndZeroPadding) {
  std::string h = raw_header("name", 1);
  std::memcpy(h.data() + 345, "dir", 3);
  fix_checksum(h);
  EXPECT_EQ(read_bytes(h + padded("x") + end_blocks()), (std::vector<Entry>{{"dir/name", "x"}}));
  // GNU tar pads the archive to 10240-octet records with zero blocks.
  EXPECT_EQ(read_bytes(raw_member("a", "b") + std::string(10240 - 512, '\0')).size(), 1u);
  // typeflag NUL is an old-style regular file.
  EXPECT_EQ(read_bytes(raw_member("a", "b", '\0') + end_blocks()).size(), 1u);
  EXPECT_TRUE(read_bytes(end_blocks()).empty());
}

TEST(BundleTar, RefusesWhatABundleNeverContains) {
  struct Case {
    std::string bytes, message;
  };
  const std::string good = raw_member("a", "data");
  std::string bad_sum = good;
  bad_sum[0] = 'b';
  std::string gnu_magic = raw_header("a", 4);
  std::memcpy(gnu_magic.data() + 257, "ustar  \0", 8);
  fix_checksum(gnu_magic);
  std::string base256 = raw_header("big", 0);
  base256[124] = static_cast<char>(0x80);
  fix_checksum(base256);
  std::string bad_size = raw_header("a", 0);
  std::memcpy(bad_size.data() + 124, "0000000009x", 11);
  fix_checksum(bad_size);
  const std::vector<Case> cases = {
      {raw_member("link", "", '2') + end_blocks(), "tar: member 'link': a symbolic link, not a regular file"},
      {raw_member("hard", "", '1') + end_blocks(), "tar: member 'hard': a hard link"},
      {raw_member("d", "", '5') + end_blocks(), "tar: member 'd': a directory"},
      {raw_member("dev", "", '3') + end_blocks(), "tar: member 'dev': a character device"},
      {raw_member("fifo", "", '6') + end_blocks(), "tar: member 'fifo': a FIFO"},
      {raw_member("pax", "30 path=x\n", 'x') + good + end_blocks(), "tar: member 'pax': a pax extended header"},
      {raw_member("glob", "", 'g') + end_blocks(), "tar: member 'glob': a pax global header"},
      {raw_member("././@LongLink", "long", 'L') + good + end_blocks(), "tar: member '././@LongLink': a GNU long name"},
      {raw_member("k", "x", 'K') + end_blocks(), "tar: member 'k': a GNU long link name"},
      {raw_member("bell\a", "", '2') + end_blocks(), "tar: member 'bell\\x07': a symbolic link"},
      {bad_sum + end_blocks(), "tar: bad header checksum at offset 0"},
      {good + gnu_magic + padded("data") + end_blocks(), "tar: not a POSIX ustar header at offset 1024"},
      {base256 + end_blocks(), "tar: member 'big': base-256 size field not supported"},
      {bad_size + end_blocks(), "tar: member 'a': bad size field"},
      {raw_header("", 0) + end_blocks(), "tar: member with an empty name"},
      {good, "tar: truncated: no end-of-archive blocks at offset 1024"},
      {good + std::string(512, '\0'), "tar: truncated: no end-of-archive blocks at offset 1536"},
      {good + std::string(512, '\0') + good, "tar: a single zero block inside the archive"},
      {good + end_blocks() + "x", "tar: truncated at offset 2049"},
      {good + end_blocks() + padded("garbage"), "tar: trailing data after the end of the archive"},
      {good + end_blocks() + std::string(512, '\0') + good, "tar: trailing data after the end of the archive"},
      {good.substr(0, 700), "tar: member 'a': truncated"},
      {good.substr(0, 300), "tar: truncated at offset 300"},
      {"", "tar: truncated: no end-of-archive blocks at offset 0"},
      {raw_header("huge", 1ULL << 20) + end_blocks(), "tar: member 'huge': truncated"},
  };
  for (const auto& c : cases) {
    const std::string got = error_of(c.bytes);
    EXPECT_EQ(got.rfind(c.message, 0), 0u) << "expected: " << c.message << "\n     got: " << got;
  }
}

TEST(BundleTar, EnforcesTheSizeBound) {
  const std::string archive = raw_member("a", std::string(5000, 'a')) + end_blocks();
  EXPECT_EQ(read_bytes(archive, archive.size()).size(), 1u);
  EXPECT_EQ(error_of(archive, archive.size() - 1).rfind("tar: archive larger than the size bound", 0), 0u);
  EXPECT_EQ(error_of(archive, 4096).rfind("tar: member 'a': larger than the archive's size bound", 0), 0u);
  EXPECT_EQ(error_of(raw_header("huge", 077777777777ULL) + end_blocks())
                .rfind("tar: member 'huge': larger than the archive's size bound", 0), 0u);
}

TEST(BundleTar, SkipsUnreadData) {
  std::istringstream in(raw_member("a", std::string(3000, 'a')) + raw_member("b", "bee") + end_blocks());
  TarReader tar(in, 1 << 20);
  ASSERT_EQ(tar.next()->name, "a");
  const auto b = tar.next();
  ASSERT_TRUE(b);
  EXPECT_EQ(b->name, "b");
  EXPECT_EQ(b->size, 3u);
  EXPECT_FALSE(tar.next());
  EXPECT_FALSE(tar.next());
}

}  // namespace
}  // namespace portcullis::upgrade
