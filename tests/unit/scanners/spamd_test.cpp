// spamd_check against a private spamd (tests/tools/scanners.py: local tests only, no user
// configuration), started once for the suite, over its unix socket and TCP: GTUBE is spam,
// a plain message is not, each mode gives what it should.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <string>
#include <vector>

#include "checks/spamd/client.hpp"
#include "scanner_harness.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace portcullis::checks::scanner;
using portcullis::test::endpoint;
using portcullis::test::run;
using portcullis::test::ScannerProcess;

class SpamdTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { spamd_ = std::make_unique<ScannerProcess>("spamd"); }
  static void TearDownTestSuite() { spamd_.reset(); }
  void SetUp() override {
    ASSERT_TRUE(spamd_);
    ASSERT_EQ(spamd_->error(), "");
  }

  std::vector<std::string> endpoints() const { return {spamd_->unix_endpoint(), spamd_->tcp_endpoint()}; }

  SpamdResult check(const std::string& where, const std::string& message, SpamdMode mode) {
    auto op = spamd_check(io_.get_executor(), endpoint(where), string_source(message), message.size(), mode,
                          "portcullis", 30s);
    return run(io_, std::move(op));
  }

  static std::unique_ptr<ScannerProcess> spamd_;
  asio::io_context io_;
};

std::unique_ptr<ScannerProcess> SpamdTest::spamd_;

std::string gtube_message() {
  return portcullis::test::message_with_body("Buy now!\r\n" + portcullis::test::gtube() + "\r\n");
}
std::string plain_message() {
  return portcullis::test::message_with_body(
      "Hi Bob,\r\n\r\nShall we meet at noon on Friday for lunch?\r\n\r\nAlice\r\n");
}

bool has(const std::vector<std::string>& symbols, const std::string& name) {
  return std::find(symbols.begin(), symbols.end(), name) != symbols.end();
}

TEST_F(SpamdTest, StartsAndAnswersPing) {
  RecordProperty("spamd_startup_seconds", std::to_string(spamd_->startup_seconds()));
  EXPECT_LT(spamd_->startup_seconds(), 90.0);
  for (const auto& where : endpoints()) {
    auto op = spamd_ping(io_.get_executor(), endpoint(where), 10s);
    const auto r = run(io_, std::move(op));
    EXPECT_TRUE(r.ok) << where << ": " << r.detail;
  }
}

TEST_F(SpamdTest, GtubeIsSpamWithItsSymbol) {
  for (const auto& where : endpoints()) {
    const auto r = check(where, gtube_message(), SpamdMode::symbols);
    ASSERT_EQ(r.status, SpamdResult::Status::scanned) << where << ": " << r.detail;
    EXPECT_TRUE(r.spam);
    EXPECT_GE(r.score, 1000.0);
    EXPECT_DOUBLE_EQ(r.threshold, 5.0);
    EXPECT_TRUE(has(r.symbols, "GTUBE")) << testing::PrintToString(r.symbols);
    EXPECT_TRUE(r.report.empty());
  }
}

TEST_F(SpamdTest, PlainMessageIsNotSpam) {
  for (const auto& where : endpoints()) {
    const auto r = check(where, plain_message(), SpamdMode::check);
    ASSERT_EQ(r.status, SpamdResult::Status::scanned) << where << ": " << r.detail;
    EXPECT_FALSE(r.spam);
    EXPECT_LT(r.score, r.threshold);
    EXPECT_TRUE(r.symbols.empty());
    const auto s = check(where, plain_message(), SpamdMode::symbols);
    ASSERT_EQ(s.status, SpamdResult::Status::scanned) << s.detail;
    EXPECT_FALSE(s.spam);
    EXPECT_FALSE(has(s.symbols, "GTUBE"));
  }
}

TEST_F(SpamdTest, CheckModeGivesTheVerdictOnly) {
  const auto r = check(spamd_->unix_endpoint(), gtube_message(), SpamdMode::check);
  ASSERT_EQ(r.status, SpamdResult::Status::scanned) << r.detail;
  EXPECT_TRUE(r.spam);
  EXPECT_GE(r.score, 1000.0);
  EXPECT_TRUE(r.symbols.empty());
  EXPECT_TRUE(r.report.empty());
}

TEST_F(SpamdTest, ReportModeGivesTheReport) {
  const auto r = check(spamd_->tcp_endpoint(), gtube_message(), SpamdMode::report);
  ASSERT_EQ(r.status, SpamdResult::Status::scanned) << r.detail;
  EXPECT_TRUE(r.spam);
  EXPECT_NE(r.report.find("GTUBE"), std::string::npos) << r.report;
  EXPECT_NE(r.report.find("Content analysis details"), std::string::npos) << r.report;
}

TEST_F(SpamdTest, LargeMessageIsSentInChunks) {
  // Over 64 KiB: several chunks after the Content-length (a wrong length or a cut message is
  // spamd's EX_PROTOCOL error). GTUBE comes first: SpamAssassin reads only the start of a long
  // body part (body_part_scan_size).
  std::string body = portcullis::test::gtube() + "\r\n";
  while (body.size() < 200000) body += "The quarterly figures are attached as discussed in the meeting.\r\n";
  const std::string message = portcullis::test::message_with_body(body);
  const auto r = check(spamd_->unix_endpoint(), message, SpamdMode::symbols);
  ASSERT_EQ(r.status, SpamdResult::Status::scanned) << r.detail;
  EXPECT_TRUE(has(r.symbols, "GTUBE")) << testing::PrintToString(r.symbols);
}

}  // namespace
