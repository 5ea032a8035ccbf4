// The Public Suffix List: the PSL project's own test cases (tests/test_psl.txt,
// checkPublicSuffix(domain, registrable domain)) run against Debian's real list, which must
// be installed (the test fails without it); the Organizational Domain built on it; and the
// rule kinds on small lists of our own.
#include "checks/dmarc/psl.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <unistd.h>

namespace portcullis::checks::dmarc {
namespace {

const PublicSuffixList& real_list() {
  static const PublicSuffixList list = PublicSuffixList::load(kDefaultPublicSuffixFile);
  return list;
}

class RealPsl : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    ASSERT_TRUE(std::filesystem::exists(kDefaultPublicSuffixFile))
        << kDefaultPublicSuffixFile << " is missing: install Debian's publicsuffix package";
  }
  void SetUp() override { ASSERT_NO_THROW((void)real_list()); }
};

struct Case {
  const char* domain;
  const char* registrable;  // nullptr: null in the PSL test list
};

// publicsuffix/list tests/test_psl.txt (public domain). The IDN expectations are written in
// their A-label form, which is what registrable_domain returns (the list gives the Unicode
// input's expectation in Unicode and repeats every case punycoded).
const Case kCases[] = {
    // Mixed case.
    {"COM", nullptr},
    {"example.COM", "example.com"},
    {"WwW.example.COM", "example.com"},
    // Leading dot.
    {".com", nullptr},
    {".example", nullptr},
    {".example.com", nullptr},
    {".example.example", nullptr},
    // Unlisted TLD.
    {"example", nullptr},
    {"example.example", "example.example"},
    {"b.example.example", "example.example"},
    {"a.b.example.example", "example.example"},
    // TLD with only 1 rule.
    {"biz", nullptr},
    {"domain.biz", "domain.biz"},
    {"b.domain.biz", "domain.biz"},
    {"a.b.domain.biz", "domain.biz"},
    // TLD with some 2-level rules.
    {"com", nullptr},
    {"example.com", "example.com"},
    {"b.example.com", "example.com"},
    {"a.b.example.com", "example.com"},
    {"uk.com", nullptr},
    {"example.uk.com", "example.uk.com"},
    {"b.example.uk.com", "example.uk.com"},
    {"a.b.example.uk.com", "example.uk.com"},
    {"test.ac", "test.ac"},
    // TLD with only 1 (wildcard) rule.
    {"mm", nullptr},
    {"c.mm", nullptr},
    {"b.c.mm", "b.c.mm"},
    {"a.b.c.mm", "b.c.mm"},
    // More complex TLD.
    {"jp", nullptr},
    {"test.jp", "test.jp"},
    {"www.test.jp", "test.jp"},
    {"ac.jp", nullptr},
    {"test.ac.jp", "test.ac.jp"},
    {"www.test.ac.jp", "test.ac.jp"},
    {"kyoto.jp", nullptr},
    {"test.kyoto.jp", "test.kyoto.jp"},
    {"ide.kyoto.jp", nullptr},
    {"b.ide.kyoto.jp", "b.ide.kyoto.jp"},
    {"a.b.ide.kyoto.jp", "b.ide.kyoto.jp"},
    {"c.kobe.jp", nullptr},
    {"b.c.kobe.jp", "b.c.kobe.jp"},
    {"a.b.c.kobe.jp", "b.c.kobe.jp"},
    {"city.kobe.jp", "city.kobe.jp"},
    {"www.city.kobe.jp", "city.kobe.jp"},
    // TLD with a wildcard rule and exceptions.
    {"ck", nullptr},
    {"test.ck", nullptr},
    {"b.test.ck", "b.test.ck"},
    {"a.b.test.ck", "b.test.ck"},
    {"www.ck", "www.ck"},
    {"www.www.ck", "www.ck"},
    // US K12.
    {"us", nullptr},
    {"test.us", "test.us"},
    {"www.test.us", "test.us"},
    {"ak.us", nullptr},
    {"test.ak.us", "test.ak.us"},
    {"www.test.ak.us", "test.ak.us"},
    {"k12.ak.us", nullptr},
    {"test.k12.ak.us", "test.k12.ak.us"},
    {"www.test.k12.ak.us", "test.k12.ak.us"},
    // IDN labels (食狮 = xn--85x722f, 公司 = xn--55qx5d, 中国 = xn--fiqs8s).
    {"\xe9\xa3\x9f\xe7\x8b\xae.com.cn", "xn--85x722f.com.cn"},
    {"\xe9\xa3\x9f\xe7\x8b\xae.\xe5\x85\xac\xe5\x8f\xb8.cn", "xn--85x722f.xn--55qx5d.cn"},
    {"www.\xe9\xa3\x9f\xe7\x8b\xae.\xe5\x85\xac\xe5\x8f\xb8.cn", "xn--85x722f.xn--55qx5d.cn"},
    {"shishi.\xe5\x85\xac\xe5\x8f\xb8.cn", "shishi.xn--55qx5d.cn"},
    {"\xe5\x85\xac\xe5\x8f\xb8.cn", nullptr},
    {"\xe9\xa3\x9f\xe7\x8b\xae.\xe4\xb8\xad\xe5\x9b\xbd", "xn--85x722f.xn--fiqs8s"},
    {"www.\xe9\xa3\x9f\xe7\x8b\xae.\xe4\xb8\xad\xe5\x9b\xbd", "xn--85x722f.xn--fiqs8s"},
    {"shishi.\xe4\xb8\xad\xe5\x9b\xbd", "shishi.xn--fiqs8s"},
    {"\xe4\xb8\xad\xe5\x9b\xbd", nullptr},
    // Same as above, but punycoded.
    {"xn--85x722f.com.cn", "xn--85x722f.com.cn"},
    {"xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
    {"www.xn--85x722f.xn--55qx5d.cn", "xn--85x722f.xn--55qx5d.cn"},
    {"shishi.xn--55qx5d.cn", "shishi.xn--55qx5d.cn"},
    {"xn--55qx5d.cn", nullptr},
    {"xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
    {"www.xn--85x722f.xn--fiqs8s", "xn--85x722f.xn--fiqs8s"},
    {"shishi.xn--fiqs8s", "shishi.xn--fiqs8s"},
    {"xn--fiqs8s", nullptr},
};

TEST_F(RealPsl, CheckPublicSuffixTestVectors) {
  int checked = 0;
  for (const auto& c : kCases) {
    const auto got = real_list().registrable_domain(c.domain);
    if (c.registrable == nullptr) {
      EXPECT_FALSE(got) << c.domain << " gave " << got.value_or("");
    } else {
      EXPECT_EQ(got, std::optional<std::string>(c.registrable)) << c.domain;
    }
    ++checked;
  }
  EXPECT_EQ(checked, 77);  // every case of test_psl.txt but checkPublicSuffix(null, null)
}

TEST_F(RealPsl, TheListIsTheWholeFile) {
  // Both sections, ICANN and private, thousands of rules.
  EXPECT_GT(real_list().size(), 5000u);
  EXPECT_EQ(real_list().public_suffix("foo.blogspot.com"), "blogspot.com");  // private section
  EXPECT_EQ(real_list().public_suffix("a.b.example.co.uk"), "co.uk");
  EXPECT_EQ(real_list().public_suffix("a.example.unlistedtld"), "unlistedtld");  // implicit "*"
  // A rule written in Unicode in the file ("aéroport.ci") matches its A-label.
  EXPECT_EQ(real_list().public_suffix("x.xn--aroport-bya.ci"), "xn--aroport-bya.ci");
  EXPECT_EQ(real_list().public_suffix("x.a\xc3\xa9roport.ci"), "xn--aroport-bya.ci");
}

TEST_F(RealPsl, OrganizationalDomain) {
  const auto& psl = real_list();
  EXPECT_EQ(psl.organizational_domain("example.com"), "example.com");
  EXPECT_EQ(psl.organizational_domain("mail.Example.COM"), "example.com");
  EXPECT_EQ(psl.organizational_domain("a.b.c.example.co.uk."), "example.co.uk");
  EXPECT_EQ(psl.organizational_domain("www.city.kobe.jp"), "city.kobe.jp");
  EXPECT_EQ(psl.organizational_domain("a.b.test.ck"), "b.test.ck");
  // A public suffix is its own Organizational Domain.
  EXPECT_EQ(psl.organizational_domain("co.uk"), "co.uk");
  EXPECT_EQ(psl.organizational_domain("COM"), "com");
  EXPECT_EQ(psl.organizational_domain("test.ck"), "test.ck");
  // Not a name.
  EXPECT_EQ(psl.organizational_domain(""), "");
  EXPECT_EQ(psl.organizational_domain(".example.com"), "");
  EXPECT_EQ(psl.organizational_domain("a..example.com"), "");
  EXPECT_EQ(psl.organizational_domain("\xff.example.com"), "");
}

TEST(Psl, LoadFailsOnAMissingOrEmptyFile) {
  EXPECT_THROW((void)PublicSuffixList::load("/nonexistent/public_suffix_list.dat"), std::runtime_error);
  const auto path = std::filesystem::temp_directory_path() / ("dmarc_psl_empty_" + std::to_string(::getpid()));
  { std::ofstream(path) << "// only a comment\n\n"; }
  EXPECT_THROW((void)PublicSuffixList::load(path), std::runtime_error);
  std::filesystem::remove(path);
}

TEST(Psl, RuleKindsOnASmallList) {
  const auto psl = PublicSuffixList::from_text(
      "// a comment line\r\n"
      "com\r\n"
      "co.uk   text after the rule is ignored\n"
      "\n"
      "*.wild\n"
      "!keep.wild\n"
      "*.deep.example\n"
      "b\xc3\xbc" "cher\n"
      "bad..rule\n"
      ".leading\n");
  EXPECT_EQ(psl.size(), 6u);  // com, co.uk, *.wild, !keep.wild, *.deep.example, bücher
  EXPECT_EQ(psl.registrable_domain("x.y.example.com"), "example.com");
  EXPECT_EQ(psl.registrable_domain("x.example.co.uk"), "example.co.uk");
  EXPECT_EQ(psl.registrable_domain("uk"), std::nullopt);
  EXPECT_EQ(psl.registrable_domain("co.uk"), std::nullopt);
  // The implicit "*" rule: "uk" alone is a suffix when "co.uk" does not match.
  EXPECT_EQ(psl.registrable_domain("example.uk"), "example.uk");
  // Wildcard and exception.
  EXPECT_EQ(psl.registrable_domain("any.wild"), std::nullopt);
  EXPECT_EQ(psl.registrable_domain("x.any.wild"), "x.any.wild");
  EXPECT_EQ(psl.registrable_domain("keep.wild"), "keep.wild");
  EXPECT_EQ(psl.registrable_domain("a.keep.wild"), "keep.wild");
  EXPECT_EQ(psl.registrable_domain("wild"), std::nullopt);
  // A wildcard below a name that is not itself a rule: "deep.example" falls to the implicit rule.
  EXPECT_EQ(psl.registrable_domain("deep.example"), "deep.example");
  EXPECT_EQ(psl.registrable_domain("x.deep.example"), std::nullopt);
  EXPECT_EQ(psl.registrable_domain("y.x.deep.example"), "y.x.deep.example");
  // A Unicode rule, matched in either form.
  EXPECT_EQ(psl.registrable_domain("shop.xn--bcher-kva"), "shop.xn--bcher-kva");
  EXPECT_EQ(psl.registrable_domain("www.shop.B\xc3\xbc" "cher"), "shop.xn--bcher-kva");
  // An empty list: every top-level label is a suffix.
  const auto empty = PublicSuffixList::from_text("");
  EXPECT_EQ(empty.size(), 0u);
  EXPECT_EQ(empty.organizational_domain("a.b.example.com"), "example.com");
}

}  // namespace
}  // namespace portcullis::checks::dmarc
