// Spam policies and their targets, DNSBL zones, the quarantine index, digest settings and the
// greylist sweep (schema 7), against every backend.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "store_fixture.hpp"

namespace portcullis::store::testing {
namespace {

template <typename Factory>
using SpamTablesTest = StoreTest<Factory>;
TYPED_TEST_SUITE(SpamTablesTest, Backends, BackendNames);

using Names = std::vector<std::string>;

SpamPolicy policy(const std::string& name) {
  SpamPolicy p;
  p.name = name;
  return p;
}

Names policy_names(const std::vector<SpamPolicy>& v) {
  Names out;
  for (const auto& p : v) out.push_back(p.name);
  return out;
}

Names target_pairs(const std::vector<SpamPolicyTarget>& v) {
  Names out;
  for (const auto& t : v) out.push_back(t.target + "=" + t.policy);
  return out;
}

QuarantineEntry held(const std::string& id, const std::string& recipient, int64_t received, int64_t expires = 0,
                     const std::string& gateway = "gw1.example") {
  QuarantineEntry e;
  e.id = id;
  e.recipient = recipient;
  e.received = received;
  e.sender = "Spammer@Bad.Example";
  e.subject = "Cheap pills";
  e.reason = "spam score 12.5";
  e.score = 12.5;
  e.size = 2048;
  e.gateway = gateway;
  e.expires = expires;
  return e;
}

Names entry_keys(const std::vector<QuarantineEntry>& v) {
  Names out;
  for (const auto& e : v) out.push_back(e.id + "/" + e.recipient);
  return out;
}

// ---- spam policies ----

TYPED_TEST(SpamTablesTest, SpamPolicyDefaultsRoundTrip) {
  auto& s = *this->store;
  EXPECT_TRUE(s.list_spam_policies().empty());
  s.set_spam_policy(policy("default"));
  const auto all = s.list_spam_policies();
  ASSERT_EQ(all.size(), 1u);
  const SpamPolicy& p = all[0];
  EXPECT_EQ(p.name, "default");
  EXPECT_DOUBLE_EQ(p.tag_score, 5);
  EXPECT_DOUBLE_EQ(p.quarantine_score, 10);
  EXPECT_DOUBLE_EQ(p.reject_score, 15);
  EXPECT_EQ(p.subject_tag, "[SPAM]");
  EXPECT_EQ(p.virus_action, "reject");
  EXPECT_EQ(p.attachment_action, "reject");
  EXPECT_FALSE(p.greylisting);  // opt-in
  EXPECT_TRUE(p.spam_scan);
  EXPECT_TRUE(p.virus_scan);
  EXPECT_EQ(p.scanner_failure, "tempfail");
  EXPECT_EQ(p.note, "");
}

TYPED_TEST(SpamTablesTest, SpamPolicySetReplacesEveryField) {
  auto& s = *this->store;
  s.set_spam_policy(policy("strict"));
  SpamPolicy p;
  p.name = "Strict";  // the same key: names are lower-cased
  p.tag_score = -1.25;
  p.quarantine_score = 3.5;
  p.reject_score = kThresholdOff;
  p.subject_tag = "";
  p.virus_action = "discard";
  p.attachment_action = "remove";
  p.greylisting = true;
  p.spam_scan = false;
  p.virus_scan = false;
  p.scanner_failure = "accept";
  p.note = "caf\xC3\xA9 'quoted' \"too\"";
  s.set_spam_policy(p);
  const auto all = s.list_spam_policies();
  ASSERT_EQ(all.size(), 1u);
  const SpamPolicy& got = all[0];
  EXPECT_EQ(got.name, "strict");
  EXPECT_DOUBLE_EQ(got.tag_score, -1.25);
  EXPECT_DOUBLE_EQ(got.quarantine_score, 3.5);
  EXPECT_DOUBLE_EQ(got.reject_score, kThresholdOff);
  EXPECT_EQ(got.subject_tag, "");
  EXPECT_EQ(got.virus_action, "discard");
  EXPECT_EQ(got.attachment_action, "remove");
  EXPECT_TRUE(got.greylisting);
  EXPECT_FALSE(got.spam_scan);
  EXPECT_FALSE(got.virus_scan);
  EXPECT_EQ(got.scanner_failure, "accept");
  EXPECT_EQ(got.note, p.note);
}

TYPED_TEST(SpamTablesTest, SpamPoliciesAreListedByName) {
  auto& s = *this->store;
  for (const char* name : {"relaxed", "default", "ceo.office", "a_1-b"}) s.set_spam_policy(policy(name));
  EXPECT_EQ(policy_names(s.list_spam_policies()), (Names{"a_1-b", "ceo.office", "default", "relaxed"}));
}

TYPED_TEST(SpamTablesTest, SpamPolicyBadValuesRejected) {
  auto& s = *this->store;
  const auto with = [](auto change) {
    SpamPolicy p = policy("p1");
    change(p);
    return p;
  };
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    SpamPolicy p;
    const char* message;
  };
  const std::vector<Case> cases = {
      {with([](SpamPolicy& p) { p.name = ""; }), "spam policy name '' is not valid"},
      {with([](SpamPolicy& p) { p.name = "-lead"; }), "spam policy name '-lead' is not valid"},
      {with([](SpamPolicy& p) { p.name = ".lead"; }), "is not valid"},
      {with([](SpamPolicy& p) { p.name = "two words"; }), "is not valid"},
      {with([](SpamPolicy& p) { p.name = "caf\xC3\xA9"; }), "is not valid"},
      {with([](SpamPolicy& p) { p.name = "a/b"; }), "is not valid"},
      {with([](SpamPolicy& p) { p.name = std::string(65, 'a'); }), "is not valid"},
      {with([nan](SpamPolicy& p) { p.tag_score = nan; }), "tag_score must be a number"},
      {with([inf](SpamPolicy& p) { p.reject_score = inf; }), "reject_score must be a number"},
      {with([](SpamPolicy& p) { p.quarantine_score = -2e6; }), "quarantine_score must be a number"},
      {with([](SpamPolicy& p) { p.tag_score = 12; }), "tag_score 12 is above quarantine_score 10"},
      {with([](SpamPolicy& p) { p.quarantine_score = 15.5; }), "quarantine_score 15.5 is above reject_score 15"},
      {with([](SpamPolicy& p) {
         p.tag_score = 20;
         p.quarantine_score = kThresholdOff;
       }),
       "tag_score 20 is above reject_score 15"},
      {with([](SpamPolicy& p) { p.subject_tag = "[SPAM]\r\nBcc: x@y.example"; }), "the subject tag must be one line"},
      {with([](SpamPolicy& p) { p.subject_tag = std::string(65, 'S'); }), "at most 64 octets"},
      {with([](SpamPolicy& p) { p.subject_tag = "\xFF"; }), "the subject tag must be one line of UTF-8"},
      {with([](SpamPolicy& p) { p.virus_action = "remove"; }), "virus_action must be reject, quarantine or discard"},
      {with([](SpamPolicy& p) { p.virus_action = "REJECT"; }), "virus_action must be"},
      {with([](SpamPolicy& p) { p.attachment_action = "discard"; }),
       "attachment_action must be reject, remove, quarantine or off"},
      {with([](SpamPolicy& p) { p.scanner_failure = "accept "; }), "scanner_failure must be tempfail or accept"},
      {with([](SpamPolicy& p) { p.note = "two\nlines"; }), "the note must be one line"},
      {with([](SpamPolicy& p) { p.note = std::string(1001, 'n'); }), "the note must be one line"},
  };
  for (const auto& c : cases) EXPECT_TRUE(throws_store_error([&] { s.set_spam_policy(c.p); }, c.message)) << c.message;
  EXPECT_TRUE(s.list_spam_policies().empty());
  // An "off" threshold (above 1000) is exempt from the order; the limits are taken.
  s.set_spam_policy(with([](SpamPolicy& p) {
    p.name = std::string(64, 'a');
    p.tag_score = kThresholdOff;  // no tagging, but quarantine at 10
    p.subject_tag = std::string(64, 'S');
    p.note = std::string(1000, 'n');
  }));
  s.set_spam_policy(with([](SpamPolicy& p) {
    p.tag_score = 15;
    p.quarantine_score = 15;  // equal thresholds are fine
    p.reject_score = kMaxThreshold;  // the largest value taken: off
  }));
  EXPECT_EQ(s.list_spam_policies().size(), 2u);
}

// ---- targets ----

TYPED_TEST(SpamTablesTest, TargetsAssignReassignAndList) {
  auto& s = *this->store;
  s.set_spam_policy(policy("default"));
  s.set_spam_policy(policy("strict"));
  s.set_spam_policy_target({"*", "default"});
  s.set_spam_policy_target({"@Example.ORG", "strict"});
  s.set_spam_policy_target({"CEO@example.org", "Default"});
  EXPECT_EQ(target_pairs(s.list_spam_policy_targets()),
            (Names{"*=default", "@example.org=strict", "ceo@example.org=default"}));
  s.set_spam_policy_target({"ceo@example.org", "strict"});  // replaces
  EXPECT_EQ(target_pairs(s.list_spam_policy_targets()),
            (Names{"*=default", "@example.org=strict", "ceo@example.org=strict"}));
  EXPECT_TRUE(s.remove_spam_policy_target("CEO@Example.org"));
  EXPECT_FALSE(s.remove_spam_policy_target("ceo@example.org"));
  EXPECT_EQ(target_pairs(s.list_spam_policy_targets()), (Names{"*=default", "@example.org=strict"}));
}

TYPED_TEST(SpamTablesTest, TargetOfAMissingPolicyIsRefused) {
  auto& s = *this->store;
  EXPECT_TRUE(throws_store_error([&] { s.set_spam_policy_target({"*", "nope"}); }, "spam policy nope does not exist"));
  s.set_spam_policy(policy("default"));
  s.set_spam_policy_target({"*", "default"});
  EXPECT_TRUE(throws_store_error([&] { s.set_spam_policy_target({"*", "gone"}); }, "spam policy gone does not exist"));
  EXPECT_EQ(target_pairs(s.list_spam_policy_targets()), (Names{"*=default"}));  // unchanged
}

TYPED_TEST(SpamTablesTest, BadTargetsAreRefused) {
  auto& s = *this->store;
  s.set_spam_policy(policy("default"));
  for (const char* bad : {"", "**", "example.org", "@", "a@", "a@exa mple.org", "@example..org", "a b@example.org"})
    EXPECT_TRUE(throws_store_error([&] { s.set_spam_policy_target({bad, "default"}); }, "is not valid")) << bad;
  EXPECT_TRUE(s.list_spam_policy_targets().empty());
}

TYPED_TEST(SpamTablesTest, PolicyInUseCannotBeRemoved) {
  auto& s = *this->store;
  s.set_spam_policy(policy("default"));
  s.set_spam_policy(policy("strict"));
  s.set_spam_policy_target({"@b.example", "strict"});
  s.set_spam_policy_target({"@a.example", "strict"});
  s.set_spam_policy_target({"*", "default"});
  EXPECT_TRUE(throws_store_error([&] { s.remove_spam_policy("strict"); },
                                 "spam policy strict is still assigned to @a.example, @b.example"));
  for (int i = 0; i < 7; ++i) s.set_spam_policy_target({"u" + std::to_string(i) + "@c.example", "strict"});
  EXPECT_TRUE(throws_store_error([&] { s.remove_spam_policy("STRICT"); },
                                 "assigned to @a.example, @b.example, u0@c.example, u1@c.example, u2@c.example "
                                 "and 4 more: assign those another policy first"));
  EXPECT_EQ(s.list_spam_policies().size(), 2u);
  EXPECT_FALSE(s.remove_spam_policy("missing"));
  s.set_spam_policy_target({"@a.example", "default"});
  s.remove_spam_policy_target("@b.example");
  for (int i = 0; i < 7; ++i) s.remove_spam_policy_target("u" + std::to_string(i) + "@c.example");
  EXPECT_TRUE(s.remove_spam_policy("strict"));
  EXPECT_FALSE(s.remove_spam_policy("strict"));
  EXPECT_EQ(policy_names(s.list_spam_policies()), (Names{"default"}));
}

TYPED_TEST(SpamTablesTest, UpdatingAnAssignedPolicyKeepsItsTargets) {
  auto& s = *this->store;
  s.set_spam_policy(policy("strict"));
  s.set_spam_policy_target({"@a.example", "strict"});
  SpamPolicy p = policy("strict");
  p.reject_score = 8;
  p.quarantine_score = 6;
  p.tag_score = 4;
  s.set_spam_policy(p);  // an update in place, never delete + insert
  EXPECT_EQ(target_pairs(s.list_spam_policy_targets()), (Names{"@a.example=strict"}));
  EXPECT_DOUBLE_EQ(s.list_spam_policies().at(0).reject_score, 8);
}

TYPED_TEST(SpamTablesTest, ForeignKeyGuardsRawWrites) {
  // The schema itself refuses a dangling target, whoever writes (the store's checks aside).
  auto& s = *this->store;
  s.set_spam_policy(policy("default"));
  const std::string pragma = TypeParam::dialect == Dialect::sqlite ? "PRAGMA foreign_keys = ON;\n" : "";
  EXPECT_ANY_THROW(this->factory.execute(pragma + "INSERT INTO spam_policy_targets (target, policy) VALUES ('*', 'x')"));
  this->factory.execute("INSERT INTO spam_policy_targets (target, policy) VALUES ('*', 'default')");
  EXPECT_ANY_THROW(this->factory.execute(pragma + "DELETE FROM spam_policies WHERE name = 'default'"));
  EXPECT_EQ(s.list_spam_policies().size(), 1u);
}

// ---- DNSBL zones ----

TYPED_TEST(SpamTablesTest, DnsblZonesAddListRemove) {
  auto& s = *this->store;
  s.add_dnsbl_zone({"Zen.Spamhaus.org.", "127.0.0.2-11,127.0.0.*", "block", 0, "connect", "the big one"});
  s.add_dnsbl_zone({"bl.spamcop.net", "", "score", 2.5, "rcpt", ""});
  s.add_dnsbl_zone({"list.dnswl.org", "127.0.*.2-3", "score", -3, "connect", "whitelist"});
  EXPECT_TRUE(throws_store_error([&] { s.add_dnsbl_zone({"zen.spamhaus.org", "", "score", 1, "connect", ""}); },
                                 "DNSBL zone zen.spamhaus.org exists already"));
  const auto all = s.list_dnsbl_zones();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].zone, "bl.spamcop.net");
  EXPECT_EQ(all[0].expect, "");
  EXPECT_EQ(all[0].action, "score");
  EXPECT_DOUBLE_EQ(all[0].score, 2.5);
  EXPECT_EQ(all[0].stage, "rcpt");
  EXPECT_EQ(all[1].zone, "list.dnswl.org");
  EXPECT_DOUBLE_EQ(all[1].score, -3);
  EXPECT_EQ(all[2].zone, "zen.spamhaus.org");
  EXPECT_EQ(all[2].expect, "127.0.0.2-11,127.0.0.*");
  EXPECT_EQ(all[2].action, "block");
  EXPECT_EQ(all[2].stage, "connect");
  EXPECT_EQ(all[2].note, "the big one");
  EXPECT_TRUE(s.remove_dnsbl_zone("ZEN.spamhaus.org."));
  EXPECT_FALSE(s.remove_dnsbl_zone("zen.spamhaus.org"));
  EXPECT_EQ(s.list_dnsbl_zones().size(), 2u);
}

TYPED_TEST(SpamTablesTest, DnsblZoneBadValuesRejected) {
  auto& s = *this->store;
  struct Case {
    DnsblZone z;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{"", "", "block", 0, "connect", ""}, "DNSBL zone '' is not a DNS name"},
      {{"zen spamhaus.org", "", "block", 0, "connect", ""}, "is not a DNS name"},
      {{"zen..org", "", "block", 0, "connect", ""}, "is not a DNS name"},
      {{"zen.example", "127.0.0.2 127.0.0.3", "block", 0, "connect", ""}, "the expected answers must be a pattern"},
      {{"zen.example", std::string(256, '1'), "block", 0, "connect", ""}, "the expected answers must be"},
      {{"zen.example", "", "reject", 0, "connect", ""}, "the action must be block or score"},
      {{"zen.example", "", "score", std::nan(""), "connect", ""}, "the score must be a number"},
      {{"zen.example", "", "score", 1, "data", ""}, "the stage must be connect or rcpt"},
      {{"zen.example", "", "score", 1, "rcpt", "a\nb"}, "the note must be one line"},
  };
  for (const auto& c : cases) EXPECT_TRUE(throws_store_error([&] { s.add_dnsbl_zone(c.z); }, c.message)) << c.message;
  EXPECT_TRUE(s.list_dnsbl_zones().empty());
}

// ---- quarantine index ----

TYPED_TEST(SpamTablesTest, QuarantineRoundTrip) {
  auto& s = *this->store;
  QuarantineEntry e = held("Q1", "Bob@Ours.Example", 1000, 5000);
  e.subject = "caf\xC3\xA9 \xF0\x9F\x93\xA8 100% _off_";
  s.quarantine_add({e, held("Q1", "carol@ours.example", 1000, 5000)});
  QuarantineQuery q;
  q.id = "Q1";
  const auto rows = s.quarantine_list(q);
  ASSERT_EQ(entry_keys(rows), (Names{"Q1/bob@ours.example", "Q1/carol@ours.example"}));
  const auto& got = rows[0];
  EXPECT_EQ(got.received, 1000);
  EXPECT_EQ(got.sender, "Spammer@bad.example");  // local part as sent, domain lower-cased
  EXPECT_EQ(got.subject, e.subject);
  EXPECT_EQ(got.reason, "spam score 12.5");
  EXPECT_DOUBLE_EQ(got.score, 12.5);
  EXPECT_EQ(got.size, 2048u);
  EXPECT_EQ(got.gateway, "gw1.example");
  EXPECT_EQ(got.expires, 5000);
}

TYPED_TEST(SpamTablesTest, QuarantineAddIsOneTransactionAndReplaces) {
  auto& s = *this->store;
  auto bad = held("Q2", "x@ours.example", 1000);
  bad.subject = std::string(256, 's');
  EXPECT_TRUE(throws_store_error([&] { s.quarantine_add({held("Q1", "a@ours.example", 1000), bad}); },
                                 "the subject is longer than 255 characters"));
  EXPECT_TRUE(s.quarantine_list({}).empty());  // nothing of the batch
  s.quarantine_add({});                        // nothing to do
  s.quarantine_add({held("Q1", "a@ours.example", 1000)});
  auto again = held("Q1", "A@ours.example", 1000, 9000);
  again.reason = "virus Eicar-Test-Signature";
  s.quarantine_add({again});  // the same row: replaced (a retry is harmless)
  const auto rows = s.quarantine_list({});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].reason, "virus Eicar-Test-Signature");
  EXPECT_EQ(rows[0].expires, 9000);
}

TYPED_TEST(SpamTablesTest, QuarantineBadValuesRejected) {
  auto& s = *this->store;
  const auto with = [](auto change) {
    QuarantineEntry e = held("Q1", "a@ours.example", 1000);
    change(e);
    return e;
  };
  struct Case {
    QuarantineEntry e;
    const char* message;
  };
  const std::vector<Case> cases = {
      {with([](QuarantineEntry& e) { e.id = ""; }), "the queue id must be 1-64 printable ASCII"},
      {with([](QuarantineEntry& e) { e.id = std::string(65, 'Q'); }), "the queue id must be"},
      {with([](QuarantineEntry& e) { e.id = "Q 1\n"; }), "the queue id must be"},
      {with([](QuarantineEntry& e) { e.recipient = ""; }), "the recipient must not be empty"},
      {with([](QuarantineEntry& e) { e.recipient = std::string(310, 'r') + "@ours.example"; }),
       "an address is longer than 320 octets"},
      {with([](QuarantineEntry& e) { e.subject = "\xC3("; }), "the subject is not UTF-8 text"},
      {with([](QuarantineEntry& e) { e.reason = std::string(256, 'r'); }), "the reason is longer than 255"},
      {with([](QuarantineEntry& e) { e.score = std::nan(""); }), "the score is not a number"},
  };
  for (const auto& c : cases) EXPECT_TRUE(throws_store_error([&] { s.quarantine_add({c.e}); }, c.message)) << c.message;
  EXPECT_TRUE(s.quarantine_list({}).empty());
  // 255 characters of 4 octets each fit (the limit is in characters).
  std::string subject;
  for (int i = 0; i < 255; ++i) subject += "\xF0\x9F\x93\xA8";
  s.quarantine_add({with([&](QuarantineEntry& e) { e.subject = subject; })});
  EXPECT_EQ(s.quarantine_list({}).at(0).subject, subject);
}

TYPED_TEST(SpamTablesTest, QuarantineListFilters) {
  auto& s = *this->store;
  s.quarantine_add({held("Q1", "bob@ours.example", 1000), held("Q1", "carol@ours.example", 1000)});
  s.quarantine_add({held("Q2", "bob@ours.example", 2000, 0, "gw2.example")});
  s.quarantine_add({held("Q3", "dave@other.example", 3000)});
  s.quarantine_add({held("Q0", "bob@ours.example", 3000)});  // same second as Q3: id descending
  QuarantineQuery q;
  EXPECT_EQ(entry_keys(s.quarantine_list(q)), (Names{"Q3/dave@other.example", "Q0/bob@ours.example",
                                                     "Q2/bob@ours.example", "Q1/bob@ours.example",
                                                     "Q1/carol@ours.example"}));
  q.recipient = "BOB@ours.example";
  EXPECT_EQ(entry_keys(s.quarantine_list(q)),
            (Names{"Q0/bob@ours.example", "Q2/bob@ours.example", "Q1/bob@ours.example"}));
  q.recipient = "@Other.Example";
  EXPECT_EQ(entry_keys(s.quarantine_list(q)), (Names{"Q3/dave@other.example"}));
  q.recipient = "@example";  // a suffix of the domain but not "@domain": no match
  EXPECT_TRUE(s.quarantine_list(q).empty());
  q.recipient = "@%";
  EXPECT_TRUE(s.quarantine_list(q).empty());
  q.recipient = "@ours_example";
  EXPECT_TRUE(s.quarantine_list(q).empty());
  q = {};
  q.gateway = "gw2.example";
  EXPECT_EQ(entry_keys(s.quarantine_list(q)), (Names{"Q2/bob@ours.example"}));
  q = {};
  q.since = 2000;
  EXPECT_EQ(s.quarantine_list(q).size(), 3u);
  q = {};
  q.limit = 2;
  EXPECT_EQ(entry_keys(s.quarantine_list(q)), (Names{"Q3/dave@other.example", "Q0/bob@ours.example"}));
  q = {};
  q.id = "Q1";
  q.recipient = "carol@ours.example";
  EXPECT_EQ(entry_keys(s.quarantine_list(q)), (Names{"Q1/carol@ours.example"}));
  q.id = "q1";  // queue ids are exact
  EXPECT_TRUE(s.quarantine_list(q).empty());
}

TYPED_TEST(SpamTablesTest, QuarantineRemove) {
  auto& s = *this->store;
  s.quarantine_add({held("Q1", "bob@ours.example", 1000), held("Q1", "carol@ours.example", 1000),
                    held("Q1", "dave@ours.example", 1000)});
  s.quarantine_add({held("Q2", "bob@ours.example", 2000)});
  EXPECT_EQ(s.quarantine_remove("Q1", "Carol@Ours.Example"), 1u);
  EXPECT_EQ(s.quarantine_remove("Q1", "carol@ours.example"), 0u);
  EXPECT_EQ(s.quarantine_remove("Q1"), 2u);
  EXPECT_EQ(s.quarantine_remove("Q1"), 0u);
  EXPECT_EQ(entry_keys(s.quarantine_list({})), (Names{"Q2/bob@ours.example"}));
}

TYPED_TEST(SpamTablesTest, QuarantineExpired) {
  auto& s = *this->store;
  s.quarantine_add({held("A", "x@ours.example", 100, 500), held("A", "y@ours.example", 100, 500)});
  s.quarantine_add({held("B", "x@ours.example", 100, 300)});
  s.quarantine_add({held("C", "x@ours.example", 100, 0)});  // never expires
  s.quarantine_add({held("D", "x@ours.example", 100, 200), held("D", "y@ours.example", 100, 900)});  // one lives on
  s.quarantine_add({held("E", "x@ours.example", 100, 200), held("E", "y@ours.example", 100, 0)});    // one forever
  s.quarantine_add({held("F", "x@ours.example", 100, 400, "gw2.example")});
  EXPECT_EQ(s.quarantine_expired(199, "", 100), Names{});
  EXPECT_EQ(s.quarantine_expired(500, "gw1.example", 100), (Names{"B", "A"}));  // oldest expiry first
  EXPECT_EQ(s.quarantine_expired(500, "", 100), (Names{"B", "F", "A"}));
  EXPECT_EQ(s.quarantine_expired(500, "gw2.example", 100), (Names{"F"}));
  EXPECT_EQ(s.quarantine_expired(500, "", 2), (Names{"B", "F"}));
  EXPECT_EQ(s.quarantine_expired(499, "gw1.example", 0), (Names{"B"}));  // at `expires` it is expired
  EXPECT_EQ(s.quarantine_expired(1000, "gw1.example", 100), (Names{"B", "A", "D"}));
  s.quarantine_remove("B");
  EXPECT_EQ(s.quarantine_expired(1000, "gw1.example", 100), (Names{"A", "D"}));
}

TYPED_TEST(SpamTablesTest, QuarantineIsSharedBetweenConnections) {
  auto other = this->factory.open();
  this->store->quarantine_add({held("Q1", "a@ours.example", 1000)});
  EXPECT_EQ(other->quarantine_list({}).size(), 1u);
  EXPECT_EQ(other->quarantine_remove("Q1"), 1u);
  EXPECT_TRUE(this->store->quarantine_list({}).empty());
}

// ---- digests ----

TYPED_TEST(SpamTablesTest, Digests) {
  auto& s = *this->store;
  EXPECT_FALSE(s.find_digest("bob@ours.example"));
  s.set_digest({"Bob@Ours.Example", "daily", 0});
  s.set_digest({"alice@ours.example", "weekly", 700});
  auto d = s.find_digest("BOB@ours.example");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->recipient, "bob@ours.example");
  EXPECT_EQ(d->frequency, "daily");
  EXPECT_EQ(d->last_sent, 0);
  s.digest_sent("bob@ours.example", 86400);
  s.set_digest({"bob@ours.example", "weekly", 0});  // a new frequency keeps last_sent
  d = s.find_digest("bob@ours.example");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->frequency, "weekly");
  EXPECT_EQ(d->last_sent, 86400);
  s.set_digest({"bob@ours.example", "off", 0});
  EXPECT_EQ(s.find_digest("bob@ours.example")->frequency, "off");
  s.digest_sent("nobody@ours.example", 1);  // no row: nothing happens
  EXPECT_FALSE(s.find_digest("nobody@ours.example"));
  const auto all = s.list_digests();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].recipient, "alice@ours.example");
  EXPECT_EQ(all[0].last_sent, 700);
  EXPECT_EQ(all[1].recipient, "bob@ours.example");
  EXPECT_TRUE(throws_store_error([&] { s.set_digest({"bob@ours.example", "hourly", 0}); },
                                 "the frequency must be off, daily or weekly (not 'hourly')"));
  EXPECT_TRUE(throws_store_error([&] { s.set_digest({"", "daily", 0}); }, "is not an address"));
  EXPECT_TRUE(throws_store_error([&] { s.set_digest({"bob", "daily", 0}); }, "'bob' is not an address"));
}

// ---- greylist sweep ----

TYPED_TEST(SpamTablesTest, GreylistExpireTreatsUnusedAndUsedEntriesApart) {
  auto& s = *this->store;
  const auto put = [&](const char* net, int64_t first, int64_t last, unsigned passed) {
    s.greylist_put(GreylistEntry{net, "a@b.example", "x@ours.example", first, last, passed});
  };
  const auto has = [&](const char* net) { return s.greylist_get(net, "a@b.example", "x@ours.example").has_value(); };
  put("192.0.2.0/24", 100, 100, 0);     // never passed, first seen long ago: goes
  put("198.51.100.0/24", 900, 950, 0);  // never passed, recent: stays
  put("203.0.113.0/24", 100, 900, 3);   // passed, last seen recently: stays (however old)
  put("2001:db8::/64", 100, 200, 1);    // passed, last seen long ago: goes
  put("2001:db8:1::/64", 100, 500, 0);  // never passed, seen again later: first_seen counts: goes
  EXPECT_EQ(s.greylist_expire(800, 800), 3u);
  EXPECT_FALSE(has("192.0.2.0/24"));
  EXPECT_TRUE(has("198.51.100.0/24"));
  EXPECT_TRUE(has("203.0.113.0/24"));
  EXPECT_FALSE(has("2001:db8::/64"));
  EXPECT_FALSE(has("2001:db8:1::/64"));
  // Different bounds: unused entries live shortly, used ones long.
  put("192.0.2.0/24", 1000, 1000, 0);
  put("2001:db8::/64", 100, 1000, 2);
  EXPECT_EQ(s.greylist_expire(1001, 0), 2u);  // both unused ones (first seen 900, 1000), no used one
  EXPECT_TRUE(has("203.0.113.0/24"));
  EXPECT_TRUE(has("2001:db8::/64"));
  EXPECT_EQ(s.greylist_expire(0, 1000), 1u);  // the used one last seen at 900
  EXPECT_FALSE(has("203.0.113.0/24"));
  EXPECT_TRUE(has("2001:db8::/64"));
  EXPECT_EQ(s.greylist_expire(0, 0), 0u);
}

// ---- the policy serial ----

TYPED_TEST(SpamTablesTest, PolicyChangesBumpTheSerialAndStateDoesNot) {
  auto& s = *this->store;
  int64_t last = s.policy_serial();
  const auto bumped = [&](const char* what) {
    const int64_t now = s.policy_serial();
    EXPECT_GT(now, last) << what;
    last = now;
  };
  const auto unchanged = [&](const char* what) { EXPECT_EQ(s.policy_serial(), last) << what; };
  s.set_spam_policy(policy("default"));
  bumped("set_spam_policy (new)");
  SpamPolicy p = policy("default");
  p.greylisting = true;
  s.set_spam_policy(p);
  bumped("set_spam_policy (change)");
  s.set_spam_policy_target({"*", "default"});
  bumped("set_spam_policy_target (new)");
  s.set_spam_policy(policy("strict"));
  bumped("set_spam_policy (second)");
  s.set_spam_policy_target({"*", "strict"});
  bumped("set_spam_policy_target (change)");
  s.remove_spam_policy_target("*");
  bumped("remove_spam_policy_target");
  s.remove_spam_policy("strict");
  bumped("remove_spam_policy");
  s.add_dnsbl_zone({"zen.spamhaus.org", "", "block", 0, "connect", ""});
  bumped("add_dnsbl_zone");
  s.remove_dnsbl_zone("zen.spamhaus.org");
  bumped("remove_dnsbl_zone");
  // Refusals, no-ops and reads.
  s.set_spam_policy_target({"*", "default"});
  last = s.policy_serial();
  EXPECT_THROW(s.remove_spam_policy("default"), StoreError);
  EXPECT_THROW(s.set_spam_policy_target({"*", "nope"}), StoreError);
  EXPECT_FALSE(s.remove_spam_policy("nope"));
  EXPECT_FALSE(s.remove_spam_policy_target("@none.example"));
  EXPECT_FALSE(s.remove_dnsbl_zone("none.example"));
  s.list_spam_policies();
  s.list_spam_policy_targets();
  s.list_dnsbl_zones();
  unchanged("refusals and reads");
  // State: the quarantine index and digest settings reload nothing.
  s.quarantine_add({held("Q1", "a@ours.example", 1000, 2000)});
  s.quarantine_list({});
  s.quarantine_expired(3000, "", 10);
  s.quarantine_remove("Q1");
  s.set_digest({"a@ours.example", "daily", 0});
  s.digest_sent("a@ours.example", 5);
  s.greylist_put(GreylistEntry{"192.0.2.0/24", "a@b.example", "x@ours.example", 1, 1, 0});
  s.greylist_expire(10, 10);
  unchanged("state");
}

TYPED_TEST(SpamTablesTest, PolicyChangesAreSeenFromASecondConnection) {
  auto reader = this->factory.open();
  const int64_t before = reader->policy_serial();
  this->store->set_spam_policy(policy("default"));
  this->store->set_spam_policy_target({"@ours.example", "default"});
  EXPECT_GT(reader->policy_serial(), before);
  EXPECT_EQ(target_pairs(reader->list_spam_policy_targets()), (Names{"@ours.example=default"}));
  EXPECT_TRUE(throws_store_error([&] { reader->remove_spam_policy("default"); }, "still assigned to @ours.example"));
}

}  // namespace
}  // namespace portcullis::store::testing
