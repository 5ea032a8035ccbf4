// The DMARC record parser (RFC 7489 6.3, 6.4, 6.6.3; RFC 9091 np=): the records of appendix B,
// the version tag, defaults, bad values falling back to defaults, the p=/rua= rule of
// 6.6.3 step 6, report URIs with size limits, and unusable records.
#include "checks/dmarc/record.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portcullis::checks::dmarc {
namespace {

ParsedRecord ok(std::string_view txt) {
  ParsedRecord r = parse_record(txt);
  EXPECT_EQ(r.status, RecordStatus::ok) << txt << ": " << r.problem;
  return r;
}

// A record's TXT strings are concatenated as DNS gives them (no separator).
TEST(DmarcRecord, AppendixB21MonitoringOnly) {
  const auto r = ok("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com");
  EXPECT_EQ(r.record.p, Policy::none);
  EXPECT_FALSE(r.record.sp);
  EXPECT_EQ(r.record.subdomain_policy(), Policy::none);
  ASSERT_EQ(r.record.rua.size(), 1u);
  EXPECT_EQ(r.record.rua[0], (ReportUri{"mailto:dmarc-feedback@example.com", 0}));
  EXPECT_TRUE(r.record.ruf.empty());
  // Defaults (6.3).
  EXPECT_EQ(r.record.adkim, Alignment::relaxed);
  EXPECT_EQ(r.record.aspf, Alignment::relaxed);
  EXPECT_EQ(r.record.pct, 100);
  EXPECT_EQ(r.record.ri, 86400u);
  EXPECT_EQ(r.record.fo, FailureOptions{});
  EXPECT_EQ(r.record.fo_text, "0");
  EXPECT_EQ(r.record.rf, std::vector<std::string>{"afrf"});
  EXPECT_FALSE(r.record.p_defaulted);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(DmarcRecord, AppendixB22ThirdPartyReports) {
  const auto r = ok("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com,mailto:tld-test@thirdparty.example.net!10m");
  ASSERT_EQ(r.record.rua.size(), 2u);
  EXPECT_EQ(r.record.rua[0], (ReportUri{"mailto:dmarc-feedback@example.com", 0}));
  EXPECT_EQ(r.record.rua[1], (ReportUri{"mailto:tld-test@thirdparty.example.net", 10ull * 1024 * 1024}));
}

TEST(DmarcRecord, AppendixB22ReportAuthorizationRecordIsNoPolicy) {
  // "example.com._report._dmarc.thirdparty.example.net TXT v=DMARC1;" (7.1): a DMARC record,
  // but with neither p= nor rua= it is no usable policy record.
  const auto r = parse_record("v=DMARC1;");
  EXPECT_TRUE(is_dmarc_record("v=DMARC1;"));
  EXPECT_EQ(r.status, RecordStatus::invalid);
  EXPECT_NE(r.problem.find("no p="), std::string::npos) << r.problem;
}

TEST(DmarcRecord, AppendixB23PerMessageFailureReports) {
  const auto r = ok("v=DMARC1; p=none; rua=mailto:dmarc-feedback@example.com; "
                    "ruf=mailto:auth-reports@thirdparty.example.net");
  ASSERT_EQ(r.record.ruf.size(), 1u);
  EXPECT_EQ(r.record.ruf[0].uri, "mailto:auth-reports@thirdparty.example.net");
}

TEST(DmarcRecord, AppendixB24PartialQuarantine) {
  const auto r = ok("v=DMARC1; p=quarantine; rua=mailto:dmarc-feedback@example.com,"
                    "mailto:tld-test@thirdparty.example.net!10m; pct=25");
  EXPECT_EQ(r.record.p, Policy::quarantine);
  EXPECT_EQ(r.record.pct, 25);
  EXPECT_EQ(r.record.rua.size(), 2u);
}

TEST(DmarcRecord, EveryTag) {
  const auto r = ok("v=DMARC1; p=reject; sp=quarantine; np=none; adkim=s; aspf=s; pct=50; fo=1:d:s; rf=afrf:iodef; "
                    "ri=3600; rua=mailto:a@example.com!1k, mailto:b@example.com!2G; ruf=mailto:f@example.com!5T;");
  const Record& x = r.record;
  EXPECT_EQ(x.p, Policy::reject);
  EXPECT_EQ(x.sp, Policy::quarantine);
  EXPECT_EQ(x.np, Policy::none);
  EXPECT_EQ(x.subdomain_policy(), Policy::quarantine);
  EXPECT_EQ(x.nonexistent_policy(), Policy::none);
  EXPECT_EQ(x.adkim, Alignment::strict);
  EXPECT_EQ(x.aspf, Alignment::strict);
  EXPECT_EQ(x.pct, 50);
  EXPECT_EQ(x.fo, (FailureOptions{false, true, true, true}));
  EXPECT_EQ(x.fo_text, "1:d:s");
  EXPECT_EQ(x.rf, (std::vector<std::string>{"afrf", "iodef"}));
  EXPECT_EQ(x.ri, 3600u);
  ASSERT_EQ(x.rua.size(), 2u);
  EXPECT_EQ(x.rua[0].max_size, 1024u);
  EXPECT_EQ(x.rua[1].max_size, 2ull << 30);
  ASSERT_EQ(x.ruf.size(), 1u);
  EXPECT_EQ(x.ruf[0].max_size, 5ull << 40);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(DmarcRecord, SubdomainAndNonexistentPoliciesDefault) {
  auto r = ok("v=DMARC1; p=reject");
  EXPECT_EQ(r.record.subdomain_policy(), Policy::reject);
  EXPECT_EQ(r.record.nonexistent_policy(), Policy::reject);
  r = ok("v=DMARC1; p=reject; sp=none");
  EXPECT_EQ(r.record.nonexistent_policy(), Policy::none);  // np defaults to sp (RFC 9091)
}

TEST(DmarcRecord, VersionMustComeFirstAndBeExact) {
  EXPECT_TRUE(is_dmarc_record("v=DMARC1"));
  EXPECT_TRUE(is_dmarc_record("v=DMARC1; p=none"));
  EXPECT_TRUE(is_dmarc_record("  v = DMARC1 ;p=none"));
  EXPECT_TRUE(is_dmarc_record("V=DMARC1; p=none"));  // tag names are case-insensitive
  EXPECT_FALSE(is_dmarc_record("v=dmarc1; p=none"));  // the value is %x44 %x4d %x41 %x52 %x43 %x31
  EXPECT_FALSE(is_dmarc_record("v=DMARC2; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC10; p=none"));
  EXPECT_FALSE(is_dmarc_record("v=DMARC1p=none"));
  EXPECT_FALSE(is_dmarc_record("p=none; v=DMARC1"));
  EXPECT_FALSE(is_dmarc_record("v=spf1 -all"));
  EXPECT_FALSE(is_dmarc_record(""));
  EXPECT_FALSE(is_dmarc_record("v"));
  EXPECT_FALSE(is_dmarc_record("v="));
  const auto r = parse_record("v=spf1 include:example.com -all");
  EXPECT_EQ(r.status, RecordStatus::not_dmarc);
  EXPECT_FALSE(r.problem.empty());
}

TEST(DmarcRecord, KeywordsAreCaseInsensitiveAndWhiteSpaceIsAllowed) {
  const auto r = ok("V = DMARC1 ;\tP = Reject ; SP=QUARANTINE ;ADKIM=S; ;; ");
  EXPECT_EQ(r.record.p, Policy::reject);
  EXPECT_EQ(r.record.sp, Policy::quarantine);
  EXPECT_EQ(r.record.adkim, Alignment::strict);
}

TEST(DmarcRecord, TagsInAnyOrderUnknownTagsIgnored) {
  const auto r = ok("v=DMARC1; rua=mailto:x@example.com; t=y; psd=n; future_tag=1; p=quarantine");
  EXPECT_EQ(r.record.p, Policy::quarantine);
  EXPECT_EQ(r.record.rua.size(), 1u);
  EXPECT_TRUE(r.warnings.empty());
}

TEST(DmarcRecord, GarbageSpecsAreIgnored) {
  const auto r = ok("v=DMARC1; p=none; this is not a tag; 9x=1; =value");
  EXPECT_EQ(r.record.p, Policy::none);
  EXPECT_EQ(r.warnings.size(), 3u);
}

TEST(DmarcRecord, BadOptionalValuesFallBackToDefaults) {
  const auto r = ok("v=DMARC1; p=reject; adkim=x; aspf=relaxed; pct=101; ri=-5; fo=2; rf=; np=deny");
  EXPECT_EQ(r.record.adkim, Alignment::relaxed);
  EXPECT_EQ(r.record.aspf, Alignment::relaxed);
  EXPECT_EQ(r.record.pct, 100);
  EXPECT_EQ(r.record.ri, 86400u);
  EXPECT_EQ(r.record.fo, FailureOptions{});
  EXPECT_EQ(r.record.fo_text, "0");
  EXPECT_EQ(r.record.rf, std::vector<std::string>{"afrf"});
  EXPECT_FALSE(r.record.np);
  EXPECT_EQ(r.warnings.size(), 7u);
}

TEST(DmarcRecord, Pct) {
  EXPECT_EQ(ok("v=DMARC1; p=reject; pct=0").record.pct, 0);
  EXPECT_EQ(ok("v=DMARC1; p=reject; pct=100").record.pct, 100);
  EXPECT_EQ(ok("v=DMARC1; p=reject; pct=050").record.pct, 50);
  EXPECT_EQ(ok("v=DMARC1; p=reject; pct=0050").record.pct, 100);  // 1*3DIGIT
  EXPECT_EQ(ok("v=DMARC1; p=reject; pct=-1").record.pct, 100);
  EXPECT_EQ(ok("v=DMARC1; p=reject; pct=").record.pct, 100);
  EXPECT_EQ(ok("v=DMARC1; p=reject; pct=5 0").record.pct, 100);
}

TEST(DmarcRecord, Ri) {
  EXPECT_EQ(ok("v=DMARC1; p=none; ri=4294967295").record.ri, 4294967295u);
  EXPECT_EQ(ok("v=DMARC1; p=none; ri=4294967296").record.ri, 86400u);
}

TEST(DmarcRecord, MissingOrBadPWithAValidRuaIsPNone) {
  // 6.6.3 step 6.1.
  for (const char* txt : {"v=DMARC1; rua=mailto:r@example.com", "v=DMARC1; p=bogus; rua=mailto:r@example.com",
                          "v=DMARC1; p=reject; sp=bogus; rua=mailto:r@example.com",
                          "v=DMARC1; p=; sp=reject; np=reject; rua=bad-uri,mailto:r@example.com"}) {
    const auto r = ok(txt);
    EXPECT_EQ(r.record.p, Policy::none) << txt;
    EXPECT_FALSE(r.record.sp) << txt;
    EXPECT_FALSE(r.record.np) << txt;
    EXPECT_TRUE(r.record.p_defaulted) << txt;
    EXPECT_FALSE(r.warnings.empty()) << txt;
  }
}

TEST(DmarcRecord, MissingOrBadPWithoutAValidRuaIsUnusable) {
  // 6.6.3 step 6.2.
  for (const char* txt : {"v=DMARC1", "v=DMARC1; sp=reject", "v=DMARC1; p=rejected", "v=DMARC1; p=reject; sp=all",
                          "v=DMARC1; p=bogus; rua=notauri", "v=DMARC1; p=bogus; rua=", "v=DMARC1; p=\"reject\""}) {
    const auto r = parse_record(txt);
    EXPECT_EQ(r.status, RecordStatus::invalid) << txt;
    EXPECT_FALSE(r.problem.empty()) << txt;
  }
}

TEST(DmarcRecord, ATagGivenTwiceMakesTheRecordInvalid) {
  for (const char* txt : {"v=DMARC1; p=none; p=reject", "v=DMARC1; p=none; P=none", "v=DMARC1; p=none; v=DMARC1",
                          "v=DMARC1; p=none; x=1; x=2"}) {
    const auto r = parse_record(txt);
    EXPECT_EQ(r.status, RecordStatus::invalid) << txt;
    EXPECT_NE(r.problem.find("twice"), std::string::npos) << r.problem;
  }
}

TEST(DmarcRecord, InvalidUrisAreDroppedOthersKept) {
  const auto r = ok("v=DMARC1; p=none; rua=mailto:a@example.com, not a uri, :nothing, mailto:b@example.com!x, "
                    "mailto:c@example.com!1!2, https://reports.example.net/dmarc?x=%2C, mailto:d@example.com,");
  ASSERT_EQ(r.record.rua.size(), 3u);
  EXPECT_EQ(r.record.rua[0].uri, "mailto:a@example.com");
  EXPECT_EQ(r.record.rua[1].uri, "https://reports.example.net/dmarc?x=%2C");
  EXPECT_EQ(r.record.rua[2].uri, "mailto:d@example.com");
  // Dropped: "not a uri", ":nothing", "...!x", "...!1!2" and the empty element after the last comma.
  EXPECT_EQ(r.warnings.size(), 5u);
}

TEST(DmarcRecord, ReportUriSizes) {
  // RFC 7489 6.2's example: reports to reporter@example.com while they are at most 50 MB.
  EXPECT_EQ(parse_report_uri("mailto:reporter@example.com!50m"),
            (ReportUri{"mailto:reporter@example.com", 50ull * 1024 * 1024}));
  EXPECT_EQ(parse_report_uri(" mailto:a@example.com "), (ReportUri{"mailto:a@example.com", 0}));
  EXPECT_EQ(parse_report_uri("mailto:a@example.com!500")->max_size, 500u);
  EXPECT_EQ(parse_report_uri("mailto:a@example.com!10K")->max_size, 10240u);
  EXPECT_EQ(parse_report_uri("mailto:a@example.com!18446744073709551615")->max_size, 18446744073709551615ull);
  EXPECT_EQ(parse_report_uri("mailto:a@example.com!18446744073709551615t")->max_size, 18446744073709551615ull);
  EXPECT_FALSE(parse_report_uri("mailto:a@example.com!18446744073709551616"));  // must fit 64 bits
  EXPECT_FALSE(parse_report_uri("mailto:a@example.com!"));
  EXPECT_FALSE(parse_report_uri("mailto:a@example.com!m"));
  EXPECT_FALSE(parse_report_uri("mailto:a@example.com!10x"));
  EXPECT_FALSE(parse_report_uri("mailto:"));
  EXPECT_FALSE(parse_report_uri("1mailto:a@example.com"));
  EXPECT_FALSE(parse_report_uri("mailto:a b@example.com"));
  EXPECT_FALSE(parse_report_uri("mailto:a@example.com%2"));
  EXPECT_FALSE(parse_report_uri("mailto:\xc3\xa9@example.com"));
}

TEST(DmarcRecord, UriListsAreBounded) {
  std::string txt = "v=DMARC1; p=none; rua=";
  for (std::size_t k = 0; k < kMaxReportUris + 10; ++k) txt += "mailto:r" + std::to_string(k) + "@example.com,";
  const auto r = ok(txt);
  EXPECT_EQ(r.record.rua.size(), kMaxReportUris);
}

TEST(DmarcRecord, FailureOptions) {
  EXPECT_EQ(ok("v=DMARC1; p=none; fo=0").record.fo, (FailureOptions{true, false, false, false}));
  EXPECT_EQ(ok("v=DMARC1; p=none; fo=1").record.fo, (FailureOptions{false, true, false, false}));
  EXPECT_EQ(ok("v=DMARC1; p=none; fo=D : S").record.fo, (FailureOptions{false, false, true, true}));
  EXPECT_EQ(ok("v=DMARC1; p=none; fo=D : S").record.fo_text, "d:s");
  EXPECT_EQ(ok("v=DMARC1; p=none; fo=0:x").record.fo, FailureOptions{});
  EXPECT_EQ(ok("v=DMARC1; p=none; fo=01").record.fo_text, "0");
}

}  // namespace
}  // namespace portcullis::checks::dmarc
