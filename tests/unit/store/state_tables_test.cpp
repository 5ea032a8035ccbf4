// Message log, greylist, bans, IP ranges and admin users, against every backend.
#include <gtest/gtest.h>

#include <limits>

#include "store_fixture.hpp"

namespace portcullis::store::testing {
namespace {

template <typename Factory>
using StateTablesTest = StoreTest<Factory>;
TYPED_TEST_SUITE(StateTablesTest, Backends, BackendNames);

MessageRecord message(const std::string& id, int64_t received, const std::string& sender,
                      std::vector<std::string> rcpts) {
  MessageRecord m;
  m.queue_id = id;
  m.received = received;
  m.client_ip = "192.0.2.7";
  m.helo = "mx.sender.example";
  m.tls = "TLSv1.3 TLS_AES_256_GCM_SHA384";
  m.sender = sender;
  m.size = 4096;
  m.verdict = "accept";
  m.score = 1.5;
  m.symbols = "SPF_PASS DKIM_NONE";
  m.gateway = "gw1.example";
  for (auto& r : rcpts) m.deliveries.push_back(DeliveryRecord{r, "queued", "", "", 0, received, ""});
  return m;
}

std::vector<std::string> ids(const std::vector<MessageRecord>& v) {
  std::vector<std::string> out;
  for (const auto& m : v) out.push_back(m.queue_id);
  return out;
}

using Ids = std::vector<std::string>;

// ---- message log ----

TYPED_TEST(StateTablesTest, MessageLogRoundTrip) {
  auto& s = *this->store;
  s.log_message(message("Q1", 1000, "Alice@Sender.Example", {"bob@ours.example", "Carol@Ours.Example"}));
  MessageQuery q;
  q.queue_id = "Q1";
  const auto found = s.search_messages(q);
  ASSERT_EQ(found.size(), 1u);
  const auto& m = found[0];
  EXPECT_EQ(m.received, 1000);
  EXPECT_EQ(m.client_ip, "192.0.2.7");
  EXPECT_EQ(m.helo, "mx.sender.example");
  EXPECT_EQ(m.tls, "TLSv1.3 TLS_AES_256_GCM_SHA384");
  EXPECT_EQ(m.sender, "Alice@sender.example");  // local part as sent, domain lower-cased
  EXPECT_EQ(m.size, 4096u);
  EXPECT_EQ(m.verdict, "accept");
  EXPECT_DOUBLE_EQ(m.score, 1.5);
  EXPECT_EQ(m.symbols, "SPF_PASS DKIM_NONE");
  EXPECT_EQ(m.gateway, "gw1.example");
  ASSERT_EQ(m.deliveries.size(), 2u);
  EXPECT_EQ(m.deliveries[0].recipient, "bob@ours.example");
  EXPECT_EQ(m.deliveries[1].recipient, "Carol@ours.example");
  EXPECT_EQ(m.deliveries[1].status, "queued");
}

TYPED_TEST(StateTablesTest, DeliveryUpdatesKeepOrderAndAddNewRecipients) {
  auto& s = *this->store;
  s.log_message(message("Q1", 1000, "a@b.example", {"x@ours.example", "y@ours.example"}));
  s.log_delivery("Q1", DeliveryRecord{"y@ours.example", "deferred", "451 4.3.0 busy", "10.0.0.5:25", 1, 1010, ""});
  s.log_delivery("Q1", DeliveryRecord{"y@ours.example", "delivered", "250 2.0.0 Ok", "10.0.0.5:25", 2, 1070,
                                      "TLSv1.3 TLS_AES_256_GCM_SHA384 verified"});
  s.log_delivery("Q1", DeliveryRecord{"z@ours.example", "bounced", "550 5.1.1 unknown", "10.0.0.5:25", 1, 1080, ""});
  MessageQuery q;
  q.queue_id = "Q1";
  const auto m = s.search_messages(q).at(0);
  ASSERT_EQ(m.deliveries.size(), 3u);
  EXPECT_EQ(m.deliveries[0].recipient, "x@ours.example");
  EXPECT_EQ(m.deliveries[0].status, "queued");
  EXPECT_EQ(m.deliveries[1].recipient, "y@ours.example");
  EXPECT_EQ(m.deliveries[1].status, "delivered");
  EXPECT_EQ(m.deliveries[1].reply, "250 2.0.0 Ok");
  EXPECT_EQ(m.deliveries[1].relay, "10.0.0.5:25");
  EXPECT_EQ(m.deliveries[1].attempts, 2u);
  EXPECT_EQ(m.deliveries[1].updated, 1070);
  EXPECT_EQ(m.deliveries[1].tls, "TLSv1.3 TLS_AES_256_GCM_SHA384 verified");
  EXPECT_EQ(m.deliveries[0].tls, "");
  EXPECT_EQ(m.deliveries[2].recipient, "z@ours.example");
  EXPECT_EQ(m.deliveries[2].status, "bounced");
}

TYPED_TEST(StateTablesTest, DeliveryForUnknownMessageIsAnError) {
  EXPECT_TRUE(throws_store_error(
      [&] { this->store->log_delivery("NOPE", DeliveryRecord{"x@y.example", "delivered", "", "", 1, 1, ""}); },
      "not in the message log"));
}

TYPED_TEST(StateTablesTest, LoggingTwiceReplaces) {
  auto& s = *this->store;
  s.log_message(message("Q1", 1000, "a@b.example", {"x@ours.example"}));
  auto again = message("Q1", 1000, "a@b.example", {"w@ours.example"});
  again.verdict = "quarantine";
  s.log_message(again);
  MessageQuery q;
  const auto all = s.search_messages(q);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].verdict, "quarantine");
  ASSERT_EQ(all[0].deliveries.size(), 1u);
  EXPECT_EQ(all[0].deliveries[0].recipient, "w@ours.example");
}

TYPED_TEST(StateTablesTest, SearchBySenderRecipientDomainAndTime) {
  auto& s = *this->store;
  s.log_message(message("Q1", 1000, "alice@a.example", {"bob@ours.example"}));
  s.log_message(message("Q2", 2000, "Alice@A.example", {"carol@ours.example", "dave@other.example"}));
  s.log_message(message("Q3", 3000, "eve@e.example", {"Bob@Ours.Example"}));
  s.log_message(message("Q4", 4000, "", {"alice@a.example"}));  // a bounce: null sender
  MessageQuery q;
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q4", "Q3", "Q2", "Q1"}));  // newest first
  q.sender = "ALICE@a.example";
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q2", "Q1"}));
  q = {};
  q.sender = "@e.example";
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q3"}));
  q = {};
  q.recipient = "bob@ours.example";
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q3", "Q1"}));
  q.recipient = "@other.example";
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q2"}));
  q = {};
  q.since = 2000;
  q.until = 4000;
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q3", "Q2"}));
  q = {};
  q.sender = "<>";
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q4"}));
  q = {};
  q.limit = 2;
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q4", "Q3"}));
  q = {};
  q.sender = "alice@a.example";
  q.recipient = "carol@ours.example";
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q2"}));
  q.recipient = "bob@ours.example";
  EXPECT_TRUE(s.search_messages(q).size() == 1u && s.search_messages(q)[0].queue_id == "Q1");
  q.queue_id = "Q3";
  EXPECT_TRUE(s.search_messages(q).empty());
}

TYPED_TEST(StateTablesTest, SearchTreatsWildcardsLiterally) {
  auto& s = *this->store;
  s.log_message(message("Q1", 1000, "a@b.example", {"x@ours.example"}));
  MessageQuery q;
  q.sender = "%";
  EXPECT_TRUE(s.search_messages(q).empty());
  q.sender = "a@b_example";
  EXPECT_TRUE(s.search_messages(q).empty());
  q.sender = "@b_example";
  EXPECT_TRUE(s.search_messages(q).empty());
  q.sender = "@%";
  EXPECT_TRUE(s.search_messages(q).empty());
  q.sender = "@b.example";
  EXPECT_EQ(s.search_messages(q).size(), 1u);
}

TYPED_TEST(StateTablesTest, PruneRemovesOldMessagesWithTheirRecipients) {
  auto& s = *this->store;
  s.log_message(message("Q1", 1000, "a@b.example", {"x@ours.example"}));
  s.log_message(message("Q2", 2000, "a@b.example", {"x@ours.example"}));
  EXPECT_EQ(s.prune_messages(1500), 1u);
  MessageQuery q;
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q2"}));
  q.recipient = "x@ours.example";
  EXPECT_EQ(ids(s.search_messages(q)), (Ids{"Q2"}));
  // The pruned message's recipients are gone too: logging it again starts afresh.
  s.log_message(message("Q1", 1000, "a@b.example", {"y@ours.example"}));
  q = {};
  q.queue_id = "Q1";
  EXPECT_EQ(s.search_messages(q).at(0).deliveries.size(), 1u);
}

TYPED_TEST(StateTablesTest, MessageLogIsSharedBetweenConnections) {
  auto other = this->factory.open();
  this->store->log_message(message("Q1", 1000, "a@b.example", {"x@ours.example"}));
  other->log_delivery("Q1", DeliveryRecord{"x@ours.example", "delivered", "250 ok", "h:25", 1, 1001, ""});
  MessageQuery q;
  EXPECT_EQ(this->store->search_messages(q).at(0).deliveries.at(0).status, "delivered");
}

// ---- greylist ----

TYPED_TEST(StateTablesTest, GreylistPutGetExpire) {
  auto& s = *this->store;
  EXPECT_FALSE(s.greylist_get("192.0.2.0/24", "a@b.example", "x@ours.example"));
  s.greylist_put(GreylistEntry{"192.0.2.0/24", "A@B.example", "x@ours.example", 100, 100, 0});
  auto e = s.greylist_get("192.0.2.0/24", "a@b.example", "X@ours.example");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->first_seen, 100);
  EXPECT_EQ(e->passed, 0u);
  s.greylist_put(GreylistEntry{"192.0.2.0/24", "a@b.example", "x@ours.example", 100, 500, 1});
  e = s.greylist_get("192.0.2.0/24", "a@b.example", "x@ours.example");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->last_seen, 500);
  EXPECT_EQ(e->passed, 1u);
  s.greylist_put(GreylistEntry{"2001:db8::/64", "a@b.example", "x@ours.example", 200, 200, 0});
  EXPECT_EQ(s.greylist_expire(300, 300), 1u);
  EXPECT_TRUE(s.greylist_get("192.0.2.0/24", "a@b.example", "x@ours.example"));
  EXPECT_FALSE(s.greylist_get("2001:db8::/64", "a@b.example", "x@ours.example"));
}

// ---- bans ----

TYPED_TEST(StateTablesTest, BansExpireAndReplace) {
  auto& s = *this->store;
  s.ban_add(Ban{"192.0.2.9", 1000, "too many invalid commands", 900});
  s.ban_add(Ban{"2001:DB8::9", 2000, "relay attempts", 900});
  EXPECT_TRUE(s.ban_find("192.0.2.9", 999));
  EXPECT_FALSE(s.ban_find("192.0.2.9", 1000));  // expired at `until`
  EXPECT_TRUE(s.ban_find("2001:db8::9", 1500));
  EXPECT_EQ(s.ban_list(1500).size(), 1u);
  s.ban_add(Ban{"192.0.2.9", 5000, "again", 1600});
  const auto b = s.ban_find("192.0.2.9", 1700);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->reason, "again");
  EXPECT_EQ(s.ban_list(1700).size(), 2u);
  EXPECT_TRUE(s.ban_remove("192.0.2.9"));
  EXPECT_FALSE(s.ban_remove("192.0.2.9"));
  EXPECT_FALSE(s.ban_find("192.0.2.9", 1700));
}

// ---- DMARC aggregate report rows ----

DmarcRow dmarc_row(const std::string& policy_domain, int64_t received, const std::string& queue_id) {
  DmarcRow r;
  r.received = received;
  r.queue_id = queue_id;
  r.source_ip = "2001:db8::25";
  r.header_from = "news." + policy_domain;
  r.envelope_from = "bounces." + policy_domain;
  r.policy_domain = policy_domain;
  r.published = "p=reject sp=none pct=100 adkim=r aspf=r";
  r.disposition = "none";
  r.dmarc = "pass";
  r.spf_domain = "bounces." + policy_domain;
  r.spf_result = "pass";
  r.dkim = "d=" + policy_domain + " s=sel1 result=pass";
  r.reason = "";
  return r;
}

std::vector<std::string> row_ids(const std::vector<DmarcRow>& v) {
  std::vector<std::string> out;
  for (const auto& r : v) out.push_back(r.queue_id);
  return out;
}

constexpr int64_t kForever = std::numeric_limits<int64_t>::max();

TYPED_TEST(StateTablesTest, DmarcRowRoundTrip) {
  auto& s = *this->store;
  DmarcRow r;
  r.received = 1751234567;
  r.queue_id = "4bX2kL9qZ";
  r.source_ip = "192.0.2.7";
  r.header_from = "Sender.Example";
  r.envelope_from = "";  // the null sender
  r.policy_domain = "SENDER.example";
  r.published = "p=quarantine sp=reject pct=50 adkim=s aspf=r";
  r.disposition = "quarantine";
  r.dmarc = "fail";
  r.spf_domain = "mx.Sender.Example";
  r.spf_result = "softfail";
  r.dkim = "d=Sender.Example s=S1 result=fail; d=esp.example s=k2 result=pass";
  r.reason = "local_policy";
  s.dmarc_record(r);
  const auto rows = s.dmarc_rows("sender.example", 0, kForever);
  ASSERT_EQ(rows.size(), 1u);
  const DmarcRow& got = rows[0];
  EXPECT_EQ(got.received, 1751234567);
  EXPECT_EQ(got.queue_id, "4bX2kL9qZ");
  EXPECT_EQ(got.source_ip, "192.0.2.7");
  EXPECT_EQ(got.header_from, "sender.example");  // the domains are lower-cased
  EXPECT_EQ(got.envelope_from, "");
  EXPECT_EQ(got.policy_domain, "sender.example");
  EXPECT_EQ(got.published, "p=quarantine sp=reject pct=50 adkim=s aspf=r");
  EXPECT_EQ(got.disposition, "quarantine");
  EXPECT_EQ(got.dmarc, "fail");
  EXPECT_EQ(got.spf_domain, "mx.sender.example");
  EXPECT_EQ(got.spf_result, "softfail");
  EXPECT_EQ(got.dkim, "d=Sender.Example s=S1 result=fail; d=esp.example s=k2 result=pass");  // as given
  EXPECT_EQ(got.reason, "local_policy");
}

TYPED_TEST(StateTablesTest, DmarcRowsByDomainAndTime) {
  auto& s = *this->store;
  s.dmarc_record(dmarc_row("a.example", 300, "A3"));
  s.dmarc_record(dmarc_row("a.example", 100, "A1"));
  s.dmarc_record(dmarc_row("b.example", 150, "B1"));
  s.dmarc_record(dmarc_row("a.example", 200, "A2"));
  s.dmarc_record(dmarc_row("b.example", 200, "B2"));
  s.dmarc_record(dmarc_row("a.example", 200, "A2b"));  // same second: kept in the order recorded
  s.dmarc_record(dmarc_row("sub.a.example", 200, "S1"));
  EXPECT_EQ(row_ids(s.dmarc_rows("", 0, kForever)), (Ids{"A1", "B1", "A2", "B2", "A2b", "S1", "A3"}));
  EXPECT_EQ(row_ids(s.dmarc_rows("a.example", 0, kForever)), (Ids{"A1", "A2", "A2b", "A3"}));
  EXPECT_EQ(row_ids(s.dmarc_rows("A.Example", 100, 300)), (Ids{"A1", "A2", "A2b"}));  // until is excluded
  EXPECT_EQ(row_ids(s.dmarc_rows("a.example", 101, 301)), (Ids{"A2", "A2b", "A3"}));  // since is included
  EXPECT_EQ(row_ids(s.dmarc_rows("b.example", 0, 200)), (Ids{"B1"}));
  EXPECT_EQ(row_ids(s.dmarc_rows("", 200, 201)), (Ids{"A2", "B2", "A2b", "S1"}));
  EXPECT_TRUE(s.dmarc_rows("a.example", 200, 200).empty());
  EXPECT_TRUE(s.dmarc_rows("c.example", 0, kForever).empty());
  EXPECT_TRUE(s.dmarc_rows("example", 0, kForever).empty());  // an exact domain, not a suffix
  EXPECT_TRUE(s.dmarc_rows("%", 0, kForever).empty());        // no wildcards
}

TYPED_TEST(StateTablesTest, DmarcPruneRemovesOlderRows) {
  auto& s = *this->store;
  s.dmarc_record(dmarc_row("a.example", 100, "A1"));
  s.dmarc_record(dmarc_row("b.example", 150, "B1"));
  s.dmarc_record(dmarc_row("a.example", 200, "A2"));
  s.dmarc_record(dmarc_row("b.example", 250, "B2"));
  EXPECT_EQ(s.dmarc_prune(200), 2u);  // received < 200
  EXPECT_EQ(row_ids(s.dmarc_rows("", 0, kForever)), (Ids{"A2", "B2"}));
  EXPECT_EQ(s.dmarc_prune(200), 0u);
  EXPECT_EQ(s.dmarc_prune(kForever), 2u);
  EXPECT_TRUE(s.dmarc_rows("", 0, kForever).empty());
}

TYPED_TEST(StateTablesTest, DmarcRowBadValuesRejected) {
  auto& s = *this->store;
  const auto with = [](auto change) {
    DmarcRow r = dmarc_row("a.example", 100, "Q1");
    change(r);
    return r;
  };
  struct Case {
    DmarcRow row;
    const char* message;
  };
  const std::vector<Case> cases = {
      {with([](DmarcRow& r) { r.policy_domain = ""; }), "the policy domain must not be empty"},
      {with([](DmarcRow& r) { r.disposition = "discard"; }), "the disposition must be none, quarantine or reject"},
      {with([](DmarcRow& r) { r.disposition = ""; }), "the disposition must be"},
      {with([](DmarcRow& r) { r.dmarc = "none"; }), "the DMARC result must be pass or fail"},
      {with([](DmarcRow& r) { r.dmarc = "PASS"; }), "the DMARC result must be pass or fail"},
      {with([](DmarcRow& r) { r.queue_id = std::string(65, 'Q'); }), "queue_id is longer than 64 octets"},
      {with([](DmarcRow& r) { r.header_from = std::string(250, 'h') + ".example"; }),
       "header_from is longer than 255 octets"},
      {with([](DmarcRow& r) { r.policy_domain = std::string(256, 'p'); }), "policy_domain is longer than 255"},
      {with([](DmarcRow& r) { r.spf_result = "temperror-and-more"; }), "spf_result is longer than 16 octets"},
      {with([](DmarcRow& r) { r.dkim = std::string(65536, 'd'); }), "dkim is longer than 65535 octets"},
      {with([](DmarcRow& r) { r.header_from = "bad\xC3(.example"; }), "header_from is not UTF-8 text"},
      {with([](DmarcRow& r) { r.envelope_from = "\xED\xA0\x80.example"; }), "envelope_from is not UTF-8 text"},
      {with([](DmarcRow& r) { r.reason = "\xC0\xAF"; }), "reason is not UTF-8 text"},  // overlong '/'
      {with([](DmarcRow& r) { r.dkim = std::string("d=a\0b", 5); }), "dkim is not UTF-8 text"},
  };
  for (const auto& c : cases)
    EXPECT_TRUE(throws_store_error([&] { s.dmarc_record(c.row); }, c.message)) << c.message;
  EXPECT_TRUE(s.dmarc_rows("", 0, kForever).empty());
  // At the limits, and with UTF-8 of every length: taken, and kept as given.
  const DmarcRow big = with([](DmarcRow& r) {
    r.queue_id = std::string(64, 'Q');
    r.header_from = std::string(63, 'h') + "." + std::string(63, 'h') + "." + std::string(63, 'h') + "." +
                    std::string(61, 'h') + ".x";
    r.dkim = std::string(65535, 'd');
    r.reason = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x93\xA8";
  });
  s.dmarc_record(big);
  const auto rows = s.dmarc_rows("a.example", 0, kForever);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].queue_id, big.queue_id);
  EXPECT_EQ(rows[0].header_from.size(), 255u);
  EXPECT_EQ(rows[0].dkim, big.dkim);
  EXPECT_EQ(rows[0].reason, big.reason);
}

TYPED_TEST(StateTablesTest, DmarcRowsAreSharedBetweenConnections) {
  auto other = this->factory.open();
  this->store->dmarc_record(dmarc_row("a.example", 100, "A1"));
  other->dmarc_record(dmarc_row("a.example", 101, "A2"));
  EXPECT_EQ(row_ids(other->dmarc_rows("a.example", 0, kForever)), (Ids{"A1", "A2"}));
  EXPECT_EQ(this->store->dmarc_prune(101), 1u);
  EXPECT_EQ(row_ids(other->dmarc_rows("a.example", 0, kForever)), (Ids{"A2"}));
}

// ---- IP ranges ----

TYPED_TEST(StateTablesTest, IpRangesByPriority) {
  auto& s = *this->store;
  s.add_ip_range(IpRange{"my computer", "127.0.0.1/32", 15, RangeAction::allow, 0, ""});
  s.add_ip_range(IpRange{"internet", "0.0.0.0/0", 10, RangeAction::allow, 0, "everyone"});
  s.add_ip_range(IpRange{"bad net", "198.51.100.0/24", 20, RangeAction::deny, 99999, "abuse"});
  EXPECT_TRUE(throws_store_error(
      [&] { s.add_ip_range(IpRange{"internet", "::/0", 1, RangeAction::allow, 0, ""}); }, "exists already"));
  const auto all = s.list_ip_ranges();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].name, "bad net");
  EXPECT_EQ(all[0].action, RangeAction::deny);
  EXPECT_EQ(all[0].expires, 99999);
  EXPECT_EQ(all[1].name, "my computer");
  EXPECT_EQ(all[2].note, "everyone");
  EXPECT_TRUE(s.remove_ip_range("bad net"));
  EXPECT_FALSE(s.remove_ip_range("bad net"));
  EXPECT_EQ(s.list_ip_ranges().size(), 2u);
}

TYPED_TEST(StateTablesTest, IpRangeChangesBumpThePolicySerial) {
  auto& s = *this->store;
  const auto before = s.policy_serial();
  s.add_ip_range(IpRange{"internet", "0.0.0.0/0", 10, RangeAction::allow, 0, ""});
  EXPECT_GT(s.policy_serial(), before);
}

// ---- admin users ----

TYPED_TEST(StateTablesTest, AdminUsers) {
  auto& s = *this->store;
  s.add_user(AdminUser{"admin", "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA", "admin", 100});
  s.add_user(AdminUser{"auditor", "$scrypt$x", "viewer", 200});
  EXPECT_TRUE(throws_store_error([&] { s.add_user(AdminUser{"admin", "$scrypt$y", "admin", 1}); }, "exists already"));
  EXPECT_TRUE(throws_store_error([&] { s.add_user(AdminUser{"x", "", "admin", 1}); }, "password hash"));
  auto u = s.find_user("admin");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->password_hash, "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA");
  EXPECT_EQ(u->created, 100);
  s.set_password_hash("admin", "$scrypt$new");
  EXPECT_EQ(s.find_user("admin")->password_hash, "$scrypt$new");
  EXPECT_TRUE(throws_store_error([&] { s.set_password_hash("nobody", "$scrypt$z"); }, "does not exist"));
  const auto all = s.list_users();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "admin");
  EXPECT_EQ(all[1].role, "viewer");
  EXPECT_TRUE(s.remove_user("auditor"));
  EXPECT_FALSE(s.find_user("auditor"));
}

}  // namespace
}  // namespace portcullis::store::testing
