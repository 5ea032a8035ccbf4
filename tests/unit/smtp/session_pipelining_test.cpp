// smtp::Session under PIPELINING (RFC 2920): replies in order, and the same bytes cut at any
// read boundary give the same conversation (no state hidden in the Asio read buffer).
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "session_harness.hpp"

namespace portcullis::smtp {
namespace {

using testing::Transcript;

// A long conversation as the client writes it: each element is one write that ends at a
// point where a pipelining client waits for replies (after DATA, after the terminator).
std::vector<std::string> script() {
  return {
      "EHLO client.test\r\nMAIL FROM:<a@b.test> SIZE=100 BODY=8BITMIME\r\nRCPT TO:<one@d.test>\r\n"
      "RCPT TO:<unknown@d.test>\r\nRCPT TO:<later@d.test>\r\nRCPT TO:<Postmaster>\r\nDATA\r\n",
      "Subject: one\r\n\r\n..stuffed\r\n\xC3\xA4 8bit\r\n.\r\n",
      "MAIL FROM:<>\r\nRCPT TO:<two@d.test>\r\nBDAT 5\r\nab\r\nc"
      "BDAT 3 LAST\r\nd\r\nNOOP\r\nVRFY x\r\nRSET\r\nMAIL FROM:<c@b.test>\r\nRCPT TO:<three@d.test>\r\nDATA\r\n",
      std::string(998, 'l') + "\r\n" + std::string(999, 'm') + "\r\n.\r\n",
      "MAIL FROM:<e@b.test>\r\nRCPT TO:<four@d.test>\r\nDATA\r\n",
      "smuggle\n.\nMAIL FROM:<x@y.test>\r\n.\r\n",
      "MAIL FROM:<f@b.test>\r\nRCPT TO:<five@d.test>\r\nDATA\r\n",
      ".\r\n",
      std::string(700, 'X') + "\r\nBOGUS\r\nQUIT\r\n",
  };
}

Transcript run_writes(const std::vector<std::string>& writes) {
  Driver d;
  for (const auto& w : writes) d.send(w);
  return d.transcript();
}

Transcript run_bytewise(const std::vector<std::string>& writes) {
  Driver d;
  for (const auto& w : writes) d.send_bytewise(w);
  return d.transcript();
}

// Cuts every write at random points (fixed seed: reproducible).
Transcript run_random(const std::vector<std::string>& writes, unsigned seed) {
  std::mt19937 rng(seed);
  Driver d;
  for (const auto& w : writes) {
    std::size_t pos = 0;
    while (pos < w.size()) {
      const std::size_t n = std::uniform_int_distribution<std::size_t>(1, 64)(rng);
      d.send(std::string_view(w).substr(pos, n));
      pos += n;
    }
  }
  return d.transcript();
}

void expect_same(const Transcript& a, const Transcript& b) {
  EXPECT_EQ(a.output, b.output);
  EXPECT_EQ(a.messages, b.messages);
  EXPECT_EQ(a.recipients, b.recipients);
  EXPECT_EQ(a.senders, b.senders);
  EXPECT_EQ(a.discarded, b.discarded);
  EXPECT_EQ(a.closed, b.closed);
}

TEST(SessionPipelining, TheScriptDoesWhatItShould) {
  const Transcript t = run_writes(script());
  EXPECT_EQ(codes(t.output), (Codes{"250", "250", "250", "550", "451", "250", "354",  // first transaction
                                "250",                                           // queued Q1
                                "250", "250", "250", "250", "250", "252", "250", "250", "250", "354",
                                "552",                                           // 999-octet line
                                "250", "250", "354", "550",                      // smuggling refused
                                "250", "250", "354", "250",                      // empty message Q3
                                "500", "500", "221"}));
  ASSERT_EQ(t.messages.size(), 3u);
  EXPECT_EQ(t.messages[0], "Subject: one\r\n\r\n.stuffed\r\n\xC3\xA4 8bit\r\n");
  EXPECT_EQ(t.recipients[0], (Codes{"one@d.test", "postmaster"}));
  EXPECT_EQ(t.messages[1], "ab\r\ncd\r\n");
  EXPECT_EQ(t.senders[1], "");
  EXPECT_EQ(t.messages[2], "");
  EXPECT_EQ(t.recipients[2], Codes{"five@d.test"});
  EXPECT_TRUE(t.closed);
}

TEST(SessionPipelining, OneBytePerReadGivesIdenticalResults) {
  expect_same(run_writes(script()), run_bytewise(script()));
}

TEST(SessionPipelining, RandomReadBoundariesGiveIdenticalResults) {
  const Transcript whole = run_writes(script());
  for (unsigned seed = 1; seed <= 50; ++seed) {
    SCOPED_TRACE(seed);
    expect_same(whole, run_random(script(), seed));
  }
}

TEST(SessionPipelining, RepliesComeOutTogetherAndInOrder) {
  Driver d;
  const std::string out =
      d.send("EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@d.test>\r\nRCPT TO:<unknown@d.test>\r\n"
             "RCPT TO:<y@d.test>\r\nDATA\r\n");
  EXPECT_EQ(codes(out), (Codes{"250", "250", "250", "550", "250", "354"}));
  // Replies are produced as one batch: the driver writes them with one send.
  EXPECT_EQ(d.kinds().back(), Event::Kind::need_input);
}

TEST(SessionPipelining, DataWithOnlyRejectedRecipientsGets554) {
  Driver d;
  const std::string out = d.send("EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<unknown@d.test>\r\nDATA\r\n");
  EXPECT_EQ(codes(out), (Codes{"250", "250", "550", "554"}));
  EXPECT_FALSE(d.transcript().closed);
}

}  // namespace
}  // namespace portcullis::smtp
