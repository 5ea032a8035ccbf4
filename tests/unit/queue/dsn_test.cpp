#include <gtest/gtest.h>

#include "queue/dsn.hpp"

using namespace portcullis::queue;

TEST(Dsn, StatusCodes) {
  EXPECT_EQ(status_code_of("550 5.1.1 no such user"), "5.1.1");
  EXPECT_EQ(status_code_of("554 5.7.1"), "5.7.1");
  EXPECT_EQ(status_code_of("550 no enhanced code"), "5.0.0");
  EXPECT_EQ(status_code_of("451 try later"), "4.0.0");
  EXPECT_EQ(status_code_of("550 5.1.1000 bad"), "5.0.0");
  EXPECT_EQ(status_code_of(""), "5.0.0");
}

TEST(Dsn, MultipartReportStructure) {
  const std::string original = "Received: x\r\nSubject: Hello\r\nFrom: a@example.org\r\n\r\nsecret body\r\n";
  auto m = make_dsn("gw.example", "0123456789ABCDEF", "a@example.org", 1700000000, 1700000100,
                    {{"bob@example.net", "550 5.1.1 <bob@example.net>: no such user", "mx.example.net[192.0.2.5]:25"},
                     {"eve@example.net", "message expired; last error: 451 4.4.1 connect failed", ""}},
                    original);
  EXPECT_NE(m.find("From: Mail Delivery System <MAILER-DAEMON@gw.example>\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: <a@example.org>\r\n"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: multipart/report; report-type=delivery-status;"), std::string::npos);
  EXPECT_NE(m.find("Content-Type: message/delivery-status\r\n"), std::string::npos);
  EXPECT_NE(m.find("Reporting-MTA: dns; gw.example\r\n"), std::string::npos);
  EXPECT_NE(m.find("Final-Recipient: rfc822; bob@example.net\r\nAction: failed\r\nStatus: 5.1.1\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("Remote-MTA: dns; mx.example.net[192.0.2.5]:25\r\n"), std::string::npos);
  EXPECT_NE(m.find("Final-Recipient: rfc822; eve@example.net\r\nAction: failed\r\nStatus: 5.0.0\r\n"),
            std::string::npos);
  EXPECT_NE(m.find("Subject: Hello\r\n"), std::string::npos);
  EXPECT_EQ(m.find("secret body"), std::string::npos) << "only the headers are returned";
  // every line ends with CRLF and is short
  std::size_t pos = 0;
  while (pos < m.size()) {
    auto eol = m.find("\r\n", pos);
    ASSERT_NE(eol, std::string::npos);
    EXPECT_LE(eol - pos, 998u);
    EXPECT_EQ(m.substr(pos, eol - pos).find('\n'), std::string::npos);
    pos = eol + 2;
  }
  EXPECT_NE(m.find("--\r\n", m.size() - 4), std::string::npos);
}

TEST(Dsn, HostileReplyTextIsCleaned) {
  auto m = make_dsn("gw", "0123456789ABCDEF", "a@b.example", 0, 0,
                    {{"x@y.example", std::string("550 5.0.0 bad\r\nInjected: header") + std::string(5000, 'A'), ""}},
                    "Subject: s\r\n\r\n");
  EXPECT_EQ(m.find("\r\nInjected: header"), std::string::npos);
}
