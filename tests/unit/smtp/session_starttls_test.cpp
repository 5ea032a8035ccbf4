// STARTTLS in the session state machine (RFC 3207): offered only when configured and not yet
// active, its errors, the discarded input after it (the CVE-2011-0411 class of command
// injection), the reset after the handshake, and require_tls.
#include <gtest/gtest.h>

#include <string>

#include "session_harness.hpp"

namespace portcullis::smtp {
namespace {

using testing::Driver;

SessionOptions tls_options() {
  SessionOptions o = Driver::make_options();
  o.starttls = true;
  return o;
}

TEST(SessionStarttls, OfferedInEhloOnlyWhenConfigured) {
  Driver plain;
  EXPECT_EQ(plain.send("EHLO c.test\r\n").find("STARTTLS"), std::string::npos);
  EXPECT_EQ(plain.send("STARTTLS\r\n"), "502 5.5.1 Error: command not implemented\r\n");
  Driver d(tls_options());
  EXPECT_NE(d.send("EHLO c.test\r\n").find("250-STARTTLS\r\n"), std::string::npos);
}

TEST(SessionStarttls, ReadyThenHandshakeThenFreshSession) {
  Driver d(tls_options());
  d.send("EHLO c.test\r\n");
  EXPECT_EQ(d.send("STARTTLS\r\n"), "220 2.0.0 Ready to start TLS\r\n");
  EXPECT_EQ(d.starttls_events(), 1u);
  EXPECT_EQ(d.handshake(), "");
  EXPECT_TRUE(d.session().tls_active());
  EXPECT_EQ(d.session().envelope().helo, "");
  // The client must say EHLO again; STARTTLS is no longer offered nor accepted.
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "503 5.5.1 Error: send HELO/EHLO first\r\n");
  const std::string ehlo = d.send("EHLO c.test\r\n");
  EXPECT_EQ(ehlo.find("STARTTLS"), std::string::npos);
  EXPECT_EQ(d.send("STARTTLS\r\n"), "503 5.5.1 Error: TLS already active\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SessionStarttls, PipelinedCommandsAfterStarttlsAreDiscarded) {
  Driver d(tls_options());
  d.send("EHLO c.test\r\n");
  // One read: STARTTLS and commands a man in the middle appended in clear text.
  EXPECT_EQ(d.send("STARTTLS\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<v@y.test>\r\nDATA\r\n"),
            "220 2.0.0 Ready to start TLS\r\n");
  EXPECT_EQ(d.handshake(), "");
  EXPECT_EQ(d.send("EHLO c.test\r\n").substr(0, 12), "250-mx.test\r");
  EXPECT_EQ(d.send("RCPT TO:<v@y.test>\r\n"), "503 5.5.1 Error: need MAIL command\r\n");
  EXPECT_TRUE(d.transcript().senders.empty());
}

TEST(SessionStarttls, Errors) {
  Driver d(tls_options());
  d.send("EHLO c.test\r\n");
  EXPECT_EQ(d.send("STARTTLS please\r\n"), "501 5.5.4 Syntax: STARTTLS\r\n");
  d.send("MAIL FROM:<a@b.test>\r\n");
  EXPECT_EQ(d.send("STARTTLS\r\n"), "503 5.5.1 Error: MAIL transaction in progress\r\n");
  EXPECT_EQ(d.starttls_events(), 0u);
}

TEST(SessionStarttls, RequireTlsRefusesMailInClear) {
  SessionOptions o = tls_options();
  o.require_tls = true;
  Driver d(o);
  d.send("EHLO c.test\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "530 5.7.0 Must issue a STARTTLS command first\r\n");
  d.send("STARTTLS\r\n");
  d.handshake();
  d.send("EHLO c.test\r\n");
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

TEST(SessionStarttls, ImplicitTlsNeverOffersStarttls) {
  SessionOptions o = tls_options();
  o.tls = true;
  o.require_tls = true;
  Driver d(o);
  EXPECT_TRUE(d.session().tls_active());
  EXPECT_EQ(d.send("EHLO c.test\r\n").find("STARTTLS"), std::string::npos);
  EXPECT_EQ(d.send("MAIL FROM:<a@b.test>\r\n"), "250 2.1.0 Ok\r\n");
}

}  // namespace
}  // namespace portcullis::smtp
