// clamd_scan against a private clamd (tests/tools/scanners.py: one EICAR signature, a
// StreamMaxLength of 100 KiB), started once for the suite, over its unix socket and TCP.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checks/clamd/client.hpp"
#include "scanner_harness.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace portcullis::checks::scanner;
using portcullis::test::endpoint;
using portcullis::test::run;
using portcullis::test::ScannerProcess;

constexpr std::size_t kStreamMax = 100 * 1024;

class ClamdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    clamd_ = std::make_unique<ScannerProcess>("clamd", std::vector<std::string>{"--stream-max-length", "100K"});
  }
  static void TearDownTestSuite() { clamd_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(clamd_);
    ASSERT_EQ(clamd_->error(), "");
  }

  std::vector<std::string> endpoints() const { return {clamd_->unix_endpoint(), clamd_->tcp_endpoint()}; }

  ClamdResult scan(const std::string& where, const std::string& message) {
    auto op = clamd_scan(io_.get_executor(), endpoint(where), string_source(message), message.size(), 10s);
    return run(io_, std::move(op));
  }

  static std::unique_ptr<ScannerProcess> clamd_;
  asio::io_context io_;
};

std::unique_ptr<ScannerProcess> ClamdTest::clamd_;

TEST_F(ClamdTest, StartsQuickly) {
  RecordProperty("clamd_startup_seconds", std::to_string(clamd_->startup_seconds()));
  EXPECT_LT(clamd_->startup_seconds(), 30.0);
  for (const auto& where : endpoints()) {
    auto op = clamd_ping(io_.get_executor(), endpoint(where), 5s);
    const auto r = run(io_, std::move(op));
    EXPECT_TRUE(r.ok) << where << ": " << r.detail;
  }
}

TEST_F(ClamdTest, EicarIsInfected) {
  for (const auto& where : endpoints()) {
    const auto r = scan(where, portcullis::test::eicar());
    EXPECT_EQ(r.status, ClamdResult::Status::infected) << where << ": " << r.detail;
    EXPECT_EQ(r.virus.rfind("Eicar-Test-Signature", 0), 0u) << r.virus;
  }
}

TEST_F(ClamdTest, EicarInsideAMessageIsInfected) {
  const std::string message =
      portcullis::test::message_with_body("Here is the file you asked for:\r\n" + portcullis::test::eicar() + "\r\n");
  for (const auto& where : endpoints()) {
    const auto r = scan(where, message);
    EXPECT_EQ(r.status, ClamdResult::Status::infected) << where << ": " << r.detail;
    EXPECT_EQ(r.virus.rfind("Eicar-Test-Signature", 0), 0u) << r.virus;
  }
}

TEST_F(ClamdTest, EicarAcrossAChunkBoundaryIsFound) {
  // The signature straddles the first 64 KiB INSTREAM chunk and the second.
  const std::size_t eicar_at = 65536 - 30;
  std::string message = portcullis::test::message_with_body("");
  while (message.size() + 54 < eicar_at) message += "Lorem ipsum dolor sit amet, consectetur adipiscing elit\r\n";
  message += std::string(eicar_at - message.size(), '.');
  message += portcullis::test::eicar() + "\r\n" + std::string(20000, 'z') + "\r\n";
  ASSERT_LT(message.size(), kStreamMax);
  ASSERT_EQ(message.find("X5O!"), eicar_at);
  ASSERT_GT(message.find("$H+H*"), 65536u);
  const auto r = scan(clamd_->unix_endpoint(), message);
  EXPECT_EQ(r.status, ClamdResult::Status::infected) << r.detail;
}

TEST_F(ClamdTest, CleanMessageIsClean) {
  const std::string message = portcullis::test::message_with_body("Shall we meet at noon?\r\n-- \r\nAlice\r\n");
  for (const auto& where : endpoints()) {
    const auto r = scan(where, message);
    EXPECT_EQ(r.status, ClamdResult::Status::clean) << where << ": " << r.detail;
    EXPECT_TRUE(r.virus.empty());
    EXPECT_EQ(r.detail, "stream: OK");
  }
  // Several chunks, still under StreamMaxLength.
  const auto r = scan(clamd_->tcp_endpoint(), portcullis::test::message_with_body(std::string(90000, 'a') + "\r\n"));
  EXPECT_EQ(r.status, ClamdResult::Status::clean) << r.detail;
}

TEST_F(ClamdTest, LargerThanStreamMaxLengthIsTooLarge) {
  for (const std::size_t size : {kStreamMax + 1, std::size_t{8} << 20}) {
    for (const auto& where : endpoints()) {
      const auto r = scan(where, portcullis::test::message_with_body(std::string(size, 'b')));
      EXPECT_EQ(r.status, ClamdResult::Status::too_large) << where << " " << size << ": " << r.detail;
      EXPECT_NE(r.detail.find("size limit exceeded"), std::string::npos) << r.detail;
    }
  }
}

TEST_F(ClamdTest, ConcurrentScansOnOneThread) {
  // Eight exchanges at once on one event loop, clean and infected mixed.
  std::vector<std::optional<ClamdResult>> results(8);
  for (std::size_t i = 0; i < results.size(); ++i) {
    const std::string message = i % 2 ? portcullis::test::eicar() : portcullis::test::message_with_body("hello\r\n");
    const std::string where = i % 3 ? clamd_->unix_endpoint() : clamd_->tcp_endpoint();
    auto op = clamd_scan(io_.get_executor(), endpoint(where), string_source(message), message.size(), 10s);
    asio::co_spawn(io_, std::move(op), [&results, i](std::exception_ptr, ClamdResult r) { results[i] = std::move(r); });
  }
  const auto until = portcullis::test::Clock::now() + 30s;
  auto done = [&] {
    for (const auto& r : results)
      if (!r) return false;
    return true;
  };
  while (!done() && portcullis::test::Clock::now() < until) {
    io_.restart();
    io_.run_one_for(20ms);
  }
  ASSERT_TRUE(done());
  for (std::size_t i = 0; i < results.size(); ++i)
    EXPECT_EQ(results[i]->status, i % 2 ? ClamdResult::Status::infected : ClamdResult::Status::clean) << i;
}

}  // namespace
