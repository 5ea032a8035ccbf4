// The parsers of the three ARC header fields (RFC 8617 4.1): what they accept, what they
// refuse and the problem they name.
#include <gtest/gtest.h>

#include "checks/arc/fields.hpp"
#include "checks/arc/result.hpp"
#include "mail/auth_results.hpp"

namespace {

namespace arc = portcullis::checks::arc;
namespace dk = portcullis::checks::dkim;

// A well-formed AMS value with `extra` tags first; `drop` removes one tag of the base.
std::string ams(const std::string& extra = "", const std::string& drop = "") {
  const std::vector<std::pair<std::string, std::string>> base = {
      {"i", "1"},
      {"a", "rsa-sha256"},
      {"c", "relaxed/relaxed"},
      {"d", "example.org"},
      {"s", "sel"},
      {"t", "1700000000"},
      {"h", "from:to:subject"},
      {"bh", "KWSe46TZKCcDbH4klJPo+tjk5LWJnVRlP5pvjXFZYLQ="},
      {"b", "dGVzdA=="}};
  std::string out = extra;
  for (const auto& [name, value] : base)
    if (name != drop) out += " " + name + "=" + value + ";";
  return out;
}

std::string seal(const std::string& extra = "", const std::string& drop = "") {
  const std::vector<std::pair<std::string, std::string>> base = {
      {"i", "2"}, {"cv", "pass"}, {"a", "rsa-sha256"}, {"d", "example.org"},
      {"s", "sel"}, {"t", "1700000000"}, {"b", "dGVzdA=="}};
  std::string out = extra;
  for (const auto& [name, value] : base)
    if (name != drop) out += " " + name + "=" + value + ";";
  return out;
}

TEST(ArcFields, Names) {
  EXPECT_EQ(arc::field_kind("arc-seal"), arc::FieldKind::seal);
  EXPECT_EQ(arc::field_kind("ARC-Message-Signature"), arc::FieldKind::message_signature);
  EXPECT_EQ(arc::field_kind("Arc-Authentication-Results"), arc::FieldKind::auth_results);
  EXPECT_FALSE(arc::field_kind("ARC-Filter"));
  EXPECT_EQ(arc::parse_cv("Pass"), arc::Cv::pass);  // ABNF literals are case-insensitive
  EXPECT_EQ(arc::parse_cv("none"), arc::Cv::none);
  EXPECT_FALSE(arc::parse_cv("invalid"));
  EXPECT_FALSE(arc::parse_cv(""));
}

TEST(ArcFields, AuthResults) {
  auto p = arc::parse_auth_results(" i=1; lists.example.org;\r\n\tspf=pass smtp.mfrom=jqd@d1.example;\r\n\tdmarc=pass");
  ASSERT_TRUE(p.ok()) << p.problem;
  EXPECT_EQ(p.field.instance, 1);
  EXPECT_EQ(p.field.authserv_id, "lists.example.org");
  EXPECT_EQ(p.field.results, "spf=pass smtp.mfrom=jqd@d1.example;\tdmarc=pass");

  p = arc::parse_auth_results(" (c) i (d) = 50 (e) ; (f) \"my id\" 1; none");
  ASSERT_TRUE(p.ok()) << p.problem;
  EXPECT_EQ(p.field.instance, 50);
  EXPECT_EQ(p.field.authserv_id, "my id");
  EXPECT_EQ(p.field.results, "none");

  const std::pair<const char*, const char*> bad[] = {
      {" lists.example.org; i=1; spf=pass", "missing i= tag (it must come first)"},  // i= must come first
      {" i=0; a.example; none", "bad i= value"},
      {" i=51; a.example; none", "bad i= value"},
      {" i=001; a.example; none", "bad i= value"},  // 1*2DIGIT
      {" i=; a.example; none", "bad i= value"},
      {" i=yo; a.example; none", "bad i= value"},
      {" i=1 a.example; none", "no \";\" after i="},
      {" I=1; a.example; none", "missing i= tag (it must come first)"},  // %x69
      {" i=1; ; none", "missing authserv-id"},
      {" i=1; a.example", "no results after the authserv-id"},
      {" i=1; a.example;", "no results after the authserv-id"},
      {" i=1; (unclosed a.example; none", "bad comment"},
      {" i=1; \"unclosed; none", "unterminated quoted authserv-id"},
  };
  for (const auto& [value, problem] : bad) {
    const auto r = arc::parse_auth_results(value);
    EXPECT_EQ(r.problem, problem) << value;
  }
  EXPECT_EQ(arc::field_instance(arc::FieldKind::auth_results, " i=7; a.example"), 7);  // i= readable, rest bad
  EXPECT_FALSE(arc::field_instance(arc::FieldKind::auth_results, " i=x; a.example; none"));
}

TEST(ArcFields, MessageSignature) {
  auto p = arc::parse_message_signature(ams());
  ASSERT_TRUE(p.ok()) << p.problem;
  EXPECT_EQ(p.sig.instance, 1);
  EXPECT_EQ(p.sig.algorithm, dk::Algorithm::rsa_sha256);
  EXPECT_EQ(p.sig.header_canon, dk::Canon::relaxed);
  EXPECT_EQ(p.sig.domain, "example.org");
  EXPECT_EQ(p.sig.key_name(), "sel._domainkey.example.org");
  EXPECT_EQ(p.sig.headers, (std::vector<std::string>{"from", "to", "subject"}));
  EXPECT_EQ(p.sig.timestamp, 1700000000);
  EXPECT_EQ(p.sig.signature, "test");
  EXPECT_EQ(ams().substr(p.sig.b_value_begin, p.sig.b_value_end - p.sig.b_value_begin), "dGVzdA==");

  // v= is ignored whatever it says (RFC 8617 4.1.2); unknown tags too; c= defaults to simple.
  EXPECT_TRUE(arc::parse_message_signature(ams(" v=2; x_new=1;")).ok());
  p = arc::parse_message_signature(ams("", "c"));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p.sig.header_canon, dk::Canon::simple);
  EXPECT_EQ(p.sig.body_canon, dk::Canon::simple);
  EXPECT_TRUE(arc::parse_message_signature(ams(" l=100; x=1800000000;")).ok());
  EXPECT_TRUE(arc::parse_message_signature(ams() + " ").ok());  // a trailing ";" is fine

  for (const char* tag : {"i", "a", "b", "bh", "d", "h", "s"})
    EXPECT_EQ(arc::parse_message_signature(ams("", tag)).problem, std::string("missing ") + tag + "= tag") << tag;

  const std::pair<std::string, std::string> bad[] = {
      {" i=0;" + ams("", "i"), "bad i= value"},
      {" i=@example.org;" + ams("", "i"), "bad i= value"},  // the instance, not DKIM's AUID
      {" a=rsa-md5;" + ams("", "a"), "unsupported algorithm"},
      {" c=fancy;" + ams("", "c"), "unsupported canonicalization"},
      {" q=http;" + ams(), "unsupported query method"},
      {" d=a..b;" + ams("", "d"), "bad d= domain"},
      {" h=to:subject;" + ams("", "h"), "From not signed"},
      {" h=from::to;" + ams("", "h"), "bad h= list"},
      {" h=;" + ams("", "h"), "bad h= list"},
      {" h=from:arc-seal;" + ams("", "h"), "h= lists ARC-Seal"},
      {" bh=;" + ams("", "bh"), "bad bh= value"},
      {" b=not base64;" + ams("", "b"), "bad b= value"},
      {" t=1 2;" + ams("", "t"), "bad t= value"},
      {" t=;" + ams("", "t"), "bad t= value"},
      {" x=1600000000;" + ams(), "x= not after t="},
      {" ;" + ams(), "empty tag-spec"},
      {ams() + " ; ;", "empty tag-spec"},
      {" H=from;" + ams("", "h"), "missing h= tag"},  // tag names are case-sensitive
      {" d=a.example;" + ams(), "duplicate tag d"},
  };
  for (const auto& [value, problem] : bad) EXPECT_EQ(arc::parse_message_signature(value).problem, problem) << value;
  // ARC-Authentication-Results and ARC-Message-Signature in h= are accepted when validating
  // (draft-era sealers sign them; RFC 8617 4.1.2 forbids it to sealers, and ours never does).
  EXPECT_TRUE(arc::parse_message_signature(" h=from:arc-authentication-results;" + ams("", "h")).ok());
}

TEST(ArcFields, Seal) {
  auto p = arc::parse_seal(seal());
  ASSERT_TRUE(p.ok()) << p.problem;
  EXPECT_EQ(p.seal.instance, 2);
  EXPECT_EQ(p.seal.cv, arc::Cv::pass);
  EXPECT_EQ(p.seal.key_name(), "sel._domainkey.example.org");
  EXPECT_EQ(p.seal.timestamp, 1700000000);
  EXPECT_TRUE(arc::parse_seal(seal("", "t")).ok());  // t= is optional
  EXPECT_TRUE(arc::parse_seal(seal(" bh=x; x_new=y;")).ok());  // unknown tags ignored
  EXPECT_EQ(arc::parse_seal(" cv=None;" + seal("", "cv")).seal.cv, arc::Cv::none);
  EXPECT_EQ(arc::parse_seal(" a=ed25519-sha256;" + seal("", "a")).seal.algorithm, dk::Algorithm::ed25519_sha256);

  for (const char* tag : {"i", "cv", "a", "b", "d", "s"})
    EXPECT_EQ(arc::parse_seal(seal("", tag)).problem, std::string("missing ") + tag + "= tag") << tag;
  const std::pair<std::string, std::string> bad[] = {
      {" h=from;" + seal(), "h= tag in an ARC-Seal"},  // RFC 8617 4.1.3
      {" cv=;" + seal("", "cv"), "bad cv= value"},
      {" cv=maybe;" + seal("", "cv"), "bad cv= value"},
      {" i=51;" + seal("", "i"), "bad i= value"},
      {" i=-1;" + seal("", "i"), "bad i= value"},
      {" t=12 345;" + seal("", "t"), "bad t= value"},
      {" s=;" + seal("", "s"), "bad s= selector"},
      {" b=;" + seal("", "b"), "bad b= value"},
      {seal() + ";", "empty tag-spec"},
      {" ==;" + seal(), "bad tag name"},
  };
  for (const auto& [value, problem] : bad) EXPECT_EQ(arc::parse_seal(value).problem, problem) << value;
  EXPECT_EQ(arc::field_instance(arc::FieldKind::seal, seal("", "b")), 2);  // i= readable, b= missing
  EXPECT_FALSE(arc::field_instance(arc::FieldKind::seal, " ==;" + seal()));
  EXPECT_FALSE(arc::field_instance(arc::FieldKind::message_signature, ams("", "i")));
}

TEST(ArcFields, NeverThrowOnOddInput) {
  const std::string odd[] = {"", ";", "=", "i", "i=", "i=1", "\r\n", std::string(70000, 'a'), "i=1; \"", "i=1; (((",
                             std::string("i=1;\0x", 5), "\xff\xfe=\x80;"};
  for (const auto& s : odd) {
    EXPECT_FALSE(arc::parse_auth_results(s).ok()) << s.substr(0, 20);
    EXPECT_FALSE(arc::parse_message_signature(s).ok());
    EXPECT_FALSE(arc::parse_seal(s).ok());
  }
}

TEST(ArcResult, AuthenticationResultsClause) {
  arc::ChainResult r;
  r.cv = arc::Cv::pass;
  r.instances = 2;
  r.oldest_pass = 0;
  EXPECT_EQ(portcullis::mail::authentication_results_field("mx.example.org", {arc::auth_result(r, "192.0.2.1")}),
            "Authentication-Results: mx.example.org;\r\n\tarc=pass (i=2) header.oldest-pass=0 "
            "smtp.remote-ip=192.0.2.1\r\n");
  r.cv = arc::Cv::fail;
  r.problem = "ARC-Seal i=1: signature did not verify";
  const auto f = arc::auth_result(r);
  EXPECT_EQ(f.result, "fail");
  EXPECT_EQ(f.comment, r.problem);
  EXPECT_TRUE(f.properties.empty());
  EXPECT_EQ(arc::auth_result(arc::ChainResult{}).result, "none");
}

}  // namespace
