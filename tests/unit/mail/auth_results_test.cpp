// mail/auth_results: the Authentication-Results field we write, and the authserv-id of the
// ones already in a message (RFC 8601).
#include <gtest/gtest.h>

#include "mail/auth_results.hpp"
#include "mail/headers.hpp"

namespace {

using namespace portcullis::mail;

TEST(AuthResultsField, OneClausePerFoldedLine) {
  const std::string f = authentication_results_field(
      "mx.example.org", {{"spf", "pass", "", {{"smtp.mailfrom", "example.com"}}},
                         {"dkim", "pass", "", {{"header.d", "example.com"}, {"header.s", "sel"}, {"header.b", "abcd+/EF"}}},
                         {"dmarc", "pass", "", {{"header.from", "example.com"}}}});
  EXPECT_EQ(f,
            "Authentication-Results: mx.example.org;\r\n"
            "\tspf=pass smtp.mailfrom=example.com;\r\n"
            "\tdkim=pass header.d=example.com header.s=sel header.b=\"abcd+/EF\";\r\n"
            "\tdmarc=pass header.from=example.com\r\n");
  // It is a well-formed field to our own header reader, unfolded to one line.
  const auto section = parse_headers(f + "\r\nbody\r\n");
  ASSERT_EQ(section.fields.size(), 1u);
  EXPECT_TRUE(section.complete);
  EXPECT_EQ(section.fields[0].value.rfind("mx.example.org;\tspf=pass smtp.mailfrom=example.com;\tdkim=pass", 0), 0u)
      << section.fields[0].value;
}

TEST(AuthResultsField, NoResultsIsNone) {
  EXPECT_EQ(authentication_results_field("mx.example.org", {}), "Authentication-Results: mx.example.org; none\r\n");
}

TEST(AuthResultsField, ValuesAndCommentsCannotBreakOut) {
  const std::string f = authentication_results_field(
      "mx.example.org", {{"spf", "fail", "client (1.2.3.4) not \\ allowed\r\nX-Evil: 1",
                          {{"smtp.mailfrom", "a b\"c;\r\nX-Injected: yes"}, {"smtp.helo", "user@example.com"}}}});
  EXPECT_EQ(f,
            "Authentication-Results: mx.example.org;\r\n"
            "\tspf=fail (client \\(1.2.3.4\\) not \\\\ allowedX-Evil: 1) "
            "smtp.mailfrom=\"a b\\\"c;X-Injected: yes\" smtp.helo=user@example.com\r\n");
  const auto section = parse_headers(f + "\r\n");
  EXPECT_EQ(section.fields.size(), 1u);  // no line of it became a field of its own
}

TEST(AuthservId, TokenOrQuotedAfterComments) {
  EXPECT_EQ(authserv_id_of("mx.example.org; spf=pass smtp.mailfrom=example.com"), "mx.example.org");
  EXPECT_EQ(authserv_id_of("  MX.Example.ORG 1; none"), "MX.Example.ORG");
  EXPECT_EQ(authserv_id_of("(a (nested) comment \\) here)\r\n\t mx.example.org;dkim=pass"), "mx.example.org");
  EXPECT_EQ(authserv_id_of("\"mx.exa\\\"mple.org\"; none"), "mx.exa\"mple.org");
  EXPECT_EQ(authserv_id_of(""), std::nullopt);
  EXPECT_EQ(authserv_id_of("; spf=pass"), std::nullopt);
  EXPECT_EQ(authserv_id_of("(unclosed comment mx.example.org; none"), std::nullopt);
  EXPECT_EQ(authserv_id_of("\"unclosed"), std::nullopt);
  EXPECT_EQ(authserv_id_of(std::string(100, '(') + "x"), std::nullopt);  // too deep
}

TEST(AuthservId, ComparedWithoutCaseOrFinalDot) {
  EXPECT_TRUE(same_authserv_id("mx.example.org", "MX.EXAMPLE.org."));
  EXPECT_FALSE(same_authserv_id("mx.example.org", "mx.example.org.evil"));
  EXPECT_FALSE(same_authserv_id("mx.example.org", "x.example.org"));
}

}  // namespace
