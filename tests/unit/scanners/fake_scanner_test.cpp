// The clients against loopback servers in this process that play clamd and spamd: what goes on
// the wire (INSTREAM frames of at most 64 KiB and the terminator; the SPAMC request line,
// Content-length and User), early answers, silent servers (timeout within the bound, while
// waiting and while sending), scanners that are down, broken replies, and message sources that
// fail, end early or give too much.
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "checks/clamd/client.hpp"
#include "checks/spamd/client.hpp"
#include "scanner_harness.hpp"

namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using namespace std::string_literals;
using namespace portcullis::checks::scanner;
using portcullis::test::Clock;
using portcullis::test::endpoint;
using portcullis::test::FakeServer;
using portcullis::test::run;
using Socket = FakeServer::Socket;

// The text and a NUL, as clamd's z-commands and replies end.
std::string z(const std::string& text) { return text + '\0'; }

std::uint32_t be32(const std::string& four) {
  std::uint32_t n = 0;
  for (const char c : four) n = (n << 8) | static_cast<unsigned char>(c);
  return n;
}

// What a fake clamd saw of one INSTREAM request.
struct Instream {
  std::string command;
  std::vector<std::size_t> chunks;
  std::string data;
  bool terminated = false;
};

// A fake clamd: reads "zINSTREAM\0" and the frames to the terminator, then answers `reply`.
FakeServer::Handler clamd_answering(std::string reply, std::shared_ptr<Instream> seen) {
  return [reply, seen](std::shared_ptr<Socket> s) -> asio::awaitable<void> {
    auto op = portcullis::test::read_exactly(*s, 10);
    seen->command = co_await std::move(op);
    while (true) {
      auto len_op = portcullis::test::read_exactly(*s, 4);
      const std::string len = co_await std::move(len_op);
      if (len.size() < 4) co_return;
      const std::uint32_t n = be32(len);
      if (n == 0) {
        seen->terminated = true;
        break;
      }
      auto data_op = portcullis::test::read_exactly(*s, n);
      const std::string data = co_await std::move(data_op);
      seen->chunks.push_back(data.size());
      seen->data += data;
    }
    auto w = portcullis::test::write_all(*s, std::string(reply));
    co_await std::move(w);
  };
}

// A fake spamd: reads the request head and Content-length octets, then answers `reply`.
struct SpamcRequest {
  std::string head;
  std::string body;
};
FakeServer::Handler spamd_answering(std::string reply, std::shared_ptr<SpamcRequest> seen) {
  return [reply, seen](std::shared_ptr<Socket> s) -> asio::awaitable<void> {
    auto op = portcullis::test::read_until(*s, "\r\n\r\n");
    std::string got = co_await std::move(op);
    const auto end = got.find("\r\n\r\n");
    if (end == std::string::npos) co_return;
    seen->head = got.substr(0, end + 4);
    std::string body = got.substr(end + 4);
    const auto at = seen->head.find("Content-length: ");
    const std::size_t length = at == std::string::npos ? 0 : std::stoul(seen->head.substr(at + 16));
    if (body.size() < length) {
      auto more = portcullis::test::read_exactly(*s, length - body.size());
      body += co_await std::move(more);
    }
    seen->body = body;
    auto w = portcullis::test::write_all(*s, std::string(reply));
    co_await std::move(w);
  };
}

std::string pattern(std::size_t n) {
  std::string s(n, '\0');
  for (std::size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7) % 26);
  return s;
}

class FakeScannerTest : public ::testing::Test {
 protected:
  ClamdResult clamd(const std::string& where, const std::string& message, std::chrono::milliseconds timeout = 5s,
                    std::uint64_t max_size = kNoSizeLimit) {
    auto op =
        clamd_scan(io_.get_executor(), endpoint(where), string_source(message), message.size(), timeout, max_size);
    return run(io_, std::move(op));
  }
  ClamdResult clamd_with(const std::string& where, ChunkSource source, std::uint64_t size,
                         std::chrono::milliseconds timeout = 5s) {
    auto op = clamd_scan(io_.get_executor(), endpoint(where), std::move(source), size, timeout);
    return run(io_, std::move(op));
  }
  SpamdResult spamd(const std::string& where, const std::string& message, SpamdMode mode = SpamdMode::symbols,
                    std::string user = "portcullis", std::chrono::milliseconds timeout = 5s,
                    std::uint64_t max_size = kNoSizeLimit) {
    auto op = spamd_check(io_.get_executor(), endpoint(where), string_source(message), message.size(), mode,
                          std::move(user), timeout, max_size);
    return run(io_, std::move(op));
  }

  PingResult clamd_pinged(const std::string& where, std::chrono::milliseconds timeout) {
    auto op = clamd_ping(io_.get_executor(), endpoint(where), timeout);
    return run(io_, std::move(op));
  }
  PingResult spamd_pinged(const std::string& where, std::chrono::milliseconds timeout) {
    auto op = spamd_ping(io_.get_executor(), endpoint(where), timeout);
    return run(io_, std::move(op));
  }

  asio::io_context io_;  // before the servers: they go first
};

// ---------------------------------------------------------------------------------------------
// clamd

TEST_F(FakeScannerTest, ClamdFramesTheStreamInChunksOfAtMost64KiB) {
  for (const auto kind : {FakeServer::Kind::tcp, FakeServer::Kind::unix_socket}) {
    auto seen = std::make_shared<Instream>();
    FakeServer server(io_, kind, clamd_answering(z("stream: OK"), seen));
    const std::string message = pattern(3 * 65536 + 1000);
    const auto r = clamd(server.endpoint_text(), message);
    EXPECT_EQ(r.status, ClamdResult::Status::clean) << r.detail;
    EXPECT_EQ(r.detail, "stream: OK");
    EXPECT_EQ(seen->command, z("zINSTREAM"));
    EXPECT_EQ(seen->chunks, (std::vector<std::size_t>{65536, 65536, 65536, 1000}));
    EXPECT_TRUE(seen->terminated);
    EXPECT_EQ(seen->data, message);
  }
}

TEST_F(FakeScannerTest, ClamdEmptyMessageIsJustTheTerminator) {
  auto seen = std::make_shared<Instream>();
  FakeServer server(io_, FakeServer::Kind::tcp, clamd_answering(z("stream: OK"), seen));
  EXPECT_EQ(clamd(server.endpoint_text(), "").status, ClamdResult::Status::clean);
  EXPECT_TRUE(seen->chunks.empty());
  EXPECT_TRUE(seen->terminated);
}

TEST_F(FakeScannerTest, ClamdInfectedAndErrorReplies) {
  {
    auto seen = std::make_shared<Instream>();
    FakeServer server(io_, FakeServer::Kind::tcp, clamd_answering(z("stream: Test.Virus FOUND"), seen));
    const auto r = clamd(server.endpoint_text(), "hello");
    EXPECT_EQ(r.status, ClamdResult::Status::infected);
    EXPECT_EQ(r.virus, "Test.Virus");
    EXPECT_EQ(to_string(r.status), "infected");
  }
  {
    auto seen = std::make_shared<Instream>();
    FakeServer server(io_, FakeServer::Kind::tcp, clamd_answering(z("UNKNOWN COMMAND"), seen));
    const auto r = clamd(server.endpoint_text(), "hello");
    EXPECT_EQ(r.status, ClamdResult::Status::error);
    EXPECT_NE(r.detail.find("UNKNOWN COMMAND"), std::string::npos) << r.detail;
  }
  {  // a reply without its NUL, then the connection closes
    auto seen = std::make_shared<Instream>();
    FakeServer server(io_, FakeServer::Kind::tcp, clamd_answering("stream: O", seen));
    const auto r = clamd(server.endpoint_text(), "hello");
    EXPECT_EQ(r.status, ClamdResult::Status::error);
    EXPECT_NE(r.detail.find("incomplete reply"), std::string::npos) << r.detail;
  }
  {  // no reply at all
    auto seen = std::make_shared<Instream>();
    FakeServer server(io_, FakeServer::Kind::tcp, clamd_answering("", seen));
    const auto r = clamd(server.endpoint_text(), "hello");
    EXPECT_EQ(r.status, ClamdResult::Status::error);
    EXPECT_NE(r.detail.find("without a reply"), std::string::npos) << r.detail;
  }
  {  // an endless reply
    auto seen = std::make_shared<Instream>();
    FakeServer server(io_, FakeServer::Kind::tcp, clamd_answering(std::string(100000, 'x'), seen));
    const auto r = clamd(server.endpoint_text(), "hello");
    EXPECT_EQ(r.status, ClamdResult::Status::error);
    EXPECT_NE(r.detail.find("longer than 4096"), std::string::npos) << r.detail;
  }
}

TEST_F(FakeScannerTest, ClamdAnsweringEarlyStopsTheStream) {
  // Like clamd past StreamMaxLength: answers after the first chunk and closes.
  int chunks_read = 0;
  FakeServer server(io_, FakeServer::Kind::tcp, [&chunks_read](std::shared_ptr<Socket> s) -> asio::awaitable<void> {
    auto op = portcullis::test::read_exactly(*s, 10 + 4 + 65536);
    co_await std::move(op);
    ++chunks_read;
    auto w = portcullis::test::write_all(*s, z("INSTREAM size limit exceeded. ERROR"));
    co_await std::move(w);
    s->close();
  });
  std::uint64_t asked_up_to = 0;
  const std::uint64_t size = 64ull * 1024 * 1024;  // 64 MiB that must not all be read
  ChunkSource source = [&asked_up_to](std::uint64_t offset, std::size_t max) -> asio::awaitable<std::string> {
    asked_up_to = offset + max;
    co_return std::string(max, 'z');
  };
  const auto r = clamd_with(server.endpoint_text(), source, size, 10s);
  EXPECT_EQ(r.status, ClamdResult::Status::too_large) << r.detail;
  EXPECT_NE(r.detail.find("StreamMaxLength"), std::string::npos) << r.detail;
  EXPECT_EQ(chunks_read, 1);
  EXPECT_LT(asked_up_to, size / 4);
}

TEST_F(FakeScannerTest, ClamdMaxSizeIsCheckedBeforeConnecting) {
  auto seen = std::make_shared<Instream>();
  FakeServer server(io_, FakeServer::Kind::tcp, clamd_answering(z("stream: OK"), seen));
  const auto r = clamd(server.endpoint_text(), std::string(1001, 'x'), 5s, 1000);
  EXPECT_EQ(r.status, ClamdResult::Status::too_large);
  EXPECT_NE(r.detail.find("1001 octets"), std::string::npos) << r.detail;
  EXPECT_EQ(server.accepted(), 0);
  EXPECT_EQ(clamd(server.endpoint_text(), std::string(1000, 'x'), 5s, 1000).status, ClamdResult::Status::clean);
}

TEST_F(FakeScannerTest, ClamdSilentServerTimesOutWithinTheBound) {
  for (const auto kind : {FakeServer::Kind::tcp, FakeServer::Kind::unix_socket}) {
    FakeServer silent(io_, kind);
    // A small message fits in the socket buffers: the wait is for the reply.
    auto start = Clock::now();
    auto r = clamd(silent.endpoint_text(), "hello", 300ms);
    auto took = Clock::now() - start;
    EXPECT_EQ(r.status, ClamdResult::Status::timeout) << r.detail;
    EXPECT_NE(r.detail.find("timed out after 300 ms"), std::string::npos) << r.detail;
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 2300ms);
    // A large one does not: the wait is in sending.
    start = Clock::now();
    r = clamd(silent.endpoint_text(), std::string(32 * 1024 * 1024, 'x'), 300ms);
    took = Clock::now() - start;
    EXPECT_EQ(r.status, ClamdResult::Status::timeout) << r.detail;
    EXPECT_GE(took, 300ms);
    EXPECT_LT(took, 2300ms);
    EXPECT_EQ(silent.accepted(), 2);
  }
}

TEST_F(FakeScannerTest, ClamdDownIsAnErrorAtOnce) {
  std::string tcp_text;
  std::string unix_text;
  {
    FakeServer a(io_, FakeServer::Kind::tcp);
    FakeServer b(io_, FakeServer::Kind::unix_socket);
    tcp_text = a.endpoint_text();
    unix_text = b.endpoint_text();
  }  // closed: nothing listens there now (and the unix socket's folder is gone)
  // A socket file left behind by a scanner that died: connecting is refused.
  const auto dir = std::filesystem::temp_directory_path() / ("portcullis-stale-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string stale = (dir / "clamd.ctl").string();
  {
    asio::local::stream_protocol::socket s(io_);
    s.open();
    s.bind(asio::local::stream_protocol::endpoint(stale));
  }  // bound, never listening, closed: the file stays
  ASSERT_TRUE(std::filesystem::exists(stale));
  for (const auto& where : {tcp_text, unix_text, "unix:" + stale}) {
    const auto start = Clock::now();
    const auto r = clamd(where, "hello", 5s);
    EXPECT_EQ(r.status, ClamdResult::Status::error) << where;
    EXPECT_NE(r.detail.find("connecting"), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find(where), std::string::npos) << r.detail;
    EXPECT_LT(Clock::now() - start, 1s);
  }
  std::filesystem::remove_all(dir);
}

TEST_F(FakeScannerTest, ClamdMessageSourceProblems) {
  auto seen = std::make_shared<Instream>();
  FakeServer server(io_, FakeServer::Kind::tcp, clamd_answering(z("stream: OK"), seen));
  // Throws (an I/O error in the spool).
  ChunkSource failing = [](std::uint64_t offset, std::size_t max) -> asio::awaitable<std::string> {
    if (offset > 0) throw std::runtime_error("Input/output error");
    co_return std::string(max, 'a');
  };
  auto r = clamd_with(server.endpoint_text(), failing, 200000);
  EXPECT_EQ(r.status, ClamdResult::Status::error);
  EXPECT_NE(r.detail.find("reading the message at octet 65536: Input/output error"), std::string::npos) << r.detail;
  // Ends before the size given.
  r = clamd_with(server.endpoint_text(), string_source("short"), 10);
  EXPECT_EQ(r.status, ClamdResult::Status::error);
  EXPECT_NE(r.detail.find("ended at octet 5 of 10"), std::string::npos) << r.detail;
  // Gives more than asked.
  ChunkSource greedy = [](std::uint64_t, std::size_t max) -> asio::awaitable<std::string> {
    co_return std::string(max + 1, 'a');
  };
  r = clamd_with(server.endpoint_text(), greedy, 10);
  EXPECT_EQ(r.status, ClamdResult::Status::error);
  EXPECT_NE(r.detail.find("11 octets when asked for at most 10"), std::string::npos) << r.detail;
  // Slow beyond the deadline.
  ChunkSource slow = [this](std::uint64_t, std::size_t max) -> asio::awaitable<std::string> {
    asio::steady_timer t(io_, 600ms);
    co_await t.async_wait(asio::use_awaitable);
    co_return std::string(max, 'a');
  };
  r = clamd_with(server.endpoint_text(), slow, 10, 200ms);
  EXPECT_EQ(r.status, ClamdResult::Status::timeout) << r.detail;
}

TEST_F(FakeScannerTest, ClamdPingAnswersAndFailures) {
  FakeServer pong(io_, FakeServer::Kind::unix_socket, [](std::shared_ptr<Socket> s) -> asio::awaitable<void> {
    auto op = portcullis::test::read_exactly(*s, 6);
    const std::string got = co_await std::move(op);
    auto w = portcullis::test::write_all(*s, got == z("zPING") ? z("PONG") : "?");
    co_await std::move(w);
  });
  auto r = clamd_pinged(pong.endpoint_text(), 2s);
  EXPECT_TRUE(r.ok) << r.detail;

  FakeServer silent(io_, FakeServer::Kind::tcp);
  r = clamd_pinged(silent.endpoint_text(), 200ms);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.timed_out);

  FakeServer other(io_, FakeServer::Kind::tcp, [](std::shared_ptr<Socket> s) -> asio::awaitable<void> {
    auto w = portcullis::test::write_all(*s, z("UNKNOWN COMMAND"));
    co_await std::move(w);
  });
  r = clamd_pinged(other.endpoint_text(), 2s);
  EXPECT_FALSE(r.ok);
  EXPECT_FALSE(r.timed_out);
  EXPECT_NE(r.detail.find("UNKNOWN COMMAND"), std::string::npos) << r.detail;
}

// ---------------------------------------------------------------------------------------------
// spamd

const std::string kSymbolsReply =
    "SPAMD/1.1 0 EX_OK\r\nContent-length: 17\r\nSpam: True ; 1000.5 / 5.0\r\n\r\nGTUBE,NO_RECEIVED";

TEST_F(FakeScannerTest, SpamdRequestHasTheVerbLengthAndUser) {
  for (const auto kind : {FakeServer::Kind::tcp, FakeServer::Kind::unix_socket}) {
    auto seen = std::make_shared<SpamcRequest>();
    FakeServer server(io_, kind, spamd_answering(kSymbolsReply, seen));
    const std::string message = pattern(150000);  // three chunks
    const auto r = spamd(server.endpoint_text(), message, SpamdMode::symbols, "bob@example.com");
    ASSERT_EQ(r.status, SpamdResult::Status::scanned) << r.detail;
    EXPECT_TRUE(r.spam);
    EXPECT_DOUBLE_EQ(r.score, 1000.5);
    EXPECT_DOUBLE_EQ(r.threshold, 5.0);
    EXPECT_EQ(r.symbols, (std::vector<std::string>{"GTUBE", "NO_RECEIVED"}));
    EXPECT_EQ(r.detail, "spam 1000.5 / 5.0");
    EXPECT_EQ(seen->head, "SYMBOLS SPAMC/1.5\r\nContent-length: 150000\r\nUser: bob@example.com\r\n\r\n");
    EXPECT_EQ(seen->body, message);
  }
  auto seen = std::make_shared<SpamcRequest>();
  FakeServer server(io_, FakeServer::Kind::tcp,
                    spamd_answering("SPAMD/1.1 0 EX_OK\r\nSpam: False ; 1.0 / 5.0\r\n\r\n", seen));
  const auto r = spamd(server.endpoint_text(), "hi", SpamdMode::check, "");
  ASSERT_EQ(r.status, SpamdResult::Status::scanned) << r.detail;
  EXPECT_FALSE(r.spam);
  EXPECT_EQ(seen->head, "CHECK SPAMC/1.5\r\nContent-length: 2\r\n\r\n");  // no user: no header
  const auto report = spamd(server.endpoint_text(), "hi", SpamdMode::report, "");
  EXPECT_EQ(seen->head, "REPORT SPAMC/1.5\r\nContent-length: 2\r\n\r\n");
  EXPECT_EQ(report.status, SpamdResult::Status::scanned) << report.detail;
}

TEST_F(FakeScannerTest, SpamdUserNamesThatCannotBeSentAreRefused) {
  auto seen = std::make_shared<SpamcRequest>();
  FakeServer server(io_, FakeServer::Kind::tcp, spamd_answering(kSymbolsReply, seen));
  for (const std::string& user : {"bob\r\nX-Evil: 1"s, "bob smith"s, "bob\x01"s, std::string(kMaxSpamdUser + 1, 'u')}) {
    const auto r = spamd(server.endpoint_text(), "hi", SpamdMode::check, user);
    EXPECT_EQ(r.status, SpamdResult::Status::error);
    EXPECT_NE(r.detail.find("user name not sendable"), std::string::npos) << r.detail;
  }
  EXPECT_EQ(server.accepted(), 0);
}

TEST_F(FakeScannerTest, SpamdErrorAndBrokenReplies) {
  const struct {
    std::string reply;
    std::string says;
  } cases[] = {
      {"SPAMD/1.0 76 Bad header line: (Content-Length mismatch)\r\n", "spamd answered 76 Bad header line"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1000.5 / 5.0\r\n", "do not end with an empty line"},
      {"SPAMD/1.1 0 EX_OK\r\nContent-length: 50\r\nSpam: True ; 1 / 5\r\n\r\nGTUBE", "Content-length says 50"},
      {"garbage\r\n", "not a spamd reply"},
      {"", "without a reply"},
  };
  for (const auto& c : cases) {
    auto seen = std::make_shared<SpamcRequest>();
    FakeServer server(io_, FakeServer::Kind::tcp, spamd_answering(c.reply, seen));
    const auto r = spamd(server.endpoint_text(), "hi");
    EXPECT_EQ(r.status, SpamdResult::Status::error) << c.reply;
    EXPECT_NE(r.detail.find(c.says), std::string::npos) << c.reply << " -> " << r.detail;
  }
  // A reply over 1 MiB.
  auto seen = std::make_shared<SpamcRequest>();
  FakeServer huge(io_, FakeServer::Kind::tcp,
                  spamd_answering("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n\r\n" + std::string(2 << 20, 'r'), seen));
  const auto r = spamd(huge.endpoint_text(), "hi", SpamdMode::report);
  EXPECT_EQ(r.status, SpamdResult::Status::error);
  EXPECT_NE(r.detail.find("longer than 1048576"), std::string::npos) << r.detail;
}

TEST_F(FakeScannerTest, SpamdRefusingEarlyIsAnError) {
  // spamd rejecting the request before reading the message, then closing.
  FakeServer server(io_, FakeServer::Kind::unix_socket, [](std::shared_ptr<Socket> s) -> asio::awaitable<void> {
    auto op = portcullis::test::read_until(*s, "\r\n\r\n");
    co_await std::move(op);
    auto w = portcullis::test::write_all(*s, "SPAMD/1.0 76 Bad header line: nope\r\n");
    co_await std::move(w);
    s->close();
  });
  const auto r = spamd(server.endpoint_text(), std::string(8 * 1024 * 1024, 'm'));
  EXPECT_EQ(r.status, SpamdResult::Status::error);
  EXPECT_NE(r.detail.find("76 Bad header line: nope"), std::string::npos) << r.detail;
}

TEST_F(FakeScannerTest, SpamdMaxSizeSilentAndDown) {
  auto seen = std::make_shared<SpamcRequest>();
  FakeServer server(io_, FakeServer::Kind::tcp, spamd_answering(kSymbolsReply, seen));
  auto r = spamd(server.endpoint_text(), std::string(600, 'x'), SpamdMode::check, "u", 5s, 500);
  EXPECT_EQ(r.status, SpamdResult::Status::too_large);
  EXPECT_EQ(to_string(r.status), "too_large");
  EXPECT_EQ(server.accepted(), 0);

  for (const auto kind : {FakeServer::Kind::tcp, FakeServer::Kind::unix_socket}) {
    FakeServer silent(io_, kind);
    for (const std::size_t size : {std::size_t{100}, std::size_t{32} << 20}) {
      const auto start = Clock::now();
      r = spamd(silent.endpoint_text(), std::string(size, 'x'), SpamdMode::check, "u", 300ms);
      const auto took = Clock::now() - start;
      EXPECT_EQ(r.status, SpamdResult::Status::timeout) << r.detail;
      EXPECT_NE(r.detail.find("spamd timed out after 300 ms"), std::string::npos) << r.detail;
      EXPECT_GE(took, 300ms);
      EXPECT_LT(took, 2300ms);
    }
  }

  std::string gone;
  {
    FakeServer closed(io_, FakeServer::Kind::tcp);
    gone = closed.endpoint_text();
  }
  const auto start = Clock::now();
  r = spamd(gone, "hi");
  EXPECT_EQ(r.status, SpamdResult::Status::error);
  EXPECT_NE(r.detail.find("connecting"), std::string::npos) << r.detail;
  EXPECT_LT(Clock::now() - start, 1s);
}

TEST_F(FakeScannerTest, SpamdSourceEndingEarlyNeverGetsAVerdict) {
  auto seen = std::make_shared<SpamcRequest>();
  FakeServer server(io_, FakeServer::Kind::tcp, spamd_answering(kSymbolsReply, seen));
  auto op = spamd_check(io_.get_executor(), endpoint(server.endpoint_text()), string_source("12345"), 100,
                        SpamdMode::symbols, "u", 2s);
  const auto r = run(io_, std::move(op));
  EXPECT_EQ(r.status, SpamdResult::Status::error);
  EXPECT_NE(r.detail.find("ended at octet 5 of 100"), std::string::npos) << r.detail;
}

TEST_F(FakeScannerTest, SpamdPing) {
  FakeServer pong(io_, FakeServer::Kind::tcp, [](std::shared_ptr<Socket> s) -> asio::awaitable<void> {
    auto op = portcullis::test::read_until(*s, "\r\n\r\n");
    const std::string got = co_await std::move(op);
    auto w = portcullis::test::write_all(*s, got == "PING SPAMC/1.5\r\n\r\n" ? "SPAMD/1.5 0 PONG\r\n" : "?\r\n");
    co_await std::move(w);
  });
  auto r = spamd_pinged(pong.endpoint_text(), 2s);
  EXPECT_TRUE(r.ok) << r.detail;
  FakeServer silent(io_, FakeServer::Kind::unix_socket);
  r = spamd_pinged(silent.endpoint_text(), 200ms);
  EXPECT_FALSE(r.ok);
  EXPECT_TRUE(r.timed_out);
  EXPECT_NE(r.detail.find("timed out"), std::string::npos) << r.detail;
}

}  // namespace
