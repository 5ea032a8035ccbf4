// Release versions and the "from" patterns of a bundle manifest.
#include "bundle/version.hpp"

#include <gtest/gtest.h>

namespace portcullis::upgrade {
namespace {

Version v(std::string_view s) {
  auto parsed = parse_version(s);
  EXPECT_TRUE(parsed) << s;
  return parsed.value_or(Version{});
}

TEST(BundleVersion, ParsesOneToFourComponents) {
  for (const char* s : {"0", "1", "0.1", "0.2.0", "1.2.3.4", "10.0.999999999", "0.0.0.0"}) {
    const auto p = parse_version(s);
    ASSERT_TRUE(p) << s;
    EXPECT_EQ(to_string(*p), s);
  }
  EXPECT_EQ(v("1.20.3").components, (std::vector<std::uint32_t>{1, 20, 3}));
}

TEST(BundleVersion, RefusesEverythingElse) {
  for (const char* s : {"", ".", "1.", ".1", "1..2", "01", "0.01", "1.2.3.4.5", "1234567890", "a", "1.a", "-1",
                        "+1", "1 ", " 1", "1.2-rc1", "v1.2", "1.*", "*", "0x1", "1,2"})
    EXPECT_FALSE(parse_version(s)) << s;
}

TEST(BundleVersion, ComparesNumericallyWithMissingComponentsZero) {
  EXPECT_LT(compare(v("0.1.9"), v("0.1.10")), 0);
  EXPECT_GT(compare(v("0.10"), v("0.9.9")), 0);
  EXPECT_EQ(compare(v("0.2"), v("0.2.0")), 0);
  EXPECT_EQ(compare(v("1"), v("1.0.0.0")), 0);
  EXPECT_LT(compare(v("1.0"), v("1.0.0.1")), 0);
  EXPECT_GT(compare(v("2"), v("1.999999999")), 0);
  EXPECT_EQ(compare(v("3.4.5"), v("3.4.5")), 0);
}

TEST(BundleVersion, PatternSyntax) {
  for (const char* p : {"0.1.0", "0.1.*", "0.*", "1.2.3.*", "7"}) EXPECT_TRUE(from_pattern_valid(p)) << p;
  for (const char* p : {"*", ".*", "0.1.2.3.*", "0.*.1", "0.1*", "0.1.**", "01.*", "", "0.1.0.*.*", "0.1. *"})
    EXPECT_FALSE(from_pattern_valid(p)) << p;
}

TEST(BundleVersion, PatternMatching) {
  EXPECT_TRUE(matches("0.1.*", v("0.1.0")));
  EXPECT_TRUE(matches("0.1.*", v("0.1.7")));
  EXPECT_TRUE(matches("0.1.*", v("0.1")));
  EXPECT_TRUE(matches("0.1.*", v("0.1.7.2")));
  EXPECT_FALSE(matches("0.1.*", v("0.10.0")));
  EXPECT_FALSE(matches("0.1.*", v("0.2.0")));
  EXPECT_FALSE(matches("0.1.*", v("1.1.0")));
  EXPECT_TRUE(matches("0.*", v("0.9.9")));
  EXPECT_TRUE(matches("0.1.0", v("0.1.0")));
  EXPECT_TRUE(matches("0.1.0", v("0.1")));
  EXPECT_FALSE(matches("0.1.0", v("0.1.1")));
  EXPECT_FALSE(matches("*", v("0.1.0")));
  EXPECT_FALSE(matches("garbage", v("0.1.0")));
}

}  // namespace
}  // namespace portcullis::upgrade
