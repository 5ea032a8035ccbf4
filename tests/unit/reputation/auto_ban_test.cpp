// Auto-ban (checks/reputation/auto_ban.hpp): counting in a sliding window, exemptions, bounded
// memory; the BanCache (ban_cache.hpp) and its refresh from / writes to a real SQLite store
// (ban_store.hpp), as two gateways sharing the database see them.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "checks/reputation/auto_ban.hpp"
#include "checks/reputation/ban_cache.hpp"
#include "checks/reputation/ban_store.hpp"
#include "temp_store.hpp"

namespace {

using namespace portcullis::checks::reputation;
using namespace std::chrono_literals;
using portcullis::store::Ban;
using portcullis::testing::run_async;
using portcullis::testing::TempStore;

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

constexpr std::int64_t kNow = 1'700'000'000;

AutoBanSettings settings(unsigned n, std::chrono::seconds window, std::chrono::seconds ban_for) {
  AutoBanSettings s;
  s.max_failures = n;
  s.window = window;
  s.ban_for = ban_for;
  return s;
}

Ban ban(const char* key, std::int64_t until, const char* reason = "test") {
  Ban b;
  b.ip = key;
  b.until = until;
  b.reason = reason;
  b.created = kNow;
  return b;
}

TEST(AutoBan, NFailuresWithinTheWindowBan) {
  AutoBan bans(settings(3, 60s, 3600s));
  EXPECT_FALSE(bans.record(ip("192.0.2.1"), Failure::invalid_command, kNow));
  EXPECT_FALSE(bans.record(ip("192.0.2.1"), Failure::auth_failed, kNow + 10));
  EXPECT_EQ(bans.failures(ip("192.0.2.1"), kNow + 10), 2u);
  const auto b = bans.record(ip("192.0.2.1"), Failure::relay_attempt, kNow + 20);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->ip, "192.0.2.1");
  EXPECT_EQ(b->created, kNow + 20);
  EXPECT_EQ(b->until, kNow + 20 + 3600);
  EXPECT_EQ(b->reason, "auto-ban: 3 failures within 60 s (last: relay attempt)");
  // The count starts over after a ban.
  EXPECT_EQ(bans.failures(ip("192.0.2.1"), kNow + 20), 0u);
  EXPECT_EQ(bans.tracked(), 0u);
  EXPECT_FALSE(bans.record(ip("192.0.2.1"), Failure::invalid_command, kNow + 21));
}

TEST(AutoBan, TheWindowSlides) {
  AutoBan bans(settings(3, 60s, 600s));
  EXPECT_FALSE(bans.record(ip("192.0.2.1"), Failure::invalid_command, kNow));
  EXPECT_FALSE(bans.record(ip("192.0.2.1"), Failure::invalid_command, kNow + 30));
  // The first failure is 60 s old now: out of the window.
  EXPECT_FALSE(bans.record(ip("192.0.2.1"), Failure::invalid_command, kNow + 60));
  EXPECT_EQ(bans.failures(ip("192.0.2.1"), kNow + 60), 2u);
  EXPECT_TRUE(bans.record(ip("192.0.2.1"), Failure::invalid_command, kNow + 89));
  // Other clients have their own counts.
  EXPECT_FALSE(bans.record(ip("192.0.2.2"), Failure::too_many_errors, kNow + 89));
  EXPECT_EQ(bans.failures(ip("192.0.2.2"), kNow + 89), 1u);
  EXPECT_EQ(bans.failures(ip("192.0.2.2"), kNow + 150), 0u);
}

TEST(AutoBan, ExemptClientsAreNeverCountedNorBanned) {
  AutoBan bans(settings(1, 60s, 600s), [](const boost::asio::ip::address& a) {
    return a.is_loopback() || (a.is_v4() && (a.to_v4().to_uint() >> 8) == 0xC00002u);  // 192.0.2.0/24
  });
  EXPECT_FALSE(bans.record(ip("127.0.0.1"), Failure::auth_failed, kNow));
  EXPECT_FALSE(bans.record(ip("::1"), Failure::auth_failed, kNow));
  EXPECT_FALSE(bans.record(ip("192.0.2.77"), Failure::relay_attempt, kNow));
  EXPECT_FALSE(bans.record(ip("::ffff:192.0.2.77"), Failure::relay_attempt, kNow));  // asked unmapped
  EXPECT_EQ(bans.tracked(), 0u);
  EXPECT_TRUE(bans.record(ip("198.51.100.1"), Failure::relay_attempt, kNow));
}

TEST(AutoBan, Ipv6ClientsCountByNetworkAndMappedAsIpv4) {
  AutoBan bans(settings(2, 60s, 600s));
  EXPECT_FALSE(bans.record(ip("2001:db8:1:2::1"), Failure::auth_failed, kNow));
  const auto b = bans.record(ip("2001:db8:1:2::99"), Failure::auth_failed, kNow);
  ASSERT_TRUE(b);
  EXPECT_EQ(b->ip, "2001:db8:1:2::/64");
  EXPECT_FALSE(bans.record(ip("::ffff:192.0.2.1"), Failure::auth_failed, kNow));
  EXPECT_TRUE(bans.record(ip("192.0.2.1"), Failure::auth_failed, kNow));
}

TEST(AutoBan, MemoryIsBounded) {
  AutoBanSettings s = settings(3, 3600s, 600s);
  s.max_tracked = 100;
  AutoBan bans(s);
  // The first client fails twice, then 150 others once each: the first is forgotten.
  bans.record(ip("198.51.100.1"), Failure::invalid_command, kNow);
  bans.record(ip("198.51.100.1"), Failure::invalid_command, kNow);
  for (unsigned i = 0; i < 150; ++i)
    bans.record(boost::asio::ip::address_v4(0xC0000000u + i), Failure::invalid_command, kNow + 1);
  EXPECT_EQ(bans.tracked(), 100u);
  EXPECT_EQ(bans.failures(ip("198.51.100.1"), kNow + 1), 0u);
  EXPECT_FALSE(bans.record(ip("198.51.100.1"), Failure::invalid_command, kNow + 2));
  // A client that keeps failing stays tracked (most recent first) and gets banned.
  AutoBan busy(s);
  busy.record(ip("198.51.100.1"), Failure::invalid_command, kNow);
  for (unsigned i = 0; i < 150; ++i) {
    busy.record(boost::asio::ip::address_v4(0xC0000000u + i), Failure::invalid_command, kNow);
    if (i == 50) busy.record(ip("198.51.100.1"), Failure::invalid_command, kNow);
  }
  EXPECT_EQ(busy.failures(ip("198.51.100.1"), kNow), 2u);
  EXPECT_TRUE(busy.record(ip("198.51.100.1"), Failure::invalid_command, kNow));
}

TEST(AutoBan, OffAndReconfigured) {
  AutoBan off(settings(0, 60s, 600s));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(off.record(ip("192.0.2.1"), Failure::invalid_command, kNow));
  EXPECT_EQ(off.tracked(), 0u);
  AutoBan bans(settings(5, 60s, 600s));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(bans.record(ip("192.0.2.1"), Failure::invalid_command, kNow));
  bans.reconfigure(settings(2, 60s, 600s));
  EXPECT_EQ(bans.failures(ip("192.0.2.1"), kNow), 2u);
  EXPECT_TRUE(bans.record(ip("192.0.2.1"), Failure::invalid_command, kNow));
}

TEST(BanCache, FindsBansInForceByKey) {
  BanCache cache;
  cache.add_local(ban("192.0.2.1", kNow + 600));
  cache.add_local(ban("2001:DB8:1:2::/64", kNow + 600));
  cache.add_local(ban("2001:db8:9::5", kNow + 600));  // an admin's single-host ban
  EXPECT_TRUE(cache.find(ip("192.0.2.1"), kNow));
  EXPECT_TRUE(cache.find(ip("::ffff:192.0.2.1"), kNow));
  EXPECT_FALSE(cache.find(ip("192.0.2.2"), kNow));
  EXPECT_TRUE(cache.find(ip("2001:db8:1:2::77"), kNow));
  EXPECT_TRUE(cache.find(ip("2001:db8:9::5"), kNow));
  EXPECT_FALSE(cache.find(ip("2001:db8:9::6"), kNow));
  // Expiry.
  EXPECT_TRUE(cache.find(ip("192.0.2.1"), kNow + 599));
  EXPECT_FALSE(cache.find(ip("192.0.2.1"), kNow + 600));
  cache.prune(kNow + 600);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(BanCache, Bounded) {
  BanCache cache(3);
  cache.add_local(ban("192.0.2.1", kNow + 100));
  cache.add_local(ban("192.0.2.2", kNow + 300));
  cache.add_local(ban("192.0.2.3", kNow + 200));
  cache.add_local(ban("192.0.2.4", kNow + 400));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_FALSE(cache.find(ip("192.0.2.1"), kNow));  // the one ending first went
  EXPECT_TRUE(cache.find(ip("192.0.2.4"), kNow));
}

TEST(BanCache, RefreshKeepsLocalBansUntilTheStoreHasThem) {
  BanCache cache;
  // A ban decided here, its write still under way, while a refresh reads the store.
  auto ticket = cache.begin_refresh();
  cache.add_local(ban("192.0.2.1", kNow + 600));
  cache.finish_refresh(ticket, {ban("198.51.100.9", kNow + 600)}, kNow);
  EXPECT_TRUE(cache.find(ip("192.0.2.1"), kNow));
  EXPECT_TRUE(cache.find(ip("198.51.100.9"), kNow));
  // The write completes during the next refresh's read: still kept.
  ticket = cache.begin_refresh();
  cache.written("192.0.2.1");
  cache.finish_refresh(ticket, {}, kNow);
  EXPECT_TRUE(cache.find(ip("192.0.2.1"), kNow));
  EXPECT_FALSE(cache.find(ip("198.51.100.9"), kNow));  // gone from the store: gone here
  // A refresh that began after the write and does not list it: an admin removed it.
  ticket = cache.begin_refresh();
  cache.finish_refresh(ticket, {}, kNow);
  EXPECT_FALSE(cache.find(ip("192.0.2.1"), kNow));
  // A listed local ban becomes an ordinary one; an expired listed one is not kept.
  cache.add_local(ban("192.0.2.5", kNow + 600));
  cache.written("192.0.2.5");
  ticket = cache.begin_refresh();
  cache.finish_refresh(ticket, {ban("192.0.2.5", kNow + 600), ban("192.0.2.6", kNow - 1)}, kNow);
  EXPECT_TRUE(cache.find(ip("192.0.2.5"), kNow));
  EXPECT_EQ(cache.size(), 1u);
  ticket = cache.begin_refresh();
  cache.finish_refresh(ticket, {}, kNow);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(BanCache, Reply) {
  EXPECT_EQ(ban_reply(ban("192.0.2.1", kNow + 3600), kNow, "mx.example.net"),
            "421 4.7.0 mx.example.net Too many failures from your address, try again in 60 minutes");
  EXPECT_EQ(ban_reply(ban("192.0.2.1", kNow + 30), kNow),
            "421 4.7.0 Too many failures from your address, try again in 1 minute");
  EXPECT_EQ(ban_reply(ban("192.0.2.1", kNow + 61), kNow),
            "421 4.7.0 Too many failures from your address, try again in 2 minutes");
}

TEST(BanStore, ABanIsWrittenAndSeenByAnotherGateway) {
  TempStore db;
  BanCache here;
  AutoBan bans(settings(2, 60s, 600s));
  bans.record(ip("203.0.113.5"), Failure::relay_attempt, kNow);
  const auto b = bans.record(ip("203.0.113.5"), Failure::relay_attempt, kNow + 1);
  ASSERT_TRUE(b);
  const std::string error = run_async(persist_ban(here, db.workers, db.store(), db.mutex, *b));
  EXPECT_EQ(error, "");
  EXPECT_TRUE(here.find(ip("203.0.113.5"), kNow + 1));
  // In the store, for every gateway.
  auto other_connection = db.other();
  const auto stored = other_connection->ban_find("203.0.113.5", kNow + 1);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->until, kNow + 601);
  EXPECT_EQ(stored->reason, b->reason);
  // Another gateway's cache sees it after its refresh, and not before.
  BanCache there;
  EXPECT_FALSE(there.find(ip("203.0.113.5"), kNow + 1));
  EXPECT_EQ(run_async(refresh_bans(there, db.workers, *other_connection, db.mutex, kNow + 1)), "");
  EXPECT_TRUE(there.find(ip("203.0.113.5"), kNow + 1));
  // Expiry: the cache stops counting it, a refresh drops it.
  EXPECT_FALSE(there.find(ip("203.0.113.5"), kNow + 601));
  EXPECT_EQ(run_async(refresh_bans(there, db.workers, *other_connection, db.mutex, kNow + 601)), "");
  EXPECT_EQ(there.size(), 0u);
}

TEST(BanStore, AnAdminRemovalReachesTheCache) {
  TempStore db;
  BanCache cache;
  EXPECT_EQ(run_async(persist_ban(cache, db.workers, db.store(), db.mutex, ban("192.0.2.8", kNow + 600))), "");
  EXPECT_EQ(run_async(refresh_bans(cache, db.workers, db.store(), db.mutex, kNow)), "");
  EXPECT_TRUE(cache.find(ip("192.0.2.8"), kNow));
  ASSERT_TRUE(db.other()->ban_remove("192.0.2.8"));  // `portcullis ban remove` on another host
  EXPECT_EQ(run_async(refresh_bans(cache, db.workers, db.store(), db.mutex, kNow)), "");
  EXPECT_FALSE(cache.find(ip("192.0.2.8"), kNow));
}

TEST(BanStore, StoreFailuresAreReportedAndTheLocalBanStillCounts) {
  TempStore db;
  BanCache cache;
  db.execute("DROP TABLE bans");
  const std::string error =
      run_async(persist_ban(cache, db.workers, db.store(), db.mutex, ban("192.0.2.9", kNow + 600)));
  EXPECT_NE(error.find("ban of 192.0.2.9 not written to the store"), std::string::npos) << error;
  EXPECT_TRUE(cache.find(ip("192.0.2.9"), kNow));
  const std::string refresh_error = run_async(refresh_bans(cache, db.workers, db.store(), db.mutex, kNow));
  EXPECT_NE(refresh_error.find("ban list not refreshed"), std::string::npos) << refresh_error;
  EXPECT_TRUE(cache.find(ip("192.0.2.9"), kNow));  // the cache kept what it had
  EXPECT_FALSE(cache.find(ip("192.0.2.9"), kNow + 600));
}

}  // namespace
