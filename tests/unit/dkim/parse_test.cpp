// The parsers of untrusted text: the tag=value list, base64, dkim-quoted-printable,
// DKIM-Signature fields and key records.
#include <gtest/gtest.h>

#include "checks/dkim/base64.hpp"
#include "checks/dkim/key_record.hpp"
#include "checks/dkim/signature.hpp"
#include "checks/dkim/tags.hpp"
#include "helpers.hpp"

namespace {

namespace dk = portcullis::checks::dkim;

TEST(DkimTags, WhitespaceAndFolding) {
  const auto p = dk::parse_tag_list(" v = 1 ;\r\n\ta=rsa-sha256;  h = from : to ;n=two  words;");
  ASSERT_TRUE(p.ok()) << p.error;
  ASSERT_EQ(p.list.tags.size(), 4u);
  EXPECT_EQ(p.list.find("v")->value, "1");
  EXPECT_EQ(p.list.find("a")->value, "rsa-sha256");
  EXPECT_EQ(p.list.find("h")->value, "from : to");
  EXPECT_EQ(p.list.find("n")->value, "two  words");
  EXPECT_EQ(p.list.find("x"), nullptr);
  // Empty values, empty tag-specs and a trailing ";" are fine.
  const auto q = dk::parse_tag_list("p=; ;k=rsa;");
  ASSERT_TRUE(q.ok()) << q.error;
  EXPECT_EQ(q.list.find("p")->value, "");
  EXPECT_TRUE(dk::parse_tag_list("").ok());
}

TEST(DkimTags, OffsetsOfValues) {
  const std::string text = "a=1; b= xy z ;c=2";
  const auto p = dk::parse_tag_list(text);
  ASSERT_TRUE(p.ok());
  const auto* b = p.list.find("b");
  EXPECT_EQ(text.substr(b->value_begin, b->value_end - b->value_begin), " xy z ");
  EXPECT_EQ(b->value, "xy z");
}

TEST(DkimTags, Errors) {
  EXPECT_EQ(dk::parse_tag_list("a=1; a=2").error, "duplicate tag a");
  EXPECT_EQ(dk::parse_tag_list("k=rsa; t; p=abc").error, "tag t without a value");
  EXPECT_EQ(dk::parse_tag_list("k=rsa; t").error, "tag t without a value");
  EXPECT_EQ(dk::parse_tag_list("1a=x").error, "bad tag name");
  EXPECT_EQ(dk::parse_tag_list("a b=x").error, "bad tag name");
  EXPECT_EQ(dk::parse_tag_list("=x").error, "bad tag name");
  EXPECT_EQ(dk::parse_tag_list(std::string("a=x\0y", 5)).error, "bad character in tag a");
  EXPECT_EQ(dk::parse_tag_list("a=x\x7fy").error, "bad character in tag a");
  // Tag names are case-sensitive: V and v are different tags.
  EXPECT_TRUE(dk::parse_tag_list("v=1; V=1").ok());
  std::string many;
  for (int i = 0; i < 70; ++i) many += "t" + std::to_string(i) + "=x;";
  EXPECT_EQ(dk::parse_tag_list(many).error, "too many tags");
  EXPECT_EQ(dk::parse_tag_list(std::string(70 * 1024, 'a')).error, "tag list too long");
}

TEST(DkimBase64, RoundTripAndStrictness) {
  for (const std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"})
    EXPECT_EQ(dk::base64_decode(dk::base64_encode(s)).value(), s);
  EXPECT_EQ(dk::base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(dk::base64_decode(" Zm9v\r\n\tYmE= ").value(), "fooba");
  EXPECT_EQ(dk::base64_decode("Zm9vYmE").value(), "fooba");  // padding optional
  EXPECT_FALSE(dk::base64_decode("Zm9vY"));                  // 6 lone bits
  EXPECT_FALSE(dk::base64_decode("Zm9v!mE="));
  EXPECT_FALSE(dk::base64_decode("Zm=9v"));
  EXPECT_FALSE(dk::base64_decode("Zm9vYmE=="));
}

TEST(DkimQuotedPrintable, Decoding) {
  EXPECT_EQ(dk::decode_dkim_qp("=6Along@messiah.edu").value(), "jlong@messiah.edu");
  EXPECT_EQ(dk::decode_dkim_qp("jlong=40messiah.edu").value(), "jlong@messiah.edu");
  EXPECT_EQ(dk::decode_dkim_qp("jlong@ messiah=2Eedu").value(), "jlong@messiah.edu");
  EXPECT_EQ(dk::encode_dkim_qp("a=b;c d@example.com"), "a=3Db=3Bc=20d@example.com");
  EXPECT_EQ(dk::decode_dkim_qp(dk::encode_dkim_qp("a=b;c d\x80@example.com")).value(), "a=b;c d\x80@example.com");
  EXPECT_FALSE(dk::decode_dkim_qp("a=4"));
  EXPECT_FALSE(dk::decode_dkim_qp("a=ZZb"));
}

const char* kGood =
    " v=1; a=rsa-sha256; c=relaxed/simple; d=Example.COM; s=sel-1; i=user=40x@sub.example.com;"
    " q=dns/txt; l=123; t=1700000000; x=1700086400; h=From : To:subject;\r\n"
    "\tbh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=; b=dGVz dGVzdA==";

TEST(DkimSignature, ParsesEveryTag) {
  const auto p = dk::parse_signature(kGood);
  ASSERT_TRUE(p.ok()) << p.error;
  const auto& s = p.sig;
  EXPECT_EQ(s.algorithm, dk::Algorithm::rsa_sha256);
  EXPECT_EQ(s.header_canon, dk::Canon::relaxed);
  EXPECT_EQ(s.body_canon, dk::Canon::simple);
  EXPECT_EQ(s.domain, "Example.COM");
  EXPECT_EQ(s.selector, "sel-1");
  EXPECT_EQ(s.identity, "user@x@sub.example.com");
  EXPECT_EQ(s.headers, (std::vector<std::string>{"From", "To", "subject"}));
  EXPECT_EQ(s.body_hash, "12345678901234567890123456789012");
  EXPECT_EQ(s.signature, "testest");
  EXPECT_EQ(s.b_text, "dGVzdGVzdA==");
  EXPECT_EQ(s.body_length, 123u);
  EXPECT_EQ(s.timestamp, 1700000000);
  EXPECT_EQ(s.expiration, 1700086400);
  EXPECT_EQ(s.key_name(), "sel-1._domainkey.Example.COM");
  EXPECT_EQ(std::string(kGood).substr(s.b_value_begin), "dGVz dGVzdA==");
}

TEST(DkimSignature, Defaults) {
  const auto p = dk::parse_signature("v=1; a=ed25519-sha256; d=example.com; s=s; h=from; bh=YQ==; b=YQ==");
  ASSERT_TRUE(p.ok()) << p.error;
  EXPECT_EQ(p.sig.header_canon, dk::Canon::simple);
  EXPECT_EQ(p.sig.body_canon, dk::Canon::simple);
  EXPECT_EQ(p.sig.identity, "@example.com");
  EXPECT_FALSE(p.sig.identity_given);
  EXPECT_FALSE(p.sig.body_length);
  const auto r = dk::parse_signature("v=1; a=RSA-SHA256; c=relaxed; d=example.com; s=s; h=from; bh=YQ==; b=YQ==");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.sig.header_canon, dk::Canon::relaxed);
  EXPECT_EQ(r.sig.body_canon, dk::Canon::simple);  // "relaxed" alone is relaxed/simple
}

TEST(DkimSignature, Errors) {
  const std::string base = "a=rsa-sha256; d=example.com; s=s; h=from:to; bh=YQ==; b=YQ==";
  const auto err = [](const std::string& text) { return dk::parse_signature(text).error; };
  EXPECT_EQ(err(base), "missing v= tag");
  EXPECT_EQ(err("v=0.5; " + base), "incompatible version");
  EXPECT_EQ(err("v=1; d=example.com; s=s; h=from; bh=YQ==; b=YQ=="), "missing a= tag");
  EXPECT_EQ(err("v=1; a=rsa-sha256; d=example.com; s=s; h=from; b=YQ=="), "missing bh= tag");
  EXPECT_EQ(err("v=1; a=rsa-md5; d=example.com; s=s; h=from; bh=YQ==; b=YQ=="), "unsupported algorithm");
  EXPECT_EQ(err("v=1; c=future; " + base), "unsupported canonicalization");
  EXPECT_EQ(err("v=1; c=simple/odd; " + base), "unsupported canonicalization");
  EXPECT_EQ(err("v=1; q=http; " + base), "unsupported query method");
  EXPECT_TRUE(dk::parse_signature("v=1; q=foo/bar:dns/txt; " + base).ok());
  EXPECT_EQ(err("v=1; a=rsa-sha256; d=example.com; s=s; h=to:subject; bh=YQ==; b=YQ=="), "From not signed");
  EXPECT_EQ(err("v=1; a=rsa-sha256; d=example.com; s=s; h=from::to; bh=YQ==; b=YQ=="), "bad h= list");
  EXPECT_EQ(err("v=1; i=user@example.org; " + base), "i= not within d=");
  EXPECT_EQ(err("v=1; i=user@notexample.com; " + base), "i= not within d=");
  EXPECT_TRUE(dk::parse_signature("v=1; i=user@Sub.Example.com; " + base).ok());
  EXPECT_EQ(err("v=1; i=no-at-sign; " + base), "bad i= value");
  EXPECT_EQ(err("v=1; l=12a; " + base), "bad l= value");
  EXPECT_EQ(err("v=1; t=soon; " + base), "bad t= value");
  EXPECT_EQ(err("v=1; t=200; x=100; " + base), "x= not after t=");
  EXPECT_EQ(err("v=1; a=rsa-sha256; d=exa mple.com; s=s; h=from; bh=YQ==; b=YQ=="), "bad d= domain");
  EXPECT_EQ(err("v=1; a=rsa-sha256; d=example.com; s=a..b; h=from; bh=YQ==; b=YQ=="), "bad s= selector");
  EXPECT_EQ(err("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=Y!==; b=YQ=="), "bad bh= value");
  EXPECT_EQ(err("v=1; a=rsa-sha256; d=example.com; s=s; h=from; bh=YQ==; b="), "bad b= value");
  EXPECT_EQ(err("v=1; v=1; " + base), "duplicate tag v");
  // What can be reported is filled in even when the field is unusable.
  const auto p = dk::parse_signature("v=2; a=rsa-sha256; d=example.com; s=sel; h=from; bh=YQ==; b=abcdefghij");
  EXPECT_FALSE(p.ok());
  EXPECT_EQ(p.sig.domain, "example.com");
  EXPECT_EQ(p.sig.selector, "sel");
  EXPECT_EQ(p.sig.b_text, "abcdefghij");
}

TEST(DkimKeyRecord, Tags) {
  const auto k = dk::parse_key_record("v=DKIM1; k=ed25519; h=sha256; t=y:s; s=email; n=notes; p=YWJj");
  ASSERT_TRUE(k.ok()) << k.error;
  EXPECT_EQ(k.key.key_type, dk::KeyType::ed25519);
  EXPECT_TRUE(k.key.sha256_allowed);
  EXPECT_FALSE(k.key.sha1_allowed);
  EXPECT_TRUE(k.key.testing);
  EXPECT_TRUE(k.key.strict);
  EXPECT_EQ(k.key.public_key, "abc");
  const auto d = dk::parse_key_record("p=YWJj");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.key.key_type, dk::KeyType::rsa);
  EXPECT_TRUE(d.key.sha1_allowed && d.key.sha256_allowed);
  EXPECT_FALSE(d.key.revoked);
  const auto revoked = dk::parse_key_record("v=DKIM1; k=rsa; p=");
  ASSERT_TRUE(revoked.ok());
  EXPECT_TRUE(revoked.key.revoked);
}

// The key records of the Mail::DKIM corpus (t/FAKE_DNS.dat) whose messages carry a pre-RFC
// v=0.5 signature: their record checks are made here directly.
TEST(DkimKeyRecord, MailDkimCorpusRecords) {
  const std::string pad = "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALgSoqXVSEmfcIsOzw7oRuCCOwsmtX/SJnTWxYyj2leFxfS/AVJ+dYfY+hXqMsT7l+MZvvh/R1WzN4MO/kI/7XsCAwEAAQ==";
  EXPECT_TRUE(dk::parse_key_record("k=rsa; t=y; p=").key.revoked);                           // testrevoked
  EXPECT_EQ(dk::parse_key_record("v=DKIM3; t=y; p=" + pad).error, "key record: bad version");  // testbad1
  EXPECT_EQ(dk::parse_key_record("k=rsa; t; p=" + pad).error, "key record: tag t without a value");  // testbad2
  EXPECT_EQ(dk::parse_key_record("k=foobar; t=y; p=" + pad).error, "unknown key type");        // testbad3
  EXPECT_EQ(dk::parse_key_record("v=DKIM1; s=chat; p=" + pad).error, "key not for email");     // testbad4
  const auto h = dk::parse_key_record("v=DKIM1; h=bad; p=" + pad);                              // testbad7
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h.key.allows(dk::HashAlg::sha1));
  EXPECT_FALSE(h.key.allows(dk::HashAlg::sha256));
  const auto test2 = dk::parse_key_record("v=DKIM1; s=email:web:fine; x1 = extra ; t = y:n:extra; h=md5:sha1; p=" + pad + " ; ");
  ASSERT_TRUE(test2.ok()) << test2.error;
  EXPECT_TRUE(test2.key.allows(dk::HashAlg::sha1));
  EXPECT_FALSE(test2.key.allows(dk::HashAlg::sha256));
  EXPECT_EQ(dk::parse_key_record("k=rsa; v=DKIM1; p=" + pad).error, "key record: v= not first");
  EXPECT_EQ(dk::parse_key_record("v=DKIM1; k=rsa").error, "key record without p=");
  EXPECT_EQ(dk::parse_key_record("v=DKIM1; p=@@@").error, "bad p= value");
  EXPECT_FALSE(dk::parse_key_record("\"\"").ok());
}

TEST(DkimKeyRecord, PublicKeyLoading) {
  std::string error;
  // An Ed25519 key wrapped in SubjectPublicKeyInfo is not what RFC 8463 publishes.
  const auto spki = dk::base64_decode("MCowBQYDK2VwAyEA3SUqa9UbfciWkk7tlcJ9P1VD5pXAasg0JUn/OgjVbKE=").value();
  EXPECT_FALSE(dk::load_public_key(dk::KeyType::ed25519, spki, error));
  EXPECT_EQ(error, "bad ed25519 key (44 octets, not 32)");
  const auto raw = dk::base64_decode("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=").value();
  const auto ed = dk::load_public_key(dk::KeyType::ed25519, raw, error);
  ASSERT_TRUE(ed);
  EXPECT_EQ(ed->bits, 256);
  // RSA: SubjectPublicKeyInfo and bare PKCS#1 RSAPublicKey both load.
  const auto der = dk::base64_decode(
                       "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"
                       "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+"
                       "2kryOTIKT+l/K4w3QIDAQAB")
                       .value();
  const auto rsa = dk::load_public_key(dk::KeyType::rsa, der, error);
  ASSERT_TRUE(rsa) << error;
  EXPECT_EQ(rsa->bits, 1024);
  const auto pkcs1 = dk::load_public_key(dk::KeyType::rsa, der.substr(22), error);  // past the SPKI header
  ASSERT_TRUE(pkcs1) << error;
  EXPECT_EQ(pkcs1->bits, 1024);
  EXPECT_FALSE(dk::load_public_key(dk::KeyType::rsa, "not a key", error));
  EXPECT_FALSE(dk::load_public_key(dk::KeyType::rsa, raw, error));
}

}  // namespace
