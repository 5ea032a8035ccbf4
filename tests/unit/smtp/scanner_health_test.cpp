// smtp/scanner_health: the state a ping's answer leaves, and the monitor's report as a scanner
// goes away and comes back (the real clamd and spamd answering: tests/integration/test_spam.py).
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <filesystem>
#include <string>

#include "../run_async.hpp"
#include "smtp/scanner_health.hpp"

namespace portcullis::smtp {
namespace {

namespace asio = boost::asio;
using checks::scanner::PingResult;
using Health = ScannerState::Health;

TEST(ScannerState, ChangesAreReportedOnceAndDownKeepsItsFirstTime) {
  ScannerState s;
  EXPECT_EQ(s.describe(), "unknown");
  EXPECT_TRUE(s.record({false, false, "clamd: connecting: No such file or directory"}, 1795000000));
  EXPECT_EQ(s.health, Health::down);
  EXPECT_EQ(s.describe(), "down: clamd: connecting: No such file or directory (since 2026-11-18T11:06:40Z)");
  // Still down, for another reason: not a change, and the time it went down stays.
  EXPECT_FALSE(s.record({false, true, "clamd: timed out"}, 1795000030));
  EXPECT_EQ(s.describe(), "down: clamd: timed out (since 2026-11-18T11:06:40Z)");
  EXPECT_TRUE(s.record({true, false, ""}, 1795000060));
  EXPECT_EQ(s.describe(), "up");
  EXPECT_EQ(s.since, 1795000060);
  EXPECT_FALSE(s.record({true, false, ""}, 1795000090));
  EXPECT_EQ(s.since, 1795000060);
}

TEST(ScannerState, TheFirstAnswerIsAChangeEvenWhenUp) {
  ScannerState s;
  EXPECT_TRUE(s.record({true, false, ""}, 1));
  EXPECT_EQ(s.health, Health::up);
}

using testing::run_until;

// Plays clamd on a unix socket for one PING: reads "zPING\0", answers "PONG\0".
asio::awaitable<void> answer_ping(asio::local::stream_protocol::acceptor& acceptor) {
  auto socket = co_await acceptor.async_accept(asio::use_awaitable);
  std::string request;
  co_await asio::async_read_until(socket, asio::dynamic_buffer(request), '\0', asio::use_awaitable);
  co_await asio::async_write(socket, asio::buffer(std::string("PONG", 5)), asio::use_awaitable);
}

TEST(ScannerHealth, ReportsOffDownAndUpAgainAfterCheckNow) {
  const auto dir = std::filesystem::temp_directory_path() / ("portcullis-health-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "clamd.sock").string();
  asio::io_context io;
  Scanners scanners;
  scanners.clamd = checks::scanner::parse_endpoint("unix:" + path).endpoint;
  ScannerHealth health(io, scanners);
  auto clamd = [&] { return health.report().at(0).second; };
  EXPECT_EQ(health.report().at(1), (std::pair<std::string, std::string>{"spamd", "off"}));
  EXPECT_EQ(clamd(), "unknown");

  health.start(std::chrono::seconds(3600));  // only the first ping and check_now's
  ASSERT_TRUE(run_until(io, [&] { return clamd() != "unknown"; }));
  EXPECT_EQ(clamd().rfind("down: ", 0), 0u) << clamd();
  EXPECT_NE(clamd().find("No such file or directory"), std::string::npos) << clamd();

  // The scanner comes back; a reload asks again at once (not an hour later).
  asio::local::stream_protocol::acceptor acceptor(io, asio::local::stream_protocol::endpoint(path));
  asio::co_spawn(io, answer_ping(acceptor), asio::detached);
  health.check_now();
  EXPECT_TRUE(run_until(io, [&] { return clamd() == "up"; })) << clamd();

  health.stop();
  io.restart();
  io.run_for(std::chrono::milliseconds(50));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace portcullis::smtp
