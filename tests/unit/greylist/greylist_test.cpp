// Greylisting (checks/greylist): the pure decision (triplets, delay, retry window, the
// auto-whitelist, expiry bounds, bypasses) and the check against a real SQLite store on a
// worker pool, including failing open when the store is unavailable.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "../reputation/temp_store.hpp"
#include "checks/greylist/greylist.hpp"
#include "checks/greylist/greylist_store.hpp"

namespace {

using namespace portcullis::checks::greylist;
using namespace std::chrono_literals;
using portcullis::store::GreylistEntry;
using portcullis::testing::run_async;
using portcullis::testing::TempStore;

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

constexpr std::int64_t kNow = 1'700'000'000;

Request request(const char* client, const char* sender, const char* recipient) {
  Request r;
  r.client = ip(client);
  r.sender = sender;
  r.recipient = recipient;
  return r;
}

TEST(GreylistTriplet, NetworksAndCase) {
  auto t = triplet(ip("192.0.2.77"), "Alice@Example.COM", "Bob@Example.NET");
  EXPECT_EQ(t.client_net, "192.0.2.0/24");
  EXPECT_EQ(t.sender, "alice@example.com");
  EXPECT_EQ(t.recipient, "bob@example.net");
  EXPECT_EQ(triplet(ip("::ffff:192.0.2.200"), "", "b@x").client_net, "192.0.2.0/24");
  EXPECT_EQ(triplet(ip("::ffff:192.0.2.200"), "", "b@x").sender, "");
  EXPECT_EQ(triplet(ip("2001:db8:1:2:3:4:5:6"), "a@x", "b@x").client_net, "2001:db8:1:2::/64");
  EXPECT_EQ(triplet(ip("2001:db8:1:2:ffff::1"), "a@x", "b@x").client_net, "2001:db8:1:2::/64");
}

TEST(GreylistDecide, FirstAttemptIsDeferred) {
  const Settings s;
  const auto key = triplet(ip("192.0.2.1"), "a@x.example", "b@y.example");
  const auto d = decide(key, std::nullopt, kNow, s);
  EXPECT_EQ(d.action, Action::defer);
  ASSERT_TRUE(d.write);
  EXPECT_EQ(d.write->client_net, "192.0.2.0/24");
  EXPECT_EQ(d.write->sender, "a@x.example");
  EXPECT_EQ(d.write->recipient, "b@y.example");
  EXPECT_EQ(d.write->first_seen, kNow);
  EXPECT_EQ(d.write->last_seen, kNow);
  EXPECT_EQ(d.write->passed, 0u);
  EXPECT_EQ(d.retry_in, 300);
  EXPECT_EQ(d.reply, "451 4.7.1 Greylisted: mail from a new sender is delayed here, please try again in 300 seconds");
  EXPECT_EQ(d.reason, "first attempt of this triplet");
}

TEST(GreylistDecide, EarlyRetryThenPassThenAutoWhitelist) {
  Settings s;
  s.delay = 600s;
  const auto key = triplet(ip("192.0.2.1"), "a@x.example", "b@y.example");
  GreylistEntry e = *decide(key, std::nullopt, kNow, s).write;
  auto d = decide(key, e, kNow + 200, s);
  EXPECT_EQ(d.action, Action::defer);
  EXPECT_FALSE(d.write);  // nothing changes
  EXPECT_EQ(d.retry_in, 400);
  EXPECT_NE(d.reply.find("try again in 400 seconds"), std::string::npos);
  EXPECT_NE(d.reason.find("too early"), std::string::npos);
  d = decide(key, e, kNow + 599, s);
  EXPECT_EQ(d.action, Action::defer);
  EXPECT_EQ(d.retry_in, 1);
  EXPECT_NE(d.reply.find("try again in 1 second"), std::string::npos);
  d = decide(key, e, kNow + 600, s);
  EXPECT_EQ(d.action, Action::pass);
  ASSERT_TRUE(d.write);
  EXPECT_EQ(d.write->first_seen, kNow);
  EXPECT_EQ(d.write->last_seen, kNow + 600);
  EXPECT_EQ(d.write->passed, 1u);
  EXPECT_EQ(d.reply, "");
  e = *d.write;
  // Passed: every later message passes at once.
  d = decide(key, e, kNow + 700, s);
  EXPECT_EQ(d.action, Action::pass);
  EXPECT_EQ(d.write->passed, 2u);
  EXPECT_EQ(d.write->last_seen, kNow + 700);
  EXPECT_NE(d.reason.find("auto-whitelisted"), std::string::npos);
}

TEST(GreylistDecide, WindowsStartOver) {
  Settings s;
  s.retry_window = 3600s;
  s.passed_lifetime = 86400s;
  const auto key = triplet(ip("192.0.2.1"), "a@x.example", "b@y.example");
  GreylistEntry e = *decide(key, std::nullopt, kNow, s).write;
  // A retry after the window: a new first attempt.
  auto d = decide(key, e, kNow + 3601, s);
  EXPECT_EQ(d.action, Action::defer);
  ASSERT_TRUE(d.write);
  EXPECT_EQ(d.write->first_seen, kNow + 3601);
  EXPECT_EQ(d.retry_in, 300);
  EXPECT_NE(d.reason.find("starting over"), std::string::npos);
  EXPECT_EQ(decide(key, e, kNow + 3600, s).action, Action::pass);  // just inside
  // An auto-whitelisted triplet unused for passed_lifetime starts over too.
  e.passed = 3;
  e.last_seen = kNow;
  EXPECT_EQ(decide(key, e, kNow + 86400, s).action, Action::pass);
  d = decide(key, e, kNow + 86401, s);
  EXPECT_EQ(d.action, Action::defer);
  EXPECT_EQ(d.write->passed, 0u);
  // Another gateway's clock a little ahead: a first_seen in the future waits the full delay.
  e = *decide(key, std::nullopt, kNow + 30, s).write;
  d = decide(key, e, kNow, s);
  EXPECT_EQ(d.action, Action::defer);
  EXPECT_EQ(d.retry_in, 300);
}

TEST(GreylistDecide, ExpiryBounds) {
  Settings s;
  const auto b = expiry_bounds(kNow, s);
  EXPECT_EQ(b.unused_before, kNow - 24 * 3600);
  EXPECT_EQ(b.used_before, kNow - 36 * 24 * 3600);
  s.retry_window = 7200s;
  s.passed_lifetime = 7 * 86400s;
  EXPECT_EQ(expiry_bounds(kNow, s).unused_before, kNow - 7200);
  EXPECT_EQ(expiry_bounds(kNow, s).used_before, kNow - 7 * 86400);
}

TEST(GreylistBypass, Reasons) {
  Settings s;
  auto r = request("192.0.2.1", "alice@partner.example", "bob@ours.example");
  EXPECT_EQ(bypass_reason(r, s), "");
  r.spf_pass = true;
  EXPECT_EQ(bypass_reason(r, s), "");  // only when the admin allows it
  s.bypass_spf_pass = true;
  EXPECT_EQ(bypass_reason(r, s), "SPF pass");
  r.spf_pass = false;
  s.bypass_senders = {"carol@partner.example", "@Partner.Example"};
  EXPECT_EQ(bypass_reason(r, s), "sender listed (@Partner.Example)");
  EXPECT_EQ(bypass_reason(request("192.0.2.1", "Carol@PARTNER.example", "b@x"), s),
            "sender listed (carol@partner.example)");
  EXPECT_EQ(bypass_reason(request("192.0.2.1", "alice@sub.partner.example", "b@x"), s), "");
  EXPECT_EQ(bypass_reason(request("192.0.2.1", "", "b@x"), s), "");  // the null sender is never listed
  s.bypass_senders.clear();
  s.bypass_recipients = {"postmaster@ours.example"};
  EXPECT_EQ(bypass_reason(request("192.0.2.1", "", "Postmaster@ours.example"), s),
            "recipient listed (postmaster@ours.example)");
  s.bypass_networks = {*portcullis::policy::Cidr::parse("198.51.100.0/24"),
                       *portcullis::policy::Cidr::parse("2001:db8::/32")};
  EXPECT_EQ(bypass_reason(request("198.51.100.9", "a@x", "b@y"), s), "client network listed (198.51.100.0/24)");
  EXPECT_EQ(bypass_reason(request("::ffff:198.51.100.9", "a@x", "b@y"), s), "client network listed (198.51.100.0/24)");
  EXPECT_EQ(bypass_reason(request("2001:db8:5::1", "a@x", "b@y"), s), "client network listed (2001:db8::/32)");
  EXPECT_EQ(bypass_reason(request("203.0.113.1", "a@x", "b@y"), s), "");
}

Decision check_at(TempStore& db, const Request& r, const Settings& s, std::int64_t now) {
  return run_async(check(db.workers, db.store(), db.mutex, r, s, now));
}

TEST(GreylistStore, DeferRetryPassAndRemember) {
  TempStore db;
  Settings s;
  const auto r = request("192.0.2.10", "Alice@Sender.example", "bob@ours.example");
  auto d = check_at(db, r, s, kNow);
  EXPECT_EQ(d.action, Action::defer);
  EXPECT_FALSE(d.failed_open);
  EXPECT_NE(d.reply.find("451 4.7.1 Greylisted"), std::string::npos);
  // Stored, as every gateway sees it.
  const auto stored = db.other()->greylist_get("192.0.2.0/24", "alice@sender.example", "bob@ours.example");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->first_seen, kNow);
  EXPECT_EQ(stored->passed, 0u);
  // Early retry from another server of the same /24.
  d = check_at(db, request("192.0.2.11", "alice@sender.example", "bob@ours.example"), s, kNow + 60);
  EXPECT_EQ(d.action, Action::defer);
  EXPECT_EQ(d.retry_in, 240);
  // Retry after the delay passes.
  d = check_at(db, r, s, kNow + 300);
  EXPECT_EQ(d.action, Action::pass);
  EXPECT_EQ(db.store().greylist_get("192.0.2.0/24", "alice@sender.example", "bob@ours.example")->passed, 1u);
  // The triplet is remembered: the next message passes at once.
  d = check_at(db, r, s, kNow + 86400 * 10);
  EXPECT_EQ(d.action, Action::pass);
  const auto later = db.store().greylist_get("192.0.2.0/24", "alice@sender.example", "bob@ours.example");
  EXPECT_EQ(later->passed, 2u);
  EXPECT_EQ(later->last_seen, kNow + 86400 * 10);
}

TEST(GreylistStore, TheTripletDecides) {
  TempStore db;
  Settings s;
  ASSERT_EQ(check_at(db, request("192.0.2.10", "a@s.example", "b@ours.example"), s, kNow).action, Action::defer);
  ASSERT_EQ(check_at(db, request("192.0.2.10", "a@s.example", "b@ours.example"), s, kNow + 300).action, Action::pass);
  // Another /24, another sender, another recipient: each starts over.
  EXPECT_EQ(check_at(db, request("192.0.3.10", "a@s.example", "b@ours.example"), s, kNow + 400).action, Action::defer);
  EXPECT_EQ(check_at(db, request("192.0.2.10", "z@s.example", "b@ours.example"), s, kNow + 400).action, Action::defer);
  EXPECT_EQ(check_at(db, request("192.0.2.10", "a@s.example", "c@ours.example"), s, kNow + 400).action, Action::defer);
  EXPECT_EQ(check_at(db, request("192.0.2.10", "", "b@ours.example"), s, kNow + 400).action, Action::defer);
  // The same /24 passes.
  EXPECT_EQ(check_at(db, request("192.0.2.254", "A@S.example", "B@ours.example"), s, kNow + 400).action, Action::pass);
}

TEST(GreylistStore, Ipv6GroupsBySlash64) {
  TempStore db;
  Settings s;
  EXPECT_EQ(check_at(db, request("2001:db8:1:2::10", "a@s.example", "b@o.example"), s, kNow).action, Action::defer);
  EXPECT_EQ(check_at(db, request("2001:db8:1:2:ffff::99", "a@s.example", "b@o.example"), s, kNow + 300).action,
            Action::pass);
  EXPECT_EQ(check_at(db, request("2001:db8:1:3::10", "a@s.example", "b@o.example"), s, kNow + 300).action,
            Action::defer);
  EXPECT_TRUE(db.store().greylist_get("2001:db8:1:2::/64", "a@s.example", "b@o.example"));
}

TEST(GreylistStore, BypassesTouchNothing) {
  TempStore db;
  Settings s;
  s.bypass_spf_pass = true;
  s.bypass_networks = {*portcullis::policy::Cidr::parse("198.51.100.0/24")};
  auto r = request("192.0.2.10", "a@s.example", "b@o.example");
  r.spf_pass = true;
  auto d = check_at(db, r, s, kNow);
  EXPECT_EQ(d.action, Action::pass);
  EXPECT_TRUE(d.bypassed);
  EXPECT_EQ(d.reason, "not greylisted: SPF pass");
  d = check_at(db, request("198.51.100.3", "a@s.example", "b@o.example"), s, kNow);
  EXPECT_EQ(d.action, Action::pass);
  EXPECT_TRUE(d.bypassed);
  EXPECT_FALSE(db.store().greylist_get("192.0.2.0/24", "a@s.example", "b@o.example"));
  EXPECT_FALSE(db.store().greylist_get("198.51.100.0/24", "a@s.example", "b@o.example"));
}

TEST(GreylistStore, FailsOpenWhenTheStoreIsUnavailable) {
  TempStore db;
  Settings s;
  db.execute("DROP TABLE greylist");
  const auto d = check_at(db, request("192.0.2.10", "a@s.example", "b@o.example"), s, kNow);
  EXPECT_EQ(d.action, Action::pass);
  EXPECT_TRUE(d.failed_open);
  EXPECT_FALSE(d.bypassed);
  EXPECT_EQ(d.reply, "");
  EXPECT_EQ(d.reason.rfind("not greylisted, the store is unavailable: ", 0), 0u) << d.reason;
  EXPECT_GT(d.reason.size(), std::string("not greylisted, the store is unavailable: ").size());
}

}  // namespace
