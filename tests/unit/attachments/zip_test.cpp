// checks::attachments::read_zip: names, encryption, the central directory found in the usual
// and unusual places, nested stored zips, windows onto the end of big archives, and garbage.
#include "checks/attachments/zip.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "zip_writer.hpp"

namespace portcullis::checks::attachments {
namespace {

using test::make_zip;
using test::ZipEntry;
using test::ZipOptions;
using Names = std::vector<std::string>;

mail::ArchiveListing read(const std::string& zip) { return read_zip(zip, zip.size()); }

TEST(ReadZip, Names) {
  const std::string zip = make_zip({{"readme.txt", "hello"}, {"bin/setup.exe", "MZ"}, {"docs/", ""}});
  const auto l = read(zip);
  EXPECT_EQ(l.names, (Names{"readme.txt", "bin/setup.exe", "docs/"}));
  EXPECT_FALSE(l.encrypted);
  EXPECT_FALSE(l.truncated);
}

TEST(ReadZip, EncryptedFlag) {
  ZipEntry secret{"secret.doc", "xxxx"};
  secret.encrypted = true;
  const auto l = read(make_zip({{"a.txt", "a"}, secret}));
  EXPECT_EQ(l.names, (Names{"a.txt", "secret.doc"}));
  EXPECT_TRUE(l.encrypted);
}

TEST(ReadZip, EmptyArchive) {
  const auto l = read(make_zip({}));
  EXPECT_TRUE(l.names.empty());
  EXPECT_FALSE(l.truncated);
}

TEST(ReadZip, CommentAndPrefix) {
  ZipOptions opt;
  opt.comment = "PK\x05\x06 looks like a record but is cut short";
  opt.prefix = "MZ self-extractor stub " + std::string(300, '\0');
  EXPECT_EQ(read(make_zip({{"x.js", "alert(1)"}}, opt)).names, Names{"x.js"});
  opt.offsets_from_prefix = true;
  EXPECT_EQ(read(make_zip({{"x.js", "alert(1)"}}, opt)).names, Names{"x.js"});
}

TEST(ReadZip, Zip64EndRecords) {
  ZipOptions opt;
  opt.zip64 = true;
  const auto l = read(make_zip({{"a.txt", "1"}, {"b.vbs", "2"}}, opt));
  EXPECT_EQ(l.names, (Names{"a.txt", "b.vbs"}));
  EXPECT_FALSE(l.truncated);
}

TEST(ReadZip, NonUtf8NamesAndUnicodePath) {
  ZipEntry latin{std::string("caf\xE9.exe"), "x"};
  ZipEntry unicode{"plain.txt", "y"};
  unicode.unicode_path = "r\xC3\xA9sum\xC3\xA9.scr";
  const auto l = read(make_zip({latin, unicode}));
  EXPECT_EQ(l.names, (Names{"caf\xEF\xBF\xBD.exe", "plain.txt", "r\xC3\xA9sum\xC3\xA9.scr"}));
}

TEST(ReadZip, NestedStoredZipIsListedOneLevelDeep) {
  const std::string innermost = make_zip({{"deepest.exe", "MZ"}});
  const std::string inner = make_zip({{"payload.scr", "MZ"}, {"third.zip", innermost}});
  ZipEntry locked{"locked.zip", inner};
  locked.encrypted = true;  // encrypted members are not opened
  const auto l = read(make_zip({{"readme.txt", "hi"}, {"inner.zip", inner}, locked}));
  EXPECT_EQ(l.names, (Names{"readme.txt", "inner.zip", "inner.zip/payload.scr", "inner.zip/third.zip", "locked.zip"}));
  EXPECT_TRUE(l.encrypted);
}

TEST(ReadZip, LocalHeadersWhenTheDirectoryIsMissing) {
  std::string zip = make_zip({{"one.txt", "1"}, {"two.bat", "2"}});
  zip.resize(zip.find("PK\x01\x02"));  // cut before the central directory
  EXPECT_EQ(read(zip).names, (Names{"one.txt", "two.bat"}));
  ZipEntry d{"streamed.exe", "MZ...."};
  d.descriptor = true;
  std::string streamed = make_zip({d, {"after.txt", "z"}});
  streamed.resize(streamed.find("PK\x01\x02"));
  const auto l = read(streamed);
  EXPECT_EQ(l.names, (Names{"streamed.exe", "after.txt"}));
}

TEST(ReadZip, WindowOntoTheEndOfABigArchive) {
  const std::string big(100000, 'x');
  const std::string zip = make_zip({{"big.bin", big}, {"tail.exe", "MZ"}});
  const std::string tail = zip.substr(zip.size() - 5000);
  const auto l = read_zip(tail, zip.size());
  EXPECT_EQ(l.names, (Names{"big.bin", "tail.exe"}));
  EXPECT_FALSE(l.truncated);
  // The directory is not in the window: the listing is incomplete.
  const std::string too_short = zip.substr(zip.size() - 30);
  EXPECT_TRUE(read_zip(too_short, zip.size()).truncated);
}

TEST(ReadZip, Limits) {
  std::vector<ZipEntry> many;
  for (int i = 0; i < 50; ++i) many.push_back({"f" + std::to_string(i) + ".txt", ""});
  ZipLimits limits;
  limits.max_entries = 10;
  const std::string zip = make_zip(many);
  const auto l = read_zip(zip, zip.size(), limits);
  EXPECT_EQ(l.names.size(), 10u);
  EXPECT_TRUE(l.truncated);
  limits = ZipLimits{};
  limits.max_name = 5;
  EXPECT_EQ(read_zip(zip, zip.size(), limits).names.front(), "f0.tx");
}

TEST(ReadZip, GarbageGivesNothing) {
  EXPECT_TRUE(read("").names.empty());
  EXPECT_TRUE(read("PK").names.empty());
  EXPECT_TRUE(read(std::string("PK\x05\x06", 4) + std::string(18, '\xFF')).names.empty());
  // A record pointing far outside the data, and entries whose lengths run past the end.
  std::string zip = make_zip({{"a.txt", "a"}, {"b.txt", "b"}});
  std::string cut = zip;
  cut[cut.find("PK\x01\x02") + 28] = '\xFF';  // name length of the first entry
  const auto l = read(cut);
  EXPECT_TRUE(l.names.empty());
  EXPECT_TRUE(l.truncated);
  for (std::size_t k = 0; k < zip.size(); ++k) {  // every single octet flipped: no crash
    std::string bad = zip;
    bad[k] = static_cast<char>(bad[k] ^ 0xA5);
    (void)read(bad);
  }
}

}  // namespace
}  // namespace portcullis::checks::attachments
