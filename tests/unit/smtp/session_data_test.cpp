// smtp::Session message transfer: DATA (dot-stuffing, terminator, text rules, size) and the
// SMTP smuggling sequences that must never split one message into two.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "session_harness.hpp"

namespace portcullis::smtp {
namespace {


constexpr const char* kQueued1 = "250 2.0.0 Ok: queued as Q1\r\n";

// Opens a DATA transaction (the 354 is checked) and returns the driver.
void open_data(Driver& d) {
  ASSERT_EQ(codes(d.send(std::string(kEnvelope) + "DATA\r\n")), (Codes{"250", "250", "250", "354"}));
}

TEST(SessionData, DeliversTheMessageAsSent) {
  Driver d;
  open_data(d);
  EXPECT_EQ(d.send("Subject: hi\r\n\r\nline one\r\nline two\r\n.\r\n"), kQueued1);
  ASSERT_EQ(d.transcript().messages.size(), 1u);
  EXPECT_EQ(d.transcript().messages[0], "Subject: hi\r\n\r\nline one\r\nline two\r\n");
  EXPECT_EQ(d.transcript().senders[0], "alice@sender.test");
  EXPECT_EQ(d.transcript().recipients[0], Codes{"bob@rcpt.test"});
  // The envelope is clear for the next transaction; EHLO is kept.
  EXPECT_EQ(d.send("RCPT TO:<x@y.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SessionData, DotStuffingIsUndone) {
  Driver d;
  open_data(d);
  EXPECT_EQ(d.send("..leading dot\r\n...\r\n. space\r\nend\r\n.\r\n"), kQueued1);
  EXPECT_EQ(d.transcript().messages.at(0), ".leading dot\r\n..\r\n space\r\nend\r\n");
}

TEST(SessionData, TerminatorAsFirstLineIsAnEmptyMessage) {
  Driver d;
  open_data(d);
  EXPECT_EQ(d.send(".\r\n"), kQueued1);
  EXPECT_EQ(d.transcript().messages.at(0), "");
}

TEST(SessionData, CommandsAfterTheTerminatorArePipelined) {
  Driver d;
  open_data(d);
  EXPECT_EQ(codes(d.send("body\r\n.\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nNOOP\r\n")),
            (Codes{"250", "250", "250", "250"}));
  EXPECT_EQ(d.transcript().messages.size(), 1u);
}

TEST(SessionData, EightBitOctetsPass) {
  Driver d;
  open_data(d);
  EXPECT_EQ(d.send("Subject: \xC3\xA4\xFF\r\n\r\n\x80\x81\r\n.\r\n"), kQueued1);
  EXPECT_EQ(d.transcript().messages.at(0), "Subject: \xC3\xA4\xFF\r\n\r\n\x80\x81\r\n");
}

TEST(SessionData, TextLineOf998IsAcceptedAnd999Refused) {
  {
    Driver d;
    open_data(d);
    EXPECT_EQ(d.send(std::string(998, 'a') + "\r\n.\r\n"), kQueued1);
  }
  {
    Driver d;  // a dot-stuffed line of 998 octets is 999 on the wire: still fine
    open_data(d);
    EXPECT_EQ(d.send("." + std::string(998, '.') + "\r\n.\r\n"), kQueued1);
    EXPECT_EQ(d.transcript().messages.at(0), std::string(998, '.') + "\r\n");
  }
  {
    Driver d;
    open_data(d);
    // Never truncated, never split: the over-long line fails the whole message.
    EXPECT_EQ(d.send(std::string(999, 'a') + "\r\n.\r\n"), "552 5.6.0 Message line exceeds 998 characters\r\n");
    EXPECT_TRUE(d.transcript().messages.empty());
    EXPECT_EQ(d.transcript().discarded, 1u);
  }
}

TEST(SessionData, SizeIsEnforcedWhileStreaming) {
  {
    Driver d;  // max 10000: 100 lines of 98 + CRLF is exactly the limit
    open_data(d);
    std::string body;
    for (int i = 0; i < 100; ++i) body += std::string(98, 'x') + "\r\n";
    EXPECT_EQ(d.send(body + ".\r\n"), kQueued1);
    EXPECT_EQ(d.transcript().messages.at(0).size(), 10000u);
  }
  {
    Driver d;
    open_data(d);
    std::string body;
    for (int i = 0; i < 100; ++i) body += std::string(98, 'x') + "\r\n";
    body += "y\r\n";
    // Streamed in pieces: the octets beyond the limit are never handed to the spool.
    for (std::size_t i = 0; i < body.size(); i += 700) EXPECT_EQ(d.send(body.substr(i, 700)), "");
    EXPECT_LE(d.session().message_bytes(), 10000u);
    EXPECT_EQ(d.send(".\r\n"), "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
    EXPECT_TRUE(d.transcript().messages.empty());
    // The session goes on.
    EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
  }
}

TEST(SessionData, NulInMessageIsRefused) {
  Driver d;
  open_data(d);
  EXPECT_EQ(d.send(std::string("a\0b\r\n.\r\n", 8)), "554 5.6.0 Message contains NUL characters\r\n");
  EXPECT_TRUE(d.transcript().messages.empty());
}

TEST(SessionData, MessageRejectedByPolicyIsNotCommitted) {
  testing::Policy p;
  p.reject_messages = true;
  Driver d(Driver::make_options(), p);
  open_data(d);
  EXPECT_EQ(d.send("x\r\n.\r\n"), "554 5.7.0 Message refused\r\n");
  EXPECT_TRUE(d.transcript().messages.empty());
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SessionData, ClientMustWaitFor354) {
  Driver d;
  // DATA is a synchronisation point (RFC 2920 3.1): data sent with it is not trusted.
  const std::string out = d.send(std::string(kEnvelope) + "DATA\r\nSubject: x\r\n\r\nbody\r\n.\r\n");
  EXPECT_EQ(codes(out), (Codes{"250", "250", "250", "554"}));
  EXPECT_NE(out.find("554 5.5.0 Error: improper command pipelining after DATA\r\n"), std::string::npos);
  EXPECT_TRUE(d.transcript().closed);
  EXPECT_TRUE(d.transcript().messages.empty());
  EXPECT_EQ(d.transcript().resets, 1u);
}

// Each smuggling sequence inside a message: the text after it looks like a terminator and a
// second transaction to a lax receiver. Here the whole thing is one message, refused as a
// whole with 5.6.11, and none of the inner commands runs.
class Smuggling : public ::testing::TestWithParam<const char*> {};

TEST_P(Smuggling, NeverSplitsAMessage) {
  Driver d;
  open_data(d);
  const std::string payload = std::string("Subject: legit\r\n\r\nhello") + GetParam() +
                              "MAIL FROM:<admin@victim.test>\r\nRCPT TO:<target@rcpt.test>\r\nDATA\r\n"
                              "Subject: forged\r\n\r\nevil\r\n.\r\n";
  EXPECT_EQ(d.send(payload),
            "550 5.6.11 Message contains bare CR or LF (forbidden: SMTP smuggling protection)\r\n");
  EXPECT_TRUE(d.transcript().messages.empty());
  EXPECT_EQ(d.transcript().discarded, 1u);
  // The session is back in command state, with no transaction.
  EXPECT_EQ(d.send("RCPT TO:<x@y.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST_P(Smuggling, ByteByByteGivesTheSameAnswer) {
  Driver d;
  open_data(d);
  const std::string payload = std::string("hello") + GetParam() + "MAIL FROM:<x@y.test>\r\n.\r\n";
  EXPECT_EQ(codes(d.send_bytewise(payload)), Codes{"550"});
  EXPECT_TRUE(d.transcript().messages.empty());
}

INSTANTIATE_TEST_SUITE_P(Sequences, Smuggling,
                         ::testing::Values("\n.\n", "\r.\r", "\n.\r\n", "\r.\n", "\r\n.\n", "\r\n.\r",
                                           "\n.\r", "\r\n.\r\r\n", "\r\n\n.\r\n"));

TEST(SessionData, BareLineEndsAnywhereAreRefused) {
  for (const char* text : {"a\nb", "a\rb", "a\r", "\n.", "a\r\n\r.", "\r", "\n"}) {
    Driver d;
    open_data(d);
    const std::string body = std::string(text) + "\r\n.\r\n";
    EXPECT_EQ(codes(d.send(body)), Codes{"550"}) << body;
    EXPECT_TRUE(d.transcript().messages.empty()) << body;
  }
}

TEST(SessionData, TimeoutMidMessageClosesWithoutCommitting) {
  Driver d;
  open_data(d);
  d.send("partial line");
  d.session().timeout();
  EXPECT_EQ(d.session().take_output(), "421 4.4.2 mx.test Error: timeout exceeded\r\n");
  EXPECT_EQ(d.session().next().kind, Event::Kind::close);
  EXPECT_TRUE(d.transcript().messages.empty());
}

}  // namespace
}  // namespace portcullis::smtp
