// control::Counters: log events in, counts out.
#include "control/counters.hpp"

#include <gtest/gtest.h>

namespace portcullis::control {
namespace {

TEST(Counters, CountsEventsFromTheLog) {
  Counters c;
  const auto level = log::level();
  log::set_level(log::Level::error);  // counted whatever the output level
  log::info("connect", {{"client", "192.0.2.1"}});
  log::info("connect", {{"client", "192.0.2.2"}});
  log::info("queued", {{"queue_id", "Q1"}});
  log::info("delivered", {{"queue_id", "Q1"}, {"rcpt", "a@b"}});
  log::info("deferred", {{"queue_id", "Q1"}, {"rcpt", "c@b"}});
  log::info("bounced", {{"queue_id", "Q1"}, {"rcpt", "d@b"}});
  log::info("bounce_queued", {{"queue_id", "Q2"}});
  log::info("rcpt_rejected", {{"reply", "550 5.1.1 <x@y>: Recipient address rejected: User unknown"}});
  log::info("rcpt_rejected", {{"reply", "550 5.1.1 <z@y>: User unknown"}});
  log::info("rcpt_rejected", {{"reply", "554 5.7.1 <x@z>: Relay access denied"}});
  log::info("rcpt_rejected", {{"reply", "garbage"}});
  log::warn("connection_refused", {{"client", "192.0.2.1"}});
  log::info("early_talker", {{"client", "192.0.2.9"}});
  log::info("timeout", {{"client", "192.0.2.9"}});
  log::info("message_rejected", {{"reason", "protocol"}});
  log::info("policy_reloaded", {{"serial", "3"}});  // not counted
  log::set_level(level);
  const auto s = c.snapshot();
  EXPECT_EQ(s.connections, 2u);
  EXPECT_EQ(s.received, 1u);
  EXPECT_EQ(s.delivered, 1u);
  EXPECT_EQ(s.deferred, 1u);
  EXPECT_EQ(s.bounced, 1u);
  EXPECT_EQ(s.dsn_sent, 1u);
  EXPECT_EQ(s.timeouts, 1u);
  const std::map<std::string, uint64_t> expected = {{"5.1.1", 2},          {"5.7.1", 1},
                                                    {"recipient", 1},      {"too_many_connections", 1},
                                                    {"early_talker", 1},   {"message_protocol", 1}};
  EXPECT_EQ(s.rejected, expected);
}

TEST(Counters, StopCountingWhenDestroyed) {
  uint64_t before = 0;
  {
    Counters c;
    log::debug("connect", {});
    before = c.snapshot().connections;
  }
  Counters fresh;
  EXPECT_EQ(before, 1u);
  EXPECT_EQ(fresh.snapshot().connections, 0u);
}

}  // namespace
}  // namespace portcullis::control
