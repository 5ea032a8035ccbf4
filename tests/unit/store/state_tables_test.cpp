// Message log, greylist, bans, IP ranges and admin users, against every backend.
#include <gtest/gtest.h>

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
  EXPECT_EQ(s.greylist_expire(300), 1u);
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
