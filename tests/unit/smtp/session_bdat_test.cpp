// smtp::Session CHUNKING (RFC 3030): BDAT chunks, LAST, errors, and chunks that must be
// consumed unread whatever the reply.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "session_harness.hpp"

namespace portcullis::smtp {
namespace {


TEST(SessionBdat, ChunksMakeOneMessage) {
  Driver d;
  d.send(std::string(kEnvelope));
  EXPECT_EQ(d.send("BDAT 13\r\nSubject: x\r\n\r"), "250 2.0.0 13 octets received\r\n");
  EXPECT_EQ(d.send("BDAT 6 LAST\r\n\nbody\n"), "550 5.6.11 Message contains bare CR or LF (forbidden: SMTP "
                                                 "smuggling protection)\r\n");
  EXPECT_TRUE(d.transcript().messages.empty());

  d.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n");
  EXPECT_EQ(d.send("BDAT 13\r\nSubject: x\r\n\r"), "250 2.0.0 13 octets received\r\n");
  EXPECT_EQ(d.send("BDAT 7 LAST\r\n\nbody\r\n"), "250 2.0.0 Ok: queued as Q1\r\n");
  ASSERT_EQ(d.transcript().messages.size(), 1u);
  EXPECT_EQ(d.transcript().messages[0], "Subject: x\r\n\r\nbody\r\n");
  EXPECT_EQ(d.transcript().recipients[0], Codes{"c@d.test"});
}

TEST(SessionBdat, DotsAreDataNotTerminators) {
  Driver d;
  d.send(std::string(kEnvelope));
  const std::string chunk = "a\r\n.\r\n..b\r\n";
  EXPECT_EQ(d.send("BDAT " + std::to_string(chunk.size()) + " LAST\r\n" + chunk), "250 2.0.0 Ok: queued as Q1\r\n");
  EXPECT_EQ(d.transcript().messages.at(0), chunk);
}

TEST(SessionBdat, EmptyLastChunkEndsTheMessage) {
  Driver d;
  d.send(std::string(kEnvelope));
  EXPECT_EQ(d.send("BDAT 3\r\nab\r"), "250 2.0.0 3 octets received\r\n");
  EXPECT_EQ(d.send("BDAT 0 LAST\r\n"),
            "550 5.6.11 Message contains bare CR or LF (forbidden: SMTP smuggling protection)\r\n");
  d.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n");
  EXPECT_EQ(d.send("BDAT 2\r\nabBDAT 0 LAST\r\n"), "250 2.0.0 2 octets received\r\n250 2.0.0 Ok: queued as Q1\r\n");
  // An unterminated last line gets its CRLF.
  EXPECT_EQ(d.transcript().messages.at(0), "ab\r\n");
}

TEST(SessionBdat, PipelinedChunksAndCommands) {
  Driver d;
  const std::string out = d.send(std::string(kEnvelope) +
                                 "BDAT 4\r\nab\r\nBDAT 4 LAST\r\ncd\r\nMAIL FROM:<e@f.test>\r\nRCPT TO:<g@h.test>\r\n"
                                 "BDAT 3 LAST\r\nxy\n");
  EXPECT_EQ(codes(out), (Codes{"250", "250", "250", "250", "250", "250", "250", "550"}));
  ASSERT_EQ(d.transcript().messages.size(), 1u);
  EXPECT_EQ(d.transcript().messages[0], "ab\r\ncd\r\n");
}

TEST(SessionBdat, ChunkWithoutTransactionIsConsumedUnread) {
  Driver d;
  d.send("EHLO client.test\r\n");
  // The chunk's content looks like commands; it must be skipped, not executed.
  const std::string chunk = "MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n";
  EXPECT_EQ(d.send("BDAT " + std::to_string(chunk.size()) + " LAST\r\n" + chunk),
            "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(d.send("RCPT TO:<c@d.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  d.send("MAIL FROM:<a@b.test>\r\n");
  EXPECT_EQ(d.send("BDAT " + std::to_string(chunk.size()) + "\r\n" + chunk), "503 5.5.1 Error: need RCPT command\r\n");
  EXPECT_EQ(d.transcript().messages.size(), 0u);
}

TEST(SessionBdat, ChunkSplitAcrossReads) {
  Driver d;
  d.send(std::string(kEnvelope));
  EXPECT_EQ(d.send("BDAT 10 LAST\r\n0123"), "");
  EXPECT_EQ(d.send("4567"), "");
  EXPECT_EQ(d.send("89NOOP\r\n"), "250 2.0.0 Ok: queued as Q1\r\n250 2.0.0 Ok\r\n");
  EXPECT_EQ(d.transcript().messages.at(0), "0123456789\r\n");
}

TEST(SessionBdat, OversizeFailsAtOnceAndLaterChunksRepeatTheReply) {
  Driver d;  // max 10000
  d.send(std::string(kEnvelope));
  std::string big;
  for (int i = 0; i < 60; ++i) big += std::string(98, 'x') + "\r\n";  // 6000 octets
  EXPECT_EQ(d.send("BDAT 6000\r\n" + big), "250 2.0.0 6000 octets received\r\n");
  const std::string too_big = "552 5.3.4 Message size exceeds fixed maximum message size\r\n";
  EXPECT_EQ(d.send("BDAT 6000\r\n" + big), too_big);
  EXPECT_EQ(d.send("BDAT 6000\r\n" + big), too_big);
  EXPECT_EQ(d.send("BDAT 1 LAST\r\nx"), too_big);
  EXPECT_TRUE(d.transcript().messages.empty());
  EXPECT_EQ(d.transcript().discarded, 1u);
  // The failed transaction is over; a new one works.
  EXPECT_EQ(d.send("RCPT TO:<c@d.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  d.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n");
  EXPECT_EQ(d.send("BDAT 3 LAST\r\nok\n"),
            "550 5.6.11 Message contains bare CR or LF (forbidden: SMTP smuggling protection)\r\n");
}

TEST(SessionBdat, BadSyntaxClosesBecauseTheChunkCannotBeFound) {
  for (const char* cmd : {"BDAT\r\n", "BDAT x\r\n", "BDAT 5 NOTLAST\r\n", "BDAT -1\r\n"}) {
    Driver d;
    d.send(std::string(kEnvelope));
    EXPECT_EQ(d.send(cmd), "501 5.5.4 Syntax: BDAT size [LAST]\r\n") << cmd;
    EXPECT_TRUE(d.transcript().closed) << cmd;
  }
}

TEST(SessionBdat, DataAfterBdatAndRcptAfterBdatAreRefused) {
  Driver d;
  d.send(std::string(kEnvelope));
  EXPECT_EQ(d.send("BDAT 2\r\nab"), "250 2.0.0 2 octets received\r\n");
  EXPECT_EQ(d.send("RCPT TO:<x@y.test>\r\n"), "503 5.5.1 Error: RCPT not allowed after BDAT\r\n");
  EXPECT_EQ(d.send("DATA\r\n"), "503 5.5.1 Error: DATA not allowed after BDAT\r\n");
  EXPECT_EQ(d.transcript().discarded, 1u);  // the BDAT message was aborted
  EXPECT_EQ(d.send("RCPT TO:<x@y.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SessionBdat, RsetAbortsAChunkedMessage) {
  Driver d;
  d.send(std::string(kEnvelope));
  d.send("BDAT 2\r\nab");
  EXPECT_EQ(d.send("RSET\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(d.transcript().discarded, 1u);
  d.send("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n");
  EXPECT_EQ(d.send("BDAT 4 LAST\r\ncd\r\n"), "250 2.0.0 Ok: queued as Q1\r\n");
  EXPECT_EQ(d.transcript().messages.at(0), "cd\r\n");
}

TEST(SessionBdat, HugeDeclaredChunkIsNotBuffered) {
  Driver d;
  d.send(std::string(kEnvelope));
  // A chunk far beyond the limit streams through the scanner; nothing accumulates.
  EXPECT_EQ(d.send("BDAT 99999999999\r\n"), "");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(d.send(std::string(4096, 'z')), "");
  EXPECT_LE(d.session().message_bytes(), 10000u);
}

}  // namespace
}  // namespace portcullis::smtp
