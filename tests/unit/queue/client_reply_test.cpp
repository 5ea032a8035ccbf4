// The outbound client's reply parser and dot-stuffing (smtp/client.hpp) live in the smtp room,
// but their tests sit with the queue, whose delivery depends on them.
#include <gtest/gtest.h>

#include "smtp/client.hpp"
#include "smtp/server.hpp"

using namespace portcullis::smtp;

TEST(ClientReply, SingleAndMultiLine) {
  Reply r;
  EXPECT_EQ(parse_reply("250 2.0.0 Ok\r\nrest", r), 14u);
  EXPECT_EQ(r.code, 250);
  EXPECT_EQ(r.text, "250 2.0.0 Ok");
  EXPECT_EQ(parse_reply("250-a\r\n250-PIPELINING\r\n250 SIZE 10\r\n", r), 36u);
  EXPECT_EQ(r.text, "250-a\n250-PIPELINING\n250 SIZE 10");
  EXPECT_EQ(r.line(), "250-a 250-PIPELINING 250 SIZE 10");
  EXPECT_EQ(parse_reply("354\r\n", r), 5u);
  EXPECT_EQ(r.code, 354);
}

TEST(ClientReply, IncompleteNeedsMore) {
  Reply r;
  EXPECT_EQ(parse_reply("250-a\r\n250 b", r), 0u);
  EXPECT_EQ(parse_reply("25", r), 0u);
}

TEST(ClientReply, MalformedThrows) {
  Reply r;
  EXPECT_THROW(parse_reply("hello\r\n", r), std::runtime_error);
  EXPECT_THROW(parse_reply("250-a\r\n251 b\r\n", r), std::runtime_error);
  EXPECT_THROW(parse_reply("250xa\r\n", r), std::runtime_error);
  EXPECT_THROW(parse_reply("650 x\r\n", r), std::runtime_error);
  EXPECT_THROW(parse_reply(std::string(70000, 'x'), r), std::runtime_error);
}

TEST(ClientReply, Classes) {
  EXPECT_TRUE((Reply{250, ""}).ok());
  EXPECT_TRUE((Reply{451, ""}).transient());
  EXPECT_TRUE((Reply{0, ""}).transient());
  EXPECT_TRUE((Reply{550, ""}).permanent());
}

TEST(DotStuff, StuffsAndTerminates) {
  EXPECT_EQ(dot_stuff("a\r\n.b\r\n..\r\n.\r\n"), "a\r\n..b\r\n...\r\n..\r\n.\r\n");
  EXPECT_EQ(dot_stuff(".first\r\n"), "..first\r\n.\r\n");
  EXPECT_EQ(dot_stuff("no final crlf"), "no final crlf\r\n.\r\n");
  EXPECT_EQ(dot_stuff(""), ".\r\n");
}

TEST(Received, HeaderShape) {
  auto h = received_header("client.example", "192.0.2.1", "gw.example", "ESMTP", "0123456789ABCDEF",
                           "bob@example.net", 0);
  EXPECT_EQ(h,
            "Received: from client.example ([192.0.2.1])\r\n\tby gw.example (Portcullis) with ESMTP id "
            "0123456789ABCDEF\r\n\tfor <bob@example.net>; Thu, 01 Jan 1970 00:00:00 +0000\r\n");
}
