// MTA-STS texts (RFC 8461): the TXT record and the policy file, with the RFC's own examples.
#include <gtest/gtest.h>

#include "tls/mta_sts_policy.hpp"

namespace portcullis::tls {
namespace {

TEST(StsRecord, TheRfcExampleAndVariants) {
  const auto r = parse_sts_record("v=STSv1; id=20160831085700Z;");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->id, "20160831085700Z");
  EXPECT_TRUE(parse_sts_record("v=STSv1;id=abc"));
  EXPECT_TRUE(parse_sts_record("v=STSv1; id=abc; ext=whatever"));  // unknown fields ignored
  EXPECT_FALSE(parse_sts_record("id=abc; v=STSv1"));                // v must come first
  EXPECT_FALSE(parse_sts_record("v=STSv2; id=abc"));
  EXPECT_FALSE(parse_sts_record("v=STSv1"));                        // id required
  EXPECT_FALSE(parse_sts_record("v=STSv1; id=has-dash"));
  EXPECT_FALSE(parse_sts_record("v=STSv1; id=" + std::string(33, 'a')));
  EXPECT_FALSE(parse_sts_record("v=STSv1; id=a; id=b"));
  EXPECT_FALSE(parse_sts_record(""));
}

TEST(StsRecord, ExactlyOneStsv1RecordCounts) {
  EXPECT_EQ(choose_sts_record({"google-site-verification=x", "v=STSv1; id=1"})->id, "1");
  EXPECT_FALSE(choose_sts_record({"v=STSv1; id=1", "v=STSv1; id=2"}));
  EXPECT_FALSE(choose_sts_record({"spf1"}));
  EXPECT_FALSE(choose_sts_record({}));
}

TEST(StsPolicy, TheRfcExample) {
  const auto p = parse_sts_policy(
      "version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\n"
      "mx: backupmx.example.com\r\nmax_age: 604800\r\n");
  ASSERT_TRUE(p.policy) << p.error;
  EXPECT_EQ(p.policy->mode, StsMode::enforce);
  EXPECT_EQ(p.policy->max_age, 604800u);
  EXPECT_EQ(p.policy->mx, (std::vector<std::string>{"mail.example.com", "*.example.net", "backupmx.example.com"}));
  EXPECT_TRUE(sts_mx_matches(*p.policy, "mail.example.com"));
  EXPECT_TRUE(sts_mx_matches(*p.policy, "Mail.Example.COM."));
  EXPECT_TRUE(sts_mx_matches(*p.policy, "mx1.example.net"));
  EXPECT_FALSE(sts_mx_matches(*p.policy, "example.net"));         // the wildcard needs a label
  EXPECT_FALSE(sts_mx_matches(*p.policy, "a.b.example.net"));     // ...exactly one
  EXPECT_FALSE(sts_mx_matches(*p.policy, "mail.example.com.evil.test"));
}

TEST(StsPolicy, LfOnlyUnknownKeysAndModeNone) {
  const auto p = parse_sts_policy("version: STSv1\nmode: testing\nmx: a.test\nmax_age: 0\nfuture: yes\n");
  ASSERT_TRUE(p.policy) << p.error;
  EXPECT_EQ(p.policy->mode, StsMode::testing);
  const auto none = parse_sts_policy("version: STSv1\nmode: none\nmax_age: 86400\n");
  ASSERT_TRUE(none.policy) << none.error;
  EXPECT_TRUE(none.policy->mx.empty());
}

TEST(StsPolicy, RefusesWhatIsWrong) {
  const auto bad = [](std::string_view text) { return parse_sts_policy(text).error; };
  EXPECT_EQ(bad("mode: enforce\nmx: a.test\nmax_age: 1\n"), "version, mode and max_age are required");
  EXPECT_EQ(bad("version: STSv2\nmode: enforce\nmx: a.test\nmax_age: 1\n"), "version is not STSv1");
  EXPECT_EQ(bad("version: STSv1\nmode: strict\nmx: a.test\nmax_age: 1\n"), "mode must be enforce, testing or none");
  EXPECT_EQ(bad("version: STSv1\nmode: enforce\nmax_age: 1\n"), "an enforce or testing policy needs mx patterns");
  EXPECT_EQ(bad("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: 31557601\n"), "max_age must be 0-31557600");
  EXPECT_EQ(bad("version: STSv1\nmode: enforce\nmx: a.test\nmax_age: -1\n"), "max_age must be 0-31557600");
  EXPECT_EQ(bad("version: STSv1\nmode: enforce\nmode: none\nmx: a.test\nmax_age: 1\n"), "line 3: mode given twice");
  EXPECT_EQ(bad("version: STSv1\nmode: enforce\nmx: *.*.test\nmax_age: 1\n"), "line 3: invalid mx pattern");
  EXPECT_EQ(bad("version: STSv1\ngarbage\n"), "line 2: expected 'key: value'");
  EXPECT_EQ(bad(std::string(max_sts_policy_size + 1, 'x')), "policy larger than 64 KiB");
}

}  // namespace
}  // namespace portcullis::tls
