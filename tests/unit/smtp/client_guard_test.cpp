// smtp/client_guard: bans (local and through the store), auto-ban counting, rate limits.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include "../reputation/temp_store.hpp"
#include "smtp/client_guard.hpp"

namespace portcullis::smtp {
namespace {

namespace asio = boost::asio;
using checks::reputation::Failure;
using checks::reputation::RateKind;

std::shared_ptr<const ReputationPolicy> policy_with(std::map<std::string, std::string, std::less<>> settings) {
  auto s = std::make_shared<policy::Snapshot>();
  s->settings = std::move(settings);
  return compile_reputation(s, "mx.test", {});
}

const asio::ip::address kClient = asio::ip::make_address("198.51.100.7");

// A guard without a store (bans stay on this gateway), configured with `settings`.
struct LocalGuard {
  explicit LocalGuard(std::map<std::string, std::string, std::less<>> settings) : policy(policy_with(std::move(settings))) {
    guard.configure(*policy);
  }
  asio::io_context io;
  asio::thread_pool workers{1};
  ClientGuard guard{io, workers, nullptr, nullptr};
  std::shared_ptr<const ReputationPolicy> policy;
};

using testing::run_until;

TEST(ClientGuard, FailuresBanTheClientAtOnceAndOthersNot) {
  LocalGuard lg({{"auto-ban-failures", "3"}, {"reputation-exempt", "192.0.2.0/24"}});
  ClientGuard& g = lg.guard;
  const auto& p = lg.policy;
  EXPECT_EQ(g.at_connect(kClient, "c", *p, "mx.test"), "");
  g.failure(kClient, "c", *p, Failure::relay_attempt);
  g.failure(kClient, "c", *p, Failure::invalid_command);
  EXPECT_EQ(g.at_connect(kClient, "c", *p, "mx.test"), "");
  g.failure(kClient, "c", *p, Failure::relay_attempt);
  const std::string reply = g.at_connect(kClient, "c", *p, "mx.test");
  EXPECT_EQ(reply.rfind("421 4.7.0 mx.test Too many failures", 0), 0u) << reply;
  EXPECT_EQ(g.at_connect(asio::ip::make_address("198.51.100.8"), "d", *p, "mx.test"), "");
  // Exempt clients are never counted.
  const auto exempt = asio::ip::make_address("192.0.2.9");
  for (int i = 0; i < 10; ++i) g.failure(exempt, "e", *p, Failure::relay_attempt);
  EXPECT_EQ(g.at_connect(exempt, "e", *p, "mx.test"), "");
}

TEST(ClientGuard, ZeroFailuresIsOff) {
  LocalGuard lg({{"auto-ban-failures", "0"}, {"reputation-exempt", "none"}});
  ClientGuard& g = lg.guard;
  const auto& p = lg.policy;
  for (int i = 0; i < 20; ++i) g.failure(kClient, "c", *p, Failure::invalid_command);
  EXPECT_EQ(g.at_connect(kClient, "c", *p, "mx.test"), "");
}

TEST(ClientGuard, RatesPerKindAndClient) {
  LocalGuard lg({{"rate-limit-messages", "2"}, {"rate-limit-connections", "1"}, {"reputation-exempt", "none"}});
  ClientGuard& g = lg.guard;
  const auto& p = lg.policy;
  EXPECT_EQ(g.take(kClient, "c", *p, RateKind::message), "");
  EXPECT_EQ(g.take(kClient, "c", *p, RateKind::message), "");
  EXPECT_EQ(g.take(kClient, "c", *p, RateKind::message).rfind("451 4.7.1", 0), 0u);
  EXPECT_EQ(g.take(kClient, "c", *p, RateKind::recipient), "");  // no recipient limit
  EXPECT_EQ(g.at_connect(kClient, "c", *p, "mx.test"), "");
  EXPECT_EQ(g.at_connect(kClient, "c", *p, "mx.test").rfind("421 4.7.0", 0), 0u);
  EXPECT_EQ(g.at_connect(asio::ip::make_address("198.51.100.9"), "d", *p, "mx.test"), "");
  // Unlimited again after a reload that lifts the limit.
  const auto lifted = policy_with({{"reputation-exempt", "none"}});
  g.configure(*lifted);
  EXPECT_EQ(g.take(kClient, "c", *lifted, RateKind::message), "");
}

TEST(ClientGuard, BansGoThroughTheStoreAndAreLiftedThere) {
  testing::TempStore ts;
  asio::io_context io;
  ClientGuard g(io, ts.workers, &ts.store(), &ts.mutex);
  const auto p = policy_with({{"auto-ban-failures", "2"}, {"reputation-exempt", "none"}});
  g.configure(*p);
  g.failure(kClient, "c", *p, Failure::relay_attempt);
  g.failure(kClient, "c", *p, Failure::relay_attempt);
  auto other = ts.other();  // another gateway's connection
  ASSERT_TRUE(run_until(io, [&] { return other->ban_find("198.51.100.7", std::time(nullptr)).has_value(); }));
  EXPECT_NE(g.at_connect(kClient, "c", *p, "mx.test"), "");
  // Lifted in the store (portcullis ban remove): gone here at the next refresh.
  ASSERT_TRUE(other->ban_remove("198.51.100.7"));
  g.start(std::chrono::seconds(1));
  EXPECT_TRUE(run_until(io, [&] { return g.at_connect(kClient, "c", *p, "mx.test").empty(); }));
  // A ban another gateway wrote counts here after a refresh.
  other->ban_add(store::Ban{"198.51.100.99", std::time(nullptr) + 600, "elsewhere", std::time(nullptr)});
  const auto far = asio::ip::make_address("198.51.100.99");
  EXPECT_TRUE(run_until(io, [&] { return !g.at_connect(far, "f", *p, "mx.test").empty(); }));
  g.stop();
  io.restart();
  io.run_for(std::chrono::seconds(2));
  EXPECT_TRUE(io.stopped());
}

}  // namespace
}  // namespace portcullis::smtp
