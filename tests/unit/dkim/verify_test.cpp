// The Verifier's own rules: l= (appended content reported, a short body never passes), x=
// expiry, t= in the future, i= within d=, From in h=, rsa-sha1 untrusted, short RSA keys,
// revoked and mismatched keys, DNS failures, the signature limit, shared body hashes, and the
// same results however the message is chunked.
#include <gtest/gtest.h>

#include <random>

#include "checks/dkim/sign.hpp"
#include "helpers.hpp"

namespace {

namespace dk = portcullis::checks::dkim;
using namespace dkim_test;

constexpr std::time_t kNow = 1700000000;

const std::string kMessage =
    "Received: from client.example.net by mx.example.com; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "From: Alice <alice@example.com>\r\n"
    "To: Bob <bob@example.net>,\r\n"
    "\tCarol <carol@example.net>\r\n"
    "Subject:  Quarterly   report \r\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "Message-ID: <report-1@example.com>\r\n"
    "\r\n"
    "Hello Bob,  \r\n"
    "\tthe report is attached.\r\n"
    "\r\n"
    "Alice\r\n"
    "\r\n"
    "\r\n";

class DkimVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    rsa_ = rsa_key(2048);
    dns_.add_txt("sel._domainkey.example.com", key_record(rsa_.get()));
  }
  // Signs kMessage-like text with our own tag list (sha256 unless said).
  std::string sign(const std::string& tags, const std::string& message = kMessage) {
    return sign_with_tags(message, tags, rsa_.get());
  }
  dk::SignatureResult one(const std::string& message, dk::Limits limits = {}) {
    const auto results = verify(message, dns_, kNow, limits);
    EXPECT_EQ(results.size(), 1u);
    return results.empty() ? dk::SignatureResult{} : results.front();
  }

  dk::Pkey rsa_;
  portcullis::net::StaticDns dns_;
};

const std::string kBase = "v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=sel; h=from:to:subject:date";

TEST_F(DkimVerify, PassReportsTheSignature) {
  const auto r = one(sign(kBase));
  EXPECT_EQ(r.result, dk::Result::pass) << describe(r);
  EXPECT_TRUE(r.trusted);
  EXPECT_EQ(r.domain, "example.com");
  EXPECT_EQ(r.selector, "sel");
  EXPECT_EQ(r.identity, "@example.com");
  EXPECT_EQ(r.algorithm, "rsa-sha256");
  EXPECT_EQ(r.key_bits, 2048);
  EXPECT_EQ(r.b_prefix.size(), 8u);
  EXPECT_EQ(r.problem, "");
  EXPECT_FALSE(r.body_length_limited);
  EXPECT_FALSE(r.testing);
}

TEST_F(DkimVerify, NoSignatureGivesNoResult) {
  EXPECT_TRUE(verify(kMessage, dns_, kNow).empty());
  EXPECT_TRUE(dns_.queries().empty());
}

TEST_F(DkimVerify, TamperingFails) {
  const std::string signed_msg = sign(kBase);
  std::string body = signed_msg;
  body.replace(body.find("Hello Bob"), 9, "Hello Eve");
  EXPECT_EQ(one(body).problem, "body hash mismatch");
  std::string header = signed_msg;
  header.replace(header.find("Quarterly"), 9, "Quarterlx");
  const auto r = one(header);
  EXPECT_EQ(r.result, dk::Result::fail);
  EXPECT_EQ(r.problem, "signature did not verify");
  // Relaxed canonicalisation tolerates whitespace changes, simple does not.
  std::string spaced = signed_msg;
  spaced.replace(spaced.find("Hello Bob,  "), 12, "Hello   Bob,");
  EXPECT_EQ(one(spaced).result, dk::Result::pass);
  std::string simple = sign("v=1; a=rsa-sha256; c=simple/simple; d=example.com; s=sel; h=from:to:subject:date");
  simple.replace(simple.find("Hello Bob,  "), 12, "Hello   Bob,");
  EXPECT_EQ(one(simple).result, dk::Result::fail);
}

// l=: what follows the signed length is unsigned; it is reported, and a pass never covers it.
TEST_F(DkimVerify, BodyLengthAppendedContentIsReported) {
  dk::BodyHasher canonical(dk::Canon::relaxed, dk::HashAlg::sha256);
  const auto section = portcullis::mail::parse_headers(kMessage);
  canonical.feed(kMessage.substr(section.body_offset));
  canonical.finish();
  const std::uint64_t length = canonical.canonical_length();
  const std::string signed_msg = sign(kBase + "; l=" + std::to_string(length));
  const auto exact = one(signed_msg);
  EXPECT_EQ(exact.result, dk::Result::pass) << describe(exact);
  EXPECT_FALSE(exact.body_length_limited);

  const std::string appended = signed_msg + "Click http://evil.example/ now!\r\n";
  const auto r = one(appended);
  EXPECT_EQ(r.result, dk::Result::pass) << describe(r);
  EXPECT_TRUE(r.body_length_limited);
  EXPECT_EQ(r.unsigned_body_octets, std::string("\r\n\r\nClick http://evil.example/ now!\r\n").size());
  EXPECT_EQ(r.problem, "body partly unsigned (l=)");

  // A change within the signed length still fails.
  std::string inside = appended;
  inside.replace(inside.find("Hello Bob"), 9, "Hello Eve");
  EXPECT_EQ(one(inside).result, dk::Result::fail);
}

TEST_F(DkimVerify, BodyShorterThanLengthNeverPasses) {
  // l= larger than the body: the hash would cover octets that are not there.
  const auto r = one(sign(kBase + "; l=100000"));
  EXPECT_EQ(r.result, dk::Result::fail);
  EXPECT_EQ(r.problem, "body shorter than l=");
  // Signed with the whole length, then the body cut.
  const std::string signed_msg = sign(kBase + "; l=40");
  std::string cut = signed_msg.substr(0, signed_msg.find("Hello Bob")) + "Hello\r\n";
  const auto c = one(cut);
  EXPECT_EQ(c.result, dk::Result::fail);
  EXPECT_EQ(c.problem, "body shorter than l=");
  // l=0 signs nothing of the body: it passes, and all of the body is reported unsigned.
  const auto zero = one(sign(kBase + "; l=0"));
  EXPECT_EQ(zero.result, dk::Result::pass);
  EXPECT_TRUE(zero.body_length_limited);
}

TEST_F(DkimVerify, Expiry) {
  EXPECT_EQ(one(sign(kBase + "; t=1699990000; x=1699999999")).problem, "signature expired");
  EXPECT_EQ(one(sign(kBase + "; t=1699990000; x=1699999999")).result, dk::Result::permerror);
  EXPECT_EQ(one(sign(kBase + "; t=1699990000; x=1700000000")).result, dk::Result::pass);
  EXPECT_EQ(one(sign(kBase + "; x=1700003600")).result, dk::Result::pass);
}

TEST_F(DkimVerify, TimestampInTheFuture) {
  const auto r = one(sign(kBase + "; t=1700007201"));
  EXPECT_EQ(r.result, dk::Result::permerror);
  EXPECT_EQ(r.problem, "signature timestamp in the future");
  EXPECT_EQ(one(sign(kBase + "; t=1700003600")).result, dk::Result::pass);  // within the allowed skew
  dk::Limits strict;
  strict.max_clock_skew = 60;
  EXPECT_EQ(one(sign(kBase + "; t=1700003600"), strict).result, dk::Result::permerror);
}

TEST_F(DkimVerify, IdentityWithinDomain) {
  const auto outside = one(sign(kBase + "; i=alice@example.org"));
  EXPECT_EQ(outside.result, dk::Result::permerror);
  EXPECT_EQ(outside.problem, "i= not within d=");
  EXPECT_EQ(one(sign(kBase + "; i=alice@evilexample.com")).problem, "i= not within d=");
  const auto sub = one(sign(kBase + "; i=alice@mail.example.com"));
  EXPECT_EQ(sub.result, dk::Result::pass);
  EXPECT_EQ(sub.identity, "alice@mail.example.com");
  // A key with t=s allows no subdomain in i=.
  dns_.add_txt("strict._domainkey.example.com", key_record(rsa_.get(), "t=s; "));
  const std::string tags = "v=1; a=rsa-sha256; d=example.com; s=strict; h=from";
  EXPECT_EQ(one(sign(tags + "; i=alice@mail.example.com")).problem, "i= subdomain not allowed by the key (t=s)");
  EXPECT_EQ(one(sign(tags + "; i=alice@example.com")).result, dk::Result::pass);
}

TEST_F(DkimVerify, FromMustBeSigned) {
  const auto r = one(sign("v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject:date"));
  EXPECT_EQ(r.result, dk::Result::permerror);
  EXPECT_EQ(r.problem, "From not signed");
  EXPECT_TRUE(dns_.queries().empty());  // decided without a lookup
}

TEST_F(DkimVerify, RsaSha1IsVerifiedButNotTrusted) {
  const auto r = one(sign("v=1; a=rsa-sha1; c=simple/simple; d=example.com; s=sel; h=from:to"));
  EXPECT_EQ(r.result, dk::Result::pass) << describe(r);
  EXPECT_FALSE(r.trusted);
  EXPECT_EQ(r.problem, "rsa-sha1 is not trusted (RFC 8301)");
  std::string tampered = sign("v=1; a=rsa-sha1; d=example.com; s=sel; h=from:to");
  tampered.replace(tampered.find("Alice\r\n\r\n\r\n"), 5, "Mallo");
  EXPECT_EQ(one(tampered).result, dk::Result::fail);
  // A key restricted to sha256 refuses it.
  dns_.add_txt("only256._domainkey.example.com", key_record(rsa_.get(), "h=sha256; "));
  EXPECT_EQ(one(sign("v=1; a=rsa-sha1; d=example.com; s=only256; h=from")).problem, "hash not allowed by the key");
}

TEST_F(DkimVerify, ShortRsaKeysAreRefused) {
  auto k512 = rsa_key(512);
  auto k1024 = rsa_key(1024);
  dns_.add_txt("k512._domainkey.example.com", key_record(k512.get()));
  dns_.add_txt("k1024._domainkey.example.com", key_record(k1024.get()));
  const std::string m512 = sign_with_tags(kMessage, "v=1; a=rsa-sha256; d=example.com; s=k512; h=from", k512.get());
  const std::string m1024 = sign_with_tags(kMessage, "v=1; a=rsa-sha256; d=example.com; s=k1024; h=from", k1024.get());
  const auto r = one(m512);
  EXPECT_EQ(r.result, dk::Result::permerror);
  EXPECT_EQ(r.problem, "key too short (512 bits)");
  EXPECT_EQ(r.key_bits, 512);
  const auto ok = one(m1024);
  EXPECT_EQ(ok.result, dk::Result::pass) << describe(ok);
  EXPECT_EQ(ok.key_bits, 1024);
  dk::Limits lax;
  lax.min_rsa_bits = 512;
  EXPECT_EQ(one(m512, lax).result, dk::Result::pass);
  dk::Limits stricter;
  stricter.min_rsa_bits = 2048;
  EXPECT_EQ(one(m1024, stricter).problem, "key too short (1024 bits)");
}

TEST_F(DkimVerify, KeyRecordProblems) {
  const auto with_selector = [&](const std::string& selector) {
    return one(sign("v=1; a=rsa-sha256; d=example.com; s=" + selector + "; h=from"));
  };
  dns_.add_txt("revoked._domainkey.example.com", "v=DKIM1; k=rsa; p=");
  const auto revoked = with_selector("revoked");
  EXPECT_EQ(revoked.result, dk::Result::permerror);
  EXPECT_EQ(revoked.problem, "key revoked");
  EXPECT_EQ(with_selector("absent").problem, "no key record");
  EXPECT_EQ(with_selector("absent").result, dk::Result::permerror);
  dns_.add_empty("nodata._domainkey.example.com");
  EXPECT_EQ(with_selector("nodata").problem, "no key record");
  dns_.timeout("slow._domainkey.example.com");
  const auto slow = with_selector("slow");
  EXPECT_EQ(slow.result, dk::Result::temperror);
  EXPECT_EQ(slow.problem, "key lookup failed");
  dns_.add_txt("edkey._domainkey.example.com", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
  EXPECT_EQ(with_selector("edkey").problem, "key type does not match a=");
  dns_.add_txt("web._domainkey.example.com", key_record(rsa_.get(), "s=web; "));
  EXPECT_EQ(with_selector("web").problem, "key not for email");
  dns_.add_txt("junk._domainkey.example.com", "v=DKIM1; k=rsa; p=bm90IGEga2V5");
  EXPECT_EQ(with_selector("junk").problem, "bad rsa key");
  dns_.add_txt("testing._domainkey.example.com", key_record(rsa_.get(), "t=y; "));
  const auto testing = with_selector("testing");
  EXPECT_EQ(testing.result, dk::Result::pass);
  EXPECT_TRUE(testing.testing);
  // Several records: the one usable key record is taken; two usable ones are ambiguous.
  dns_.add_txt("two._domainkey.example.com", "v=spf1 -all");
  dns_.add_txt("two._domainkey.example.com", key_record(rsa_.get()));
  EXPECT_EQ(with_selector("two").result, dk::Result::pass);
  dns_.add_txt("dup._domainkey.example.com", key_record(rsa_.get()));
  dns_.add_txt("dup._domainkey.example.com", key_record(rsa_.get()));
  EXPECT_EQ(with_selector("dup").problem, "multiple key records");
}

TEST_F(DkimVerify, OversignedFieldsBreakWhenAdded) {
  const auto key = dk::load_signing_key("example.com", "sel", dk::private_key_pem(rsa_.get()));
  dk::Signer signer({&key});
  signer.feed(kMessage);
  const std::string signed_msg = signer.finish(kNow) + kMessage;
  EXPECT_EQ(one(signed_msg).result, dk::Result::pass);
  const auto header_end = signed_msg.find("\r\n\r\n") + 2;
  const auto add = [&](const std::string& field) {
    std::string m = signed_msg;
    m.insert(header_end, field);
    return one(m);
  };
  EXPECT_EQ(add("From: Mallory <mallory@evil.example>\r\n").result, dk::Result::fail);
  EXPECT_EQ(add("Subject: Urgent: wire the money\r\n").result, dk::Result::fail);
  EXPECT_EQ(add("Cc: someone@evil.example\r\n").result, dk::Result::fail);       // absent, over-signed
  EXPECT_EQ(add("Reply-To: mallory@evil.example\r\n").result, dk::Result::fail);  // absent, over-signed
  EXPECT_EQ(add("X-Spam-Score: 0\r\n").result, dk::Result::pass);                 // not signed: harmless
  EXPECT_EQ(add("Received: from relay.example.org\r\n").result, dk::Result::pass);
}

TEST_F(DkimVerify, SignatureLimit) {
  std::string message = kMessage;
  for (int i = 0; i < 10; ++i) message = sign(kBase + "; t=" + std::to_string(kNow - i), message);
  dk::Limits limits;
  limits.max_signatures = 8;
  const auto results = verify(message, dns_, kNow, limits);
  ASSERT_EQ(results.size(), 10u);
  for (std::size_t i = 0; i < 8; ++i) EXPECT_EQ(results[i].result, dk::Result::pass) << i;
  for (std::size_t i = 8; i < 10; ++i) {
    EXPECT_EQ(results[i].result, dk::Result::neutral);
    EXPECT_EQ(results[i].problem, "not verified: more than 8 signatures");
  }
}

TEST_F(DkimVerify, HeaderSectionTooLarge) {
  const std::string signed_msg = sign(kBase);
  std::string big = signed_msg;
  std::string filler;
  for (int i = 0; i < 100; ++i) filler += "X-Filler-" + std::to_string(i) + ": " + std::string(100, 'x') + "\r\n";
  big.insert(big.find("\r\n\r\n") + 2, filler);
  dk::Limits limits;
  limits.max_header_bytes = 4096;
  const auto r = one(big, limits);
  EXPECT_EQ(r.result, dk::Result::permerror);
  EXPECT_EQ(r.problem, "header section too large");
  EXPECT_EQ(one(big).result, dk::Result::pass);
}

TEST_F(DkimVerify, IdenticalBodyHashesAreShared) {
  auto ed = dk::generate_private_key(dk::KeyType::ed25519);
  dns_.add_txt("ed._domainkey.example.com", key_record(ed.get()));
  std::string message = sign(kBase);                                                         // relaxed, sha256
  message = sign_with_tags(message, "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed; h=from", ed.get());
  message = sign("v=1; a=rsa-sha256; c=simple/relaxed; d=example.com; s=sel; h=from", message);  // same body hash
  message = sign("v=1; a=rsa-sha256; c=relaxed/simple; d=example.com; s=sel; h=from", message);  // simple body
  message = sign("v=1; a=rsa-sha1; c=relaxed/relaxed; d=example.com; s=sel; h=from", message);    // sha1
  message = sign(kBase + "; l=10", message);                                                    // l=
  dk::Verifier v;
  v.feed(message);
  EXPECT_EQ(v.body_hashes(), 4u);
  const auto results = verify(message, dns_, kNow);
  ASSERT_EQ(results.size(), 6u);
  for (const auto& r : results) EXPECT_EQ(r.result, dk::Result::pass) << describe(r);
}

bool same(const dk::SignatureResult& a, const dk::SignatureResult& b) {
  return a.result == b.result && a.domain == b.domain && a.selector == b.selector && a.identity == b.identity &&
         a.algorithm == b.algorithm && a.trusted == b.trusted && a.b_prefix == b.b_prefix && a.problem == b.problem &&
         a.body_length_limited == b.body_length_limited && a.unsigned_body_octets == b.unsigned_body_octets &&
         a.testing == b.testing && a.key_bits == b.key_bits;
}

TEST_F(DkimVerify, ChunkingIndependence) {
  auto ed = dk::generate_private_key(dk::KeyType::ed25519);
  dns_.add_txt("ed._domainkey.example.com", key_record(ed.get()));
  std::string message = sign("v=1; a=rsa-sha256; c=simple/simple; d=example.com; s=sel; h=from:to:subject");
  message = sign_with_tags(message, "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=ed; h=from:subject",
                           ed.get());
  message = sign(kBase + "; l=20", message);
  message = sign("v=1; a=rsa-sha1; c=relaxed/simple; d=example.com; s=sel; h=from", message);
  message = "DKIM-Signature: v=1; broken\r\n" + message;
  const std::string tampered = [&] {
    std::string t = message + "appended\r\n";
    t.replace(t.find("Hello Bob"), 9, "Hello Eve");
    return t;
  }();
  for (const std::string* m : {static_cast<const std::string*>(&message), &tampered}) {
    const auto whole = verify(*m, dns_, kNow);
    ASSERT_EQ(whole.size(), 5u);
    for (const std::size_t chunk : {1u, 2u, 3u, 7u, 64u, 1000u}) {
      const auto chunked = verify(*m, dns_, kNow, {}, chunk);
      ASSERT_EQ(chunked.size(), whole.size());
      for (std::size_t i = 0; i < whole.size(); ++i)
        EXPECT_TRUE(same(chunked[i], whole[i])) << "chunk " << chunk << ": " << describe(chunked[i]) << " vs "
                                                << describe(whole[i]);
    }
  }
  const auto results = verify(message, dns_, kNow, {}, 1);
  EXPECT_EQ(results[0].result, dk::Result::permerror);
  for (std::size_t i = 1; i < 5; ++i) EXPECT_EQ(results[i].result, dk::Result::pass) << describe(results[i]);
  const auto bad = verify(tampered, dns_, kNow, {}, 1);
  EXPECT_EQ(bad[1].result, dk::Result::fail);  // rsa-sha1, relaxed/simple: the body changed
  EXPECT_EQ(bad[2].result, dk::Result::fail);  // l=20 covers "Hello Bob"
  EXPECT_EQ(bad[3].result, dk::Result::fail);
  EXPECT_EQ(bad[4].result, dk::Result::fail);
}

}  // namespace
