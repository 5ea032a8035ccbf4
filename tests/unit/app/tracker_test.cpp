// app::Tracker: log events become message log rows; a store that fails is retried; the
// hand-over queue is bounded.
#include "app/tracker.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>

#include "core/log.hpp"

namespace portcullis::app {
namespace {

class TrackerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "portcullis-tracker-XXXXXX").string();
    ASSERT_TRUE(mkdtemp(pattern.data()));
    dir_ = pattern;
    uri_ = "sqlite:" + (dir_ / "t.db").string();
    auto s = store::open_store(uri_);
    s->migrate();
    log::set_level(log::Level::error);  // the events still reach observers
  }
  void TearDown() override {
    log::set_level(log::Level::info);
    std::filesystem::remove_all(dir_);
  }
  std::unique_ptr<store::Store> open() { return store::open_store(uri_); }
  std::vector<store::MessageRecord> all() {
    store::MessageQuery q;
    return open()->search_messages(q);
  }

  std::filesystem::path dir_;
  std::string uri_;
};

TEST_F(TrackerTest, MessagesAndDeliveriesAreLogged) {
  Tracker t([this] { return open(); }, Tracker::Options{"gw1.test"});
  log::info("queued", {{"queue_id", "Q1"}, {"client", "192.0.2.1"}, {"helo", "mx.sender.test"},
                       {"from", "alice@sender.test"}, {"rcpts", "bob@ours.test,carol@ours.test"}, {"size", "1234"},
                       {"verdict", "accept"}});
  log::info("deferred", {{"queue_id", "Q1"}, {"from", "alice@sender.test"}, {"rcpt", "bob@ours.test"},
                         {"relay", "10.0.0.5:25"}, {"attempt", "1"}, {"reply", "451 4.3.0 busy"}});
  log::info("delivered", {{"queue_id", "Q1"}, {"from", "alice@sender.test"}, {"rcpt", "carol@ours.test"},
                          {"relay", "10.0.0.5:25"}, {"attempt", "1"}, {"reply", "250 ok"}});
  log::info("bounce_queued", {{"queue_id", "Q2"}, {"original", "Q1"}, {"to", "alice@sender.test"}, {"failed", "1"}});
  log::info("message_rejected", {{"queue_id", "Q3"}, {"client", "192.0.2.2"}, {"from", "<>"},
                                 {"rcpts", "x@ours.test"}, {"verdict", "reject"}, {"reason", "protocol"}});
  log::info("connect", {{"client", "192.0.2.1"}});  // not a message event: ignored
  ASSERT_TRUE(t.flush(std::chrono::seconds(10)));
  EXPECT_EQ(t.written(), 5u);
  const auto msgs = all();
  ASSERT_EQ(msgs.size(), 3u);
  std::map<std::string, store::MessageRecord> by_id;
  for (const auto& m : msgs) by_id[m.queue_id] = m;
  const auto& q1 = by_id.at("Q1");
  EXPECT_EQ(q1.client_ip, "192.0.2.1");
  EXPECT_EQ(q1.helo, "mx.sender.test");
  EXPECT_EQ(q1.sender, "alice@sender.test");
  EXPECT_EQ(q1.size, 1234u);
  EXPECT_EQ(q1.gateway, "gw1.test");
  ASSERT_EQ(q1.deliveries.size(), 2u);
  EXPECT_EQ(q1.deliveries[0].status, "deferred");
  EXPECT_EQ(q1.deliveries[0].reply, "451 4.3.0 busy");
  EXPECT_EQ(q1.deliveries[1].status, "delivered");
  EXPECT_EQ(q1.deliveries[1].relay, "10.0.0.5:25");
  const auto& q2 = by_id.at("Q2");
  EXPECT_EQ(q2.sender, "");
  EXPECT_EQ(q2.symbols, "DSN original=Q1");
  EXPECT_EQ(q2.deliveries.at(0).recipient, "alice@sender.test");
  const auto& q3 = by_id.at("Q3");
  EXPECT_EQ(q3.verdict, "reject");
  EXPECT_EQ(q3.sender, "");
  EXPECT_EQ(q3.deliveries.at(0).status, "rejected");
}

TEST_F(TrackerTest, DmarcRowsAreWrittenEvenWithoutTheMessageLog) {
  Tracker::Options o{"gw1.test"};
  o.messages = false;
  Tracker t([this] { return open(); }, o);
  log::info("queued", {{"queue_id", "Q1"}, {"client", "192.0.2.1"}, {"rcpts", "bob@ours.test"}});  // not tracked
  store::DmarcRow row;
  row.received = 1700000000;
  row.queue_id = "Q1";
  row.source_ip = "192.0.2.1";
  row.header_from = "Sender.Test";
  row.policy_domain = "sender.test";
  row.published = "p=reject sp=reject pct=100 adkim=r aspf=r fo=0";
  row.disposition = "reject";
  row.dmarc = "fail";
  row.spf_result = "fail";
  t.record_dmarc(row);
  ASSERT_TRUE(t.flush(std::chrono::seconds(10)));
  EXPECT_EQ(t.written(), 1u);
  EXPECT_TRUE(all().empty());
  const auto rows = open()->dmarc_rows("sender.test", 0, 2000000000);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].queue_id, "Q1");
  EXPECT_EQ(rows[0].header_from, "sender.test");
  EXPECT_EQ(rows[0].disposition, "reject");
}

TEST_F(TrackerTest, DeliveryOfUnknownMessageIsDroppedNotRetriedForever) {
  Tracker t([this] { return open(); }, Tracker::Options{"gw1.test"});
  log::info("delivered", {{"queue_id", "NEVER"}, {"rcpt", "x@ours.test"}, {"relay", "h:25"}, {"attempt", "1"},
                          {"reply", "250 ok"}});
  log::info("queued", {{"queue_id", "Q1"}, {"client", "192.0.2.1"}, {"from", "a@b.test"}, {"rcpts", "x@ours.test"},
                       {"size", "1"}, {"verdict", "accept"}});
  ASSERT_TRUE(t.flush(std::chrono::seconds(10)));
  EXPECT_EQ(all().size(), 1u);
}

TEST_F(TrackerTest, UnreachableStoreIsRetriedUntilItWorks) {
  std::atomic<int> failures{3};
  Tracker::Options o{"gw1.test"};
  o.retry_min = std::chrono::milliseconds(10);
  o.retry_max = std::chrono::milliseconds(40);
  Tracker t(
      [this, &failures]() -> std::unique_ptr<store::Store> {
        if (failures.fetch_sub(1) > 0) throw store::StoreError("database unavailable: test");
        return open();
      },
      o);
  log::info("queued", {{"queue_id", "Q1"}, {"client", "192.0.2.1"}, {"from", "a@b.test"}, {"rcpts", "x@ours.test"},
                       {"size", "1"}, {"verdict", "accept"}});
  ASSERT_TRUE(t.flush(std::chrono::seconds(10)));
  EXPECT_LE(failures.load(), 0);
  EXPECT_EQ(all().size(), 1u);
}

TEST_F(TrackerTest, HandOverQueueIsBounded) {
  std::atomic<bool> down{true};
  Tracker::Options o{"gw1.test"};
  o.max_pending = 5;
  o.retry_min = std::chrono::milliseconds(10);
  o.retry_max = std::chrono::milliseconds(20);
  Tracker t(
      [this, &down]() -> std::unique_ptr<store::Store> {
        if (down) throw store::StoreError("database unavailable: test");
        return open();
      },
      o);
  for (int i = 0; i < 12; ++i)
    log::info("queued", {{"queue_id", "Q" + std::to_string(i)}, {"client", "192.0.2.1"}, {"from", "a@b.test"},
                         {"rcpts", "x@ours.test"}, {"size", "1"}, {"verdict", "accept"}});
  EXPECT_EQ(t.dropped(), 7u);
  down = false;
  ASSERT_TRUE(t.flush(std::chrono::seconds(10)));
  EXPECT_EQ(all().size(), 5u);
}

}  // namespace
}  // namespace portcullis::app
