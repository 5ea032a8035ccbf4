// smtp::Session commands: every reply of every command, sequencing, parameters and limits.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "session_harness.hpp"

namespace portcullis::smtp {
namespace {


TEST(SessionCommands, BannerNamesTheHost) {
  Driver d;
  EXPECT_EQ(d.banner(), "220 mx.test ESMTP Portcullis\r\n");
}

TEST(SessionCommands, HostnameIsSanitisedInReplies) {
  SessionOptions o = Driver::make_options();
  o.hostname = "evil\r\n250 injected";
  Driver d(o);
  EXPECT_EQ(d.banner(), "220 evil250injected ESMTP Portcullis\r\n");
}

TEST(SessionCommands, EhloAdvertisesEveryExtension) {
  Driver d;
  EXPECT_EQ(d.send("EHLO client.test\r\n"),
            "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n"
            "250-SMTPUTF8\r\n250 CHUNKING\r\n");
  EXPECT_TRUE(d.session().envelope().esmtp);
  EXPECT_EQ(d.session().envelope().helo, "client.test");
}

TEST(SessionCommands, EhloWithoutChunkingOmitsIt) {
  SessionOptions o = Driver::make_options();
  o.chunking = false;
  Driver d(o);
  const std::string r = d.send("EHLO client.test\r\n");
  EXPECT_EQ(r.find("CHUNKING"), std::string::npos);
  EXPECT_NE(r.find("250 SMTPUTF8\r\n"), std::string::npos);
  EXPECT_EQ(d.send("BDAT 1 LAST\r\n"), "500 5.5.2 Error: command not recognized\r\n");
}

TEST(SessionCommands, HeloIsPlainSmtp) {
  Driver d;
  EXPECT_EQ(d.send("HELO client.test\r\n"), "250 mx.test\r\n");
  EXPECT_FALSE(d.session().envelope().esmtp);
  // No ESMTP parameters after HELO.
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> SIZE=10\r\n"), "555 5.5.4 Unsupported option: SIZE\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SessionCommands, HeloArguments) {
  Driver d;
  EXPECT_EQ(d.send("EHLO\r\n"), "501 5.5.4 Syntax: EHLO hostname\r\n");
  EXPECT_EQ(d.send("HELO \r\n"), "501 5.5.4 Syntax: HELO hostname\r\n");
  EXPECT_EQ(d.send("EHLO bad<host>\r\n"), "501 5.5.4 Error: invalid hostname\r\n");
  EXPECT_EQ(d.send("EHLO [300.1.1.1]\r\n"), "501 5.5.4 Error: invalid hostname\r\n");
  EXPECT_EQ(codes(d.send("EHLO [192.0.2.1]\r\n")), Codes{"250"});
  EXPECT_EQ(codes(d.send("EHLO [IPv6:2001:db8::1]\r\n")), Codes{"250"});
  EXPECT_EQ(codes(d.send("EHLO under_score.example\r\n")), Codes{"250"});
  EXPECT_EQ(d.session().envelope().helo, "under_score.example");
}

TEST(SessionCommands, RefusedHeloLeavesTheSessionWithoutGreeting) {
  Driver d;
  // The driver (a hook) refuses the name: its reply goes out, the session still needs a HELO.
  EXPECT_EQ(d.send("EHLO refused.example\r\n"), "550 5.7.1 Go away\r\n");
  EXPECT_EQ(d.session().envelope().helo, "");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  EXPECT_EQ(codes(d.send("EHLO client.test\r\n")), Codes{"250"});
  EXPECT_EQ(d.session().envelope().helo, "client.test");
  // A refused HELO after a good one keeps the earlier name and counts as an error.
  EXPECT_EQ(d.send("HELO refused.again\r\n"), "550 5.7.1 Go away\r\n");
  EXPECT_EQ(d.session().envelope().helo, "client.test");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SessionCommands, RefuseInsteadOfBanner) {
  Session s(Driver::make_options());
  s.refuse("554 5.7.1 You are not welcome here");
  EXPECT_EQ(s.take_output(), "554 5.7.1 You are not welcome here\r\n");
  EXPECT_EQ(s.next().kind, Event::Kind::close);
  EXPECT_TRUE(s.closed());
}

TEST(SessionCommands, CommandsAreCaseInsensitive) {
  Driver d;
  EXPECT_EQ(codes(d.send("ehlo client.test\r\n")), Codes{"250"});
  EXPECT_EQ(d.send("MaIl FrOm:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(d.send("rcpt to:<c@d.test>\r\n"), "250 2.1.5 Ok\r\n");
  EXPECT_EQ(d.send("rset\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(d.send("mail from:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SessionCommands, SequencingErrors) {
  Driver d;
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  d.send("EHLO client.test\r\n");
  EXPECT_EQ(d.send("RCPT TO:<c@d.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(d.send("DATA\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "503 5.5.1 Error: nested MAIL command\r\n");
  EXPECT_EQ(d.send("DATA\r\n"), "554 5.5.1 Error: no valid recipients\r\n");
}

TEST(SessionCommands, MailAndRcptSyntax) {
  SessionOptions o = Driver::make_options();
  o.max_errors = 0;  // unlimited: this test makes many mistakes on purpose
  Driver d(o);
  d.send("EHLO client.test\r\n");
  EXPECT_EQ(d.send("MAIL TO:<a@b.test>\r\n"), "501 5.5.4 Syntax: MAIL FROM:<address>\r\n");
  EXPECT_EQ(d.send("MAIL FROM:a@b.test\r\n"), "501 5.1.7 Bad sender address syntax\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> SIZE\r\n"), "501 5.5.4 Error: bad SIZE parameter value\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> =x\r\n"), "501 5.5.4 Error: malformed parameters\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> FOO=bar\r\n"), "555 5.5.4 Unsupported option: FOO\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<" + std::string(65, 'x') + "@b.test>\r\n"),
            "553 5.1.7 Sender address rejected: local part exceeds 64 characters\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_TRUE(d.session().envelope().null_sender);
  EXPECT_EQ(d.send("RCPT FROM:<c@d.test>\r\n"), "501 5.5.4 Syntax: RCPT TO:<address>\r\n");
  EXPECT_EQ(d.send("RCPT TO:<>\r\n"), "501 5.1.3 Bad recipient address syntax\r\n");
  EXPECT_EQ(d.send("RCPT TO:<c@d.test> NOTIFY=NEVER\r\n"), "555 5.5.4 Unsupported option: NOTIFY\r\n");
  EXPECT_EQ(d.send("RCPT TO:<" + std::string(65, 'x') + "@d.test>\r\n"),
            "553 5.1.3 Recipient address rejected: local part exceeds 64 characters\r\n");
}

TEST(SessionCommands, SizeParameter) {
  Driver d;
  d.send("EHLO client.test\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> SIZE=abc\r\n"), "501 5.5.4 Error: bad SIZE parameter value\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> SIZE=10001\r\n"),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> SIZE=99999999999999999999999999\r\n"),
            "552 5.3.4 Message size exceeds fixed maximum message size\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> SIZE=1 SIZE=2\r\n"), "501 5.5.4 Error: duplicate parameter SIZE\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> size=10000\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(d.session().envelope().declared_size, 10000u);
}

TEST(SessionCommands, BodyAndUtf8Parameters) {
  Driver d;
  d.send("EHLO client.test\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> BODY=BINARYMIME\r\n"),
            "501 5.5.4 Error: unsupported BODY parameter value\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> SMTPUTF8=yes\r\n"), "501 5.5.4 Error: SMTPUTF8 takes no value\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<\xC3\xBC@\xC3\xA4.example>\r\n"),
            "553 5.6.7 Error: non-ASCII sender address requires SMTPUTF8\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<\xC3\xBC@\xC3\xA4.example> SMTPUTF8 BODY=8BITMIME\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_TRUE(d.session().envelope().smtputf8);
  EXPECT_TRUE(d.session().envelope().body_8bit);
  EXPECT_EQ(d.send("RCPT TO:<\xC3\xB6@\xC3\xA4.example>\r\n"), "250 2.1.5 Ok\r\n");
  d.send("RSET\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test> BODY=7bit\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_FALSE(d.session().envelope().body_8bit);
  EXPECT_EQ(d.send("RCPT TO:<\xC3\xB6@\xC3\xA4.example>\r\n"),
            "553 5.6.7 Error: non-ASCII recipient address requires SMTPUTF8\r\n");
}

TEST(SessionCommands, PolicyAnswersDecideTheEnvelope) {
  Driver d;
  d.send("EHLO client.test\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<blocked@b.test>\r\n"), "550 5.7.1 Sender refused\r\n");
  EXPECT_EQ(d.send("RCPT TO:<c@d.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(d.send("RCPT TO:<unknown@d.test>\r\n"), "550 5.1.1 User unknown\r\n");
  EXPECT_EQ(d.send("RCPT TO:<later@d.test>\r\n"), "451 4.3.0 Try later\r\n");
  EXPECT_EQ(d.send("RCPT TO:<c@d.test>\r\n"), "250 2.1.5 Ok\r\n");
  ASSERT_EQ(d.session().envelope().recipients.size(), 1u);
  EXPECT_EQ(d.session().envelope().recipients[0].str(), "c@d.test");
}

TEST(SessionCommands, BarePostmasterIsAcceptedAsRecipient) {
  Driver d;
  d.send(std::string(kEnvelope));
  EXPECT_EQ(d.send("RCPT TO:<PostMaster>\r\n"), "250 2.1.5 Ok\r\n");
  ASSERT_EQ(d.session().envelope().bare_postmaster.size(), 2u);
  EXPECT_FALSE(d.session().envelope().bare_postmaster[0]);
  EXPECT_TRUE(d.session().envelope().bare_postmaster[1]);
}

TEST(SessionCommands, SourceRouteIsDroppedNotFollowed) {
  Driver d;
  d.send("EHLO client.test\r\nMAIL FROM:<a@b.test>\r\n");
  EXPECT_EQ(d.send("RCPT TO:<@relay.test,@other.test:user@final.test>\r\n"), "250 2.1.5 Ok\r\n");
  ASSERT_EQ(d.session().envelope().recipients.size(), 1u);
  EXPECT_EQ(d.session().envelope().recipients[0].str(), "user@final.test");
}

TEST(SessionCommands, RecipientLimitIs452AndNotAnError) {
  Driver d;  // max_recipients 5, max_errors 6
  d.send("EHLO client.test\r\nMAIL FROM:<a@b.test>\r\n");
  std::string rcpts;
  for (int i = 0; i < 12; ++i) rcpts += "RCPT TO:<r" + std::to_string(i) + "@d.test>\r\n";
  const auto replies = codes(d.send(rcpts));
  ASSERT_EQ(replies.size(), 12u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(replies[i], "250");
  for (int i = 5; i < 12; ++i) EXPECT_EQ(replies[i], "452");
  EXPECT_FALSE(d.transcript().closed);
  EXPECT_EQ(d.session().envelope().recipients.size(), 5u);
}

TEST(SessionCommands, HundredRecipientsByDefault) {
  SessionOptions o = Driver::make_options();
  o.max_recipients = SessionOptions{}.max_recipients;
  Driver d(o);
  d.send("EHLO client.test\r\nMAIL FROM:<a@b.test>\r\n");
  std::string rcpts;
  for (int i = 0; i < 101; ++i) rcpts += "RCPT TO:<r" + std::to_string(i) + "@d.test>\r\n";
  const auto replies = codes(d.send(rcpts));
  ASSERT_EQ(replies.size(), 101u);
  EXPECT_EQ(replies[99], "250");
  EXPECT_EQ(replies[100], "452");
}

TEST(SessionCommands, RsetClearsEnvelopeKeepsHelo) {
  Driver d;
  d.send(std::string(kEnvelope));
  EXPECT_EQ(d.send("RSET extra\r\n"), "501 5.5.4 Syntax: RSET\r\n");
  EXPECT_EQ(d.send("RSET\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_TRUE(d.session().envelope().recipients.empty());
  EXPECT_EQ(d.session().envelope().helo, "client.test");
  EXPECT_EQ(d.send("RCPT TO:<c@d.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
  EXPECT_EQ(d.transcript().resets, 1u);
}

TEST(SessionCommands, NewEhloAbortsTransaction) {
  Driver d;
  d.send(std::string(kEnvelope));
  EXPECT_EQ(codes(d.send("EHLO again.test\r\n")), Codes{"250"});
  EXPECT_EQ(d.transcript().resets, 1u);
  EXPECT_EQ(d.send("RCPT TO:<c@d.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SessionCommands, VrfyDisclosesNothingExpnRefused) {
  Driver d;
  d.send("EHLO client.test\r\n");
  const std::string known = d.send("VRFY postmaster\r\n");
  const std::string unknown = d.send("VRFY nobody-at-all\r\n");
  EXPECT_EQ(known, "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery\r\n");
  EXPECT_EQ(known, unknown);
  EXPECT_EQ(d.send("EXPN staff\r\n"), "502 5.5.1 EXPN not supported\r\n");
}

TEST(SessionCommands, NoopHelpQuitAndUnknown) {
  Driver d;
  EXPECT_EQ(d.send("NOOP\r\n"), "250 2.0.0 Ok\r\n");
  EXPECT_EQ(codes(d.send("HELP\r\n")), Codes{"214"});
  EXPECT_EQ(d.send("STARTTLS\r\n"), "502 5.5.1 Error: command not implemented\r\n");
  EXPECT_EQ(d.send("XYZZY\r\n"), "500 5.5.2 Error: command not recognized\r\n");
  EXPECT_EQ(d.send("QUIT\r\nNOOP\r\n"), "221 2.0.0 Bye\r\n");
  EXPECT_TRUE(d.transcript().closed);
  EXPECT_TRUE(d.session().closed());
  EXPECT_EQ(d.send("NOOP\r\n"), "");  // nothing after close
}

TEST(SessionCommands, CommandLineOf512IsAcceptedAnd513Refused) {
  Driver d;
  d.send("EHLO client.test\r\n");
  // "NOOP " + padding + CRLF = 512 octets.
  const std::string ok = "NOOP " + std::string(512 - 5 - 2, 'x') + "\r\n";
  ASSERT_EQ(ok.size(), 512u);
  EXPECT_EQ(d.send(ok), "250 2.0.0 Ok\r\n");
  const std::string too_long = "NOOP " + std::string(512 - 5 - 1, 'x') + "\r\n";
  ASSERT_EQ(too_long.size(), 513u);
  EXPECT_EQ(d.send(too_long), "500 5.5.2 Error: line too long\r\n");
  // The rest of the long line never becomes a command of its own.
  const std::string smuggle = std::string(600, 'x') + "RSET\r\nNOOP\r\n";
  EXPECT_EQ(d.send(smuggle), "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
}

TEST(SessionCommands, LongLineIsNotBufferedWithoutBound) {
  Driver d;
  d.send("EHLO client.test\r\n");
  for (int i = 0; i < 100; ++i) EXPECT_EQ(d.send(std::string(4096, 'A')), "");
  EXPECT_EQ(d.send("\r\nNOOP\r\n"), "500 5.5.2 Error: line too long\r\n250 2.0.0 Ok\r\n");
}

TEST(SessionCommands, BareLineEndsAndNulInCommands) {
  Driver d;
  EXPECT_EQ(d.send("EHLO x\n"), "500 5.5.2 Error: bare CR or LF in command\r\n");
  EXPECT_EQ(d.send("NO\rOP\r\n"), "500 5.5.2 Error: bare CR or LF in command\r\n");
  EXPECT_EQ(d.send(std::string("NO\0OP\r\n", 7)), "500 5.5.2 Error: NUL character in command\r\n");
  EXPECT_FALSE(d.session().envelope().esmtp);
}

TEST(SessionCommands, TooManyErrorsDisconnectWith421) {
  Driver d;  // max_errors 6
  std::string out;
  for (int i = 0; i < 5; ++i) out += d.send("BOGUS\r\n");
  EXPECT_FALSE(d.transcript().closed);
  EXPECT_EQ(d.send("BOGUS\r\nNOOP\r\n"),
            "500 5.5.2 Error: command not recognized\r\n421 4.7.0 mx.test Error: too many errors\r\n");
  EXPECT_TRUE(d.transcript().closed);
}

TEST(SessionCommands, PolicyRejectionsCountAsErrors) {
  Driver d;
  d.send("EHLO client.test\r\nMAIL FROM:<a@b.test>\r\n");
  std::string out;
  for (int i = 0; i < 6; ++i) out += d.send("RCPT TO:<unknown" + std::to_string(i) + "@d.test>\r\n");
  EXPECT_TRUE(d.transcript().closed);
  EXPECT_NE(out.find("421 4.7.0"), std::string::npos);
}

TEST(SessionCommands, TemporaryRejectionsDoNotCount) {
  Driver d;
  d.send("EHLO client.test\r\nMAIL FROM:<a@b.test>\r\n");
  for (int i = 0; i < 20; ++i) EXPECT_EQ(codes(d.send("RCPT TO:<later@d.test>\r\n")), Codes{"451"});
  EXPECT_FALSE(d.transcript().closed);
}

TEST(SessionCommands, EarlyTalkerTimeoutShutdown) {
  {
    Session s(Driver::make_options());
    s.early_talker();
    EXPECT_EQ(s.take_output(),
              "554 5.5.1 mx.test Error: SMTP protocol synchronization (client spoke before the greeting)\r\n");
    EXPECT_EQ(s.next().kind, Event::Kind::close);
  }
  {
    Driver d;
    d.send(std::string(kEnvelope));
    d.session().timeout();
    EXPECT_EQ(d.session().take_output(), "421 4.4.2 mx.test Error: timeout exceeded\r\n");
    EXPECT_EQ(d.session().next().kind, Event::Kind::close);
  }
  {
    Driver d;
    d.session().shutdown();
    EXPECT_EQ(d.session().take_output(), "421 4.3.2 mx.test Service shutting down\r\n");
    EXPECT_TRUE(d.session().closed());
  }
}

// A bare session (no Driver) fed `input`, stopped at the MAIL question (the HELO question on
// the way is accepted); output so far taken.
void stop_at_mail_question(Session& s, std::string_view input) {
  s.greet();
  s.feed(input);
  for (int i = 0; i < 10; ++i) {
    const Event e = s.next();
    if (e.kind == Event::Kind::mail) break;
    if (e.kind == Event::Kind::helo) s.answer("250 Ok");
  }
  s.take_output();
}

TEST(SessionCommands, DriverAnswersAreSanitised) {
  Session s(Driver::make_options());
  stop_at_mail_question(s, "EHLO c.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n");
  s.answer("not a reply");  // invalid: becomes a temporary failure, never sent raw
  ASSERT_EQ(s.next().kind, Event::Kind::need_input);
  EXPECT_EQ(s.take_output(), "451 4.3.0 Error: internal error\r\n503 5.5.1 Error: need MAIL command\r\n");
}

TEST(SessionCommands, MultiLineAnswersGetContinuationMarks) {
  Session s(Driver::make_options());
  stop_at_mail_question(s, "EHLO c.test\r\nMAIL FROM:<a@b.test>\r\n");
  s.answer("550 5.7.1 first line\n550 5.7.1 second\r\n550 5.7.1 last");
  EXPECT_EQ(s.next().kind, Event::Kind::need_input);
  EXPECT_EQ(s.take_output(), "550-5.7.1 first line\r\n550-5.7.1 second\r\n550 5.7.1 last\r\n");
}

TEST(SessionCommands, UnansweredQuestionFailsTemporarily) {
  Session s(Driver::make_options());
  stop_at_mail_question(s, "EHLO c.test\r\nMAIL FROM:<a@b.test>\r\n");
  EXPECT_EQ(s.next().kind, Event::Kind::need_input);  // driver forgot to answer
  EXPECT_EQ(s.take_output(), "451 4.3.0 Error: internal error\r\n");
}

TEST(SessionCommands, ProtocolErrorsCountTheClientsMistakesNotPolicyRefusals) {
  Driver d;  // the auto-ban counts these (smtp/client_guard.hpp)
  d.send("EHLO client.test\r\nMAIL FROM:<a@b.test>\r\n");
  d.send("RCPT TO:<unknown1@d.test>\r\n");  // 550 by policy: an error, not a protocol error
  EXPECT_EQ(d.session().protocol_errors(), 0u);
  d.send("BOGUS\r\nMAIL FROM:<c@d.test>\r\n");  // unknown command, nested MAIL
  EXPECT_EQ(d.session().protocol_errors(), 2u);
}

}  // namespace
}  // namespace portcullis::smtp
