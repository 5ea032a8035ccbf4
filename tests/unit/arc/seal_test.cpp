// Our Sealer and Validator together, through an in-memory DNS zone: a sealed message
// validates; tampering with its body, its signed fields or its ARC fields makes it fail; a
// chain of two (and three) hops passes with the right oldest-pass; 50 sets are the most;
// Ed25519; a failed chain is sealed cv=fail over the new set alone and then never again; a
// temporary DNS failure is not sealed; what the Sealer refuses.
#include <gtest/gtest.h>

#include <algorithm>

#include "checks/arc/fields.hpp"
#include "checks/dkim/base64.hpp"
#include "checks/dkim/canon.hpp"
#include "checks/dkim/text.hpp"
#include "helpers.hpp"
#include "mail/headers.hpp"

namespace {

using namespace arc_test;

constexpr std::time_t kNow = 1700000000;

const std::string kMessage =
    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.com; s=dk; h=from:to:subject;\r\n"
    "\tbh=MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI=; b=dGVzdA==\r\n"
    "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.com\r\n"
    "Received: from a.example.com by mx.example.com; Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "From: Alice <alice@example.com>\r\n"
    "To: list@lists.example.net\r\n"
    "Subject: Hello\r\n"
    "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
    "Message-ID: <hello-1@example.com>\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "Hello list.\r\n"
    "  Second line with  spaces  \r\n";

// What each hop does: validate what came in, then seal it with that result.
struct Hop {
  TestKey key;
  std::string authserv_id;
};

class ArcSeal : public ::testing::Test {
 protected:
  void SetUp() override {
    list_ = {make_key("lists.example.net", "arc"), "mx.lists.example.net"};
    relay_ = {make_key("relay.example.org", "ed", true), "mx.relay.example.org"};
    publish(dns_, list_.key);
    publish(dns_, relay_.key);
  }

  std::string hop(const std::string& message, const Hop& h, const std::string& results = "spf=pass") {
    const auto chain = validate(message, dns_, kNow);
    return sealed(message, chain, h.key.key, kNow, h.authserv_id, results + "; " + arc_clause(chain));
  }
  static std::string arc_clause(const arc::ChainResult& r) {
    const auto clause = arc::auth_result(r);
    return clause.method + "=" + clause.result;
  }

  portcullis::net::StaticDns dns_;
  Hop list_;
  Hop relay_;
};

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto end = text.find("\r\n", pos);
    out.push_back(text.substr(pos, end - pos));
    if (end == std::string::npos) break;
    pos = end + 2;
  }
  return out;
}

// `message` with the first occurrence of `from` replaced by `to`.
std::string replaced(std::string message, const std::string& from, const std::string& to) {
  const auto at = message.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) message.replace(at, from.size(), to);
  return message;
}

TEST_F(ArcSeal, SealedMessageValidates) {
  const auto none = validate(kMessage, dns_, kNow);
  EXPECT_EQ(none.cv, arc::Cv::none);
  EXPECT_EQ(none.instances, 0);

  std::string error;
  const auto set = arc::seal_message(kMessage, none, list_.key.key, "mx.lists.example.net",
                                     "spf=pass smtp.mailfrom=example.com;\r\n dkim=pass header.d=example.com; arc=none",
                                     kNow, error);
  ASSERT_TRUE(set) << error;
  EXPECT_EQ(set->instance, 1);
  EXPECT_EQ(set->cv, arc::Cv::none);
  EXPECT_EQ(set->seal.rfind("ARC-Seal: a=rsa-sha256;\r\n\tb=", 0), 0u) << set->seal;
  EXPECT_NE(set->seal.find("cv=none; d=lists.example.net; i=1; s=arc; t=1700000000\r\n"), std::string::npos)
      << set->seal;
  EXPECT_EQ(set->message_signature.rfind("ARC-Message-Signature: a=rsa-sha256;\r\n\tb=", 0), 0u);
  EXPECT_EQ(set->auth_results,
            "ARC-Authentication-Results: i=1; mx.lists.example.net;\r\n\tspf=pass smtp.mailfrom=example.com;\r\n"
            "\tdkim=pass header.d=example.com;\r\n\tarc=none\r\n");
  // The AMS signs DKIM-Signature and the usual fields, never Authentication-Results or ARC fields.
  const auto ams = arc::parse_message_signature(set->message_signature.substr(set->message_signature.find(':') + 1));
  ASSERT_TRUE(ams.ok()) << ams.problem;
  EXPECT_EQ(ams.sig.header_canon, dk::Canon::relaxed);
  EXPECT_EQ(ams.sig.body_canon, dk::Canon::relaxed);
  const auto& h = ams.sig.headers;
  EXPECT_NE(std::find(h.begin(), h.end(), "dkim-signature"), h.end());
  EXPECT_NE(std::find(h.begin(), h.end(), "subject"), h.end());
  for (const auto& name : h) {
    EXPECT_FALSE(dk::iequals(name, "authentication-results")) << name;
    EXPECT_NE(dk::to_lower(name).rfind("arc-", 0), 0u) << name;
  }
  for (const auto& line : lines_of(set->text())) EXPECT_LE(line.size(), 78u) << line;

  const std::string message = set->text() + kMessage;
  const auto r = validate(message, dns_, kNow);
  EXPECT_EQ(r.cv, arc::Cv::pass) << describe(r);
  EXPECT_EQ(r.instances, 1);
  EXPECT_EQ(r.oldest_pass, 0);
  ASSERT_EQ(r.sets.size(), 1u);
  EXPECT_EQ(r.sets[0].authserv_id, "mx.lists.example.net");
  EXPECT_EQ(r.sets[0].domain, "lists.example.net");
  EXPECT_EQ(r.sets[0].selector, "arc");
  EXPECT_EQ(r.sets[0].ams_domain, "lists.example.net");
  EXPECT_EQ(r.sets[0].cv, arc::Cv::none);
  EXPECT_TRUE(r.sets[0].ams_valid && r.sets[0].seal_valid);

  // However the message is cut into chunks.
  for (const std::size_t chunk : {1u, 3u, 64u, 1000u}) {
    const auto c = validate(message, dns_, kNow, {}, chunk);
    EXPECT_EQ(c.cv, arc::Cv::pass) << chunk << ": " << describe(c);
  }
  // Fields the AMS does not cover may be added on the way.
  const std::string later = "Authentication-Results: mx.example.org; arc=pass\r\n"
                            "Received: from mx.lists.example.net by mx.example.org\r\n" +
                            message;
  EXPECT_EQ(validate(later, dns_, kNow).cv, arc::Cv::pass);
}

TEST_F(ArcSeal, TamperingFails) {
  const std::string message = hop(kMessage, list_);
  ASSERT_EQ(validate(message, dns_, kNow).cv, arc::Cv::pass);
  const auto fails = [&](const std::string& changed, const std::string& problem) {
    const auto r = validate(changed, dns_, kNow);
    EXPECT_EQ(r.cv, arc::Cv::fail) << problem;
    EXPECT_NE(r.problem.find(problem), std::string::npos) << "want '" << problem << "', got: " << describe(r);
  };
  fails(replaced(message, "Hello list.", "Hello LIST."), "ARC-Message-Signature i=1: body hash mismatch");
  fails(message + "Appended footer\r\n", "ARC-Message-Signature i=1: body hash mismatch");
  fails(replaced(message, "Subject: Hello", "Subject: Hello!"), "ARC-Message-Signature i=1: signature did not verify");
  fails(replaced(message, "To: list@", "To: other@"), "ARC-Message-Signature i=1: signature did not verify");
  fails("From: Mallory <m@example.com>\r\n" + message, "ARC-Message-Signature i=1: signature did not verify");
  fails(replaced(message, "spf=pass", "spf=fail"), "ARC-Seal i=1: signature did not verify");  // the AAR
  fails(replaced(message, "c=relaxed/relaxed", "c=relaxed/simple"), "ARC-Message-Signature i=1:");
  fails(replaced(message, "cv=none", "cv=pass"), "ARC-Seal i=1: cv=pass (must be none)");
  fails(replaced(message, "ARC-Authentication-Results: i=1", "ARC-Authentication-Results: i=2"),
        "i=1 has no ARC-Authentication-Results");
  const auto aar_at = message.find("ARC-Authentication-Results:");
  fails(message.substr(0, aar_at) + message.substr(message.find("\r\nDKIM-Signature") + 2),
        "i=1 has no ARC-Authentication-Results");
  const std::string seal_field = message.substr(0, message.find("ARC-Message-Signature:"));
  fails(seal_field + message, "i=1 has 2 ARC-Seal fields");
  // The AS's own b=: change one base64 digit.
  const auto b = message.find("b=", message.find("ARC-Seal:")) + 2;
  std::string flipped = message;
  flipped[b + 10] = flipped[b + 10] == 'A' ? 'B' : 'A';
  fails(flipped, "ARC-Seal i=1: signature did not verify");
}

TEST_F(ArcSeal, TwoHopsPass) {
  const std::string one = hop(kMessage, list_);
  const std::string two = hop(one, relay_, "dkim=pass header.d=example.com");
  const auto r = validate(two, dns_, kNow);
  EXPECT_EQ(r.cv, arc::Cv::pass) << describe(r);
  EXPECT_EQ(r.instances, 2);
  EXPECT_EQ(r.oldest_pass, 0) << "every AMS validates";
  ASSERT_EQ(r.sets.size(), 2u);
  EXPECT_EQ(r.sets[0].domain, "lists.example.net");
  EXPECT_EQ(r.sets[0].cv, arc::Cv::none);
  EXPECT_EQ(r.sets[1].domain, "relay.example.org");
  EXPECT_EQ(r.sets[1].authserv_id, "mx.relay.example.org");
  EXPECT_EQ(r.sets[1].cv, arc::Cv::pass);
  EXPECT_NE(two.find("ARC-Authentication-Results: i=2; mx.relay.example.org;\r\n\tdkim=pass header.d=example.com;\r\n"
                     "\tarc=pass\r\n"),
            std::string::npos);
  // Changed after the second hop sealed it: its AMS no longer validates, the chain fails.
  const auto broken = validate(replaced(two, "Subject: Hello", "Subject: Bye"), dns_, kNow);
  EXPECT_EQ(broken.cv, arc::Cv::fail);
  EXPECT_NE(broken.problem.find("ARC-Message-Signature i=2"), std::string::npos) << describe(broken);
}

// A mailing list changes the message after validating it, then seals: the next hop's chain
// passes, and oldest-pass tells that the AMSs validate from instance 2 on.
TEST_F(ArcSeal, OldestPassAfterAChange) {
  const std::string one = hop(kMessage, list_);
  const auto at_list = validate(one, dns_, kNow);
  ASSERT_EQ(at_list.cv, arc::Cv::pass);
  std::string changed = replaced(one, "Subject: Hello", "Subject: [list] Hello");
  changed += "-- \r\nThe list footer\r\n";
  const std::string two = sealed(changed, at_list, relay_.key.key, kNow, relay_.authserv_id, "arc=pass");
  const auto r = validate(two, dns_, kNow);
  EXPECT_EQ(r.cv, arc::Cv::pass) << describe(r);
  EXPECT_EQ(r.oldest_pass, 2);
  ASSERT_EQ(r.sets.size(), 2u);
  EXPECT_TRUE(r.sets[0].ams_checked);
  EXPECT_FALSE(r.sets[0].ams_valid);
  EXPECT_NE(r.sets[0].problem.find("body hash mismatch"), std::string::npos) << r.sets[0].problem;
  EXPECT_TRUE(r.sets[1].ams_valid);
  EXPECT_TRUE(r.sets[0].seal_valid && r.sets[1].seal_valid);
  EXPECT_EQ(arc::auth_result(r).properties.front().second, "2");

  // Without the oldest-pass step the older AMS is not looked at.
  arc::Limits quick;
  quick.oldest_pass = false;
  const auto q = validate(two, dns_, kNow, quick);
  EXPECT_EQ(q.cv, arc::Cv::pass);
  EXPECT_EQ(q.oldest_pass, 2);
  EXPECT_FALSE(q.sets[0].ams_checked);
}

TEST_F(ArcSeal, FiftySetsAtMost) {
  // 50 hops sealed with the Ed25519 key (each seal given the pass the previous one deserves).
  std::string message = kMessage;
  arc::ChainResult chain;
  for (int i = 1; i <= 50; ++i) {
    std::string error;
    const auto set = arc::seal_message(message, chain, relay_.key.key, relay_.authserv_id, "arc=pass", kNow, error);
    ASSERT_TRUE(set) << i << ": " << error;
    ASSERT_EQ(set->instance, i);
    message = set->text() + message;
    chain.cv = arc::Cv::pass;
    chain.instances = i;
  }
  const auto r = validate(message, dns_, kNow);
  EXPECT_EQ(r.cv, arc::Cv::pass) << describe(r);
  EXPECT_EQ(r.instances, 50);
  EXPECT_EQ(r.oldest_pass, 0);
  EXPECT_EQ(dns_.queries().size(), 1u) << "one key, looked up once";

  std::string error;
  EXPECT_FALSE(arc::seal_message(message, r, relay_.key.key, relay_.authserv_id, "arc=pass", kNow, error));
  EXPECT_NE(error.find("50 ARC sets"), std::string::npos) << error;

  // A 51st set (as another sealer might add) is no valid instance: the chain fails.
  const std::string extra = "ARC-Seal: i=51; cv=pass; a=rsa-sha256; d=x.example; s=s; b=dGVzdA==\r\n";
  const auto over = validate(extra + message, dns_, kNow);
  EXPECT_EQ(over.cv, arc::Cv::fail);
  EXPECT_NE(over.problem.find("ARC-Seal without a valid i="), std::string::npos) << describe(over);
}

TEST_F(ArcSeal, Ed25519) {
  const std::string one = hop(kMessage, relay_);
  EXPECT_NE(one.find("ARC-Seal: a=ed25519-sha256;"), std::string::npos);
  EXPECT_NE(one.find("ARC-Message-Signature: a=ed25519-sha256;"), std::string::npos);
  const auto r = validate(one, dns_, kNow);
  EXPECT_EQ(r.cv, arc::Cv::pass) << describe(r);
  // RSA on top of Ed25519.
  EXPECT_EQ(validate(hop(one, list_), dns_, kNow).cv, arc::Cv::pass);
  // The key record must be an Ed25519 one.
  portcullis::net::StaticDns wrong;
  wrong.add_txt("ed._domainkey.relay.example.org", list_.key.txt);
  const auto w = validate(one, wrong, kNow);
  EXPECT_EQ(w.cv, arc::Cv::fail);
  EXPECT_NE(w.problem.find("key type does not match a="), std::string::npos) << describe(w);
}

// RFC 8617 5.1.2: a failed chain gets a set with cv=fail whose AS signs that set alone; after
// it, nothing more is sealed (5.1 step 1) and the chain stays failed.
TEST_F(ArcSeal, FailedChainIsSealedAlone) {
  const std::string one = hop(kMessage, list_);
  const std::string broken = replaced(one, "spf=pass", "spf=softfail");  // AAR(1) changed: AS(1) breaks
  const auto r = validate(broken, dns_, kNow);
  ASSERT_EQ(r.cv, arc::Cv::fail);
  EXPECT_FALSE(r.temporary);

  std::string error;
  const auto set = arc::seal_message(broken, r, relay_.key.key, relay_.authserv_id, "arc=fail", kNow, error);
  ASSERT_TRUE(set) << error;
  EXPECT_EQ(set->instance, 2);
  EXPECT_EQ(set->cv, arc::Cv::fail);
  EXPECT_NE(set->seal.find("cv=fail;"), std::string::npos);

  // The AS signature covers the new AAR, AMS and AS only.
  const auto seal = arc::parse_seal(set->seal.substr(set->seal.find(':') + 1));
  ASSERT_TRUE(seal.ok()) << seal.problem;
  std::string alone;
  dk::canon_header(dk::Canon::relaxed, set->auth_results, alone);
  dk::canon_header(dk::Canon::relaxed, set->message_signature, alone);
  std::string without_b = dk::field_without_value_range(set->seal, seal.seal.b_value_begin, seal.seal.b_value_end);
  dk::canon_header(dk::Canon::relaxed, without_b, alone);
  std::string load_error;
  const auto record = relay_.key.txt.substr(relay_.key.txt.find("p=") + 2);
  const auto pub = dk::load_public_key(dk::KeyType::ed25519, dk::base64_decode(record).value(), load_error);
  ASSERT_TRUE(pub) << load_error;
  EXPECT_TRUE(dk::verify_signature(*pub, dk::Algorithm::ed25519_sha256, alone, seal.seal.signature));

  const std::string two = set->text() + broken;
  const auto after = validate(two, dns_, kNow);
  EXPECT_EQ(after.cv, arc::Cv::fail);
  EXPECT_NE(after.problem.find("newest ARC-Seal (i=2) says cv=fail"), std::string::npos) << describe(after);
  EXPECT_FALSE(arc::seal_message(two, after, list_.key.key, list_.authserv_id, "arc=fail", kNow, error));
  EXPECT_NE(error.find("already says cv=fail"), std::string::npos) << error;
}

TEST_F(ArcSeal, TemporaryDnsFailureIsNotSealed) {
  const std::string one = hop(kMessage, list_);
  portcullis::net::StaticDns down;
  down.timeout("arc._domainkey.lists.example.net");
  const auto r = validate(one, down, kNow);
  EXPECT_EQ(r.cv, arc::Cv::fail);
  EXPECT_TRUE(r.temporary);
  EXPECT_NE(r.problem.find("key lookup failed"), std::string::npos) << describe(r);
  std::string error;
  EXPECT_FALSE(arc::seal_message(one, r, relay_.key.key, relay_.authserv_id, "arc=fail", kNow, error));
  EXPECT_NE(error.find("for now"), std::string::npos) << error;
  // No key at all: a plain fail.
  portcullis::net::StaticDns empty;
  const auto n = validate(one, empty, kNow);
  EXPECT_EQ(n.cv, arc::Cv::fail);
  EXPECT_FALSE(n.temporary);
  EXPECT_NE(n.problem.find("no key record"), std::string::npos) << describe(n);
}

TEST_F(ArcSeal, Timestamps) {
  // Sealed a day in the future (beyond the allowed clock skew): the newest AMS fails.
  const auto none = validate(kMessage, dns_, kNow);
  const std::string future = sealed(kMessage, none, list_.key.key, kNow + 86400);
  const auto r = validate(future, dns_, kNow);
  EXPECT_EQ(r.cv, arc::Cv::fail);
  EXPECT_NE(r.problem.find("timestamp in the future"), std::string::npos) << describe(r);
  EXPECT_EQ(validate(future, dns_, kNow + 86400).cv, arc::Cv::pass);
}

TEST_F(ArcSeal, WhatTheSealerRefuses) {
  const std::string one = hop(kMessage, list_);
  const auto pass = validate(one, dns_, kNow);
  ASSERT_EQ(pass.cv, arc::Cv::pass);
  std::string error;
  const auto refuses = [&](const std::string& message, const arc::ChainResult& chain, const std::string& why,
                           const std::string& authserv_id = "mx.example.org") {
    EXPECT_FALSE(arc::seal_message(message, chain, relay_.key.key, authserv_id, "arc=pass", kNow, error)) << why;
    EXPECT_NE(error.find(why), std::string::npos) << "want '" << why << "', got '" << error << "'";
  };
  refuses(one, arc::ChainResult{}, "does not fit the message: it has ARC fields");
  arc::ChainResult wrong = pass;
  wrong.instances = 2;
  refuses(one, wrong, "does not fit the message's ARC fields");
  arc::ChainResult failed;
  failed.cv = arc::Cv::fail;
  refuses(kMessage, failed, "it has no ARC field");
  refuses(kMessage, arc::ChainResult{}, "no authserv-id", "");
  refuses(kMessage, arc::ChainResult{}, "bad authserv-id", "mx example;org");

  arc::SealOptions small;
  small.limits.max_bytes = 200;
  EXPECT_FALSE(arc::seal_message(kMessage, arc::ChainResult{}, relay_.key.key, "mx.example.org", "", kNow, error,
                                 small));
  EXPECT_EQ(error, "header section too large");

  for (const char* name : {"ARC-Seal", "arc-authentication-results", "Authentication-Results", "bad name"}) {
    arc::SealOptions options;
    options.headers = {"From", name};
    EXPECT_THROW(arc::Sealer(relay_.key.key, options), std::invalid_argument) << name;
  }
  dk::SigningKey empty;
  EXPECT_THROW(arc::Sealer{empty}, std::invalid_argument);

  // Empty results: "none" (RFC 8601).
  const auto set = arc::seal_message(kMessage, arc::ChainResult{}, relay_.key.key, "mx.example.org", " ", kNow, error);
  ASSERT_TRUE(set) << error;
  EXPECT_EQ(set->auth_results, "ARC-Authentication-Results: i=1; mx.example.org;\r\n\tnone\r\n");
}

TEST_F(ArcSeal, HeaderLimits) {
  const std::string one = hop(kMessage, list_);
  arc::Limits small;
  small.max_header_bytes = 1024;
  const auto r = validate(one, dns_, kNow, small);
  EXPECT_EQ(r.cv, arc::Cv::fail);
  EXPECT_EQ(r.problem, "header section too large");
  const auto n = validate(kMessage, dns_, kNow, small);
  EXPECT_EQ(n.cv, arc::Cv::none);
}

TEST_F(ArcSeal, StreamingSealerMatchesWholeMessage) {
  const auto none = validate(kMessage, dns_, kNow);
  arc::Sealer sealer(list_.key.key);
  for (std::size_t pos = 0; pos < kMessage.size(); pos += 5) sealer.feed(std::string_view(kMessage).substr(pos, 5));
  const auto streamed = sealer.finish(none, "mx.example.org", "arc=none", kNow);
  ASSERT_TRUE(streamed) << sealer.error();
  std::string error;
  const auto whole = arc::seal_message(kMessage, none, list_.key.key, "mx.example.org", "arc=none", kNow, error);
  ASSERT_TRUE(whole) << error;
  EXPECT_EQ(streamed->text(), whole->text());  // RSA signatures are deterministic
  EXPECT_FALSE(sealer.finish(none, "mx.example.org", "arc=none", kNow)) << "once";
}

}  // namespace
