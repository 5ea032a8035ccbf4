// The RFC5322.From domain (RFC 7489 6.6.1): exactly one From field with exactly one mailbox,
// parsed as RFC 5322 says (the examples of its appendix A among them), and every other case
// reported with its reason.
#include "checks/dmarc/author.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace portcullis::checks::dmarc {
namespace {

std::string domain_of(std::string_view value) {
  const Author a = author_domain_of_value(value);
  EXPECT_TRUE(a) << value << ": " << a.problem;
  EXPECT_TRUE(a.problem.empty());
  return a.domain;
}

AuthorError error_of(std::string_view value) {
  const Author a = author_domain_of_value(value);
  EXPECT_TRUE(a.domain.empty()) << value;
  if (a.error != AuthorError::none) {
    EXPECT_FALSE(a.problem.empty()) << value;
  }
  return a.error;
}

TEST(DmarcAuthor, OneMailbox) {
  EXPECT_EQ(domain_of("sender@example.com"), "example.com");
  EXPECT_EQ(domain_of("  sender@Example.COM  "), "example.com");
  EXPECT_EQ(domain_of("<sender@example.com>"), "example.com");
  EXPECT_EQ(domain_of("Sender <sender@example.com>"), "example.com");
  // RFC 5322 A.1.1 / A.1.2.
  EXPECT_EQ(domain_of("John Doe <jdoe@machine.example>"), "machine.example");
  EXPECT_EQ(domain_of("\"Joe Q. Public\" <john.q.public@example.com>"), "example.com");
  // A.5: comments everywhere.
  EXPECT_EQ(domain_of("Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>"), "silly.test");
  // A.6.3: obsolete white space and comments around the dots of the domain.
  EXPECT_EQ(domain_of("John Doe <jdoe@machine(comment).  example>"), "machine.example");
  // Obsolete phrase with dots, quoted local part, obsolete local part.
  EXPECT_EQ(domain_of("Joe Q. Public <\"joe q\"@example.org>"), "example.org");
  EXPECT_EQ(domain_of("joe . public @ example.net"), "example.net");
  // Separators inside quotes and comments are not separators.
  EXPECT_EQ(domain_of("\"a@b.example, c@d.example\" <x@example.com>"), "example.com");
  EXPECT_EQ(domain_of("x@example.com (other@example.org, third@example.net)"), "example.com");
  // obs-route is dropped.
  EXPECT_EQ(domain_of("<@relay1.example,@relay2.example:user@example.net>"), "example.net");
  // obs-mbox-list: empty elements.
  EXPECT_EQ(domain_of(", sender@example.com ,"), "example.com");
  // RFC 6532 UTF-8: the domain as A-labels.
  EXPECT_EQ(domain_of("J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc" "cher.example>"), "xn--bcher-kva.example");
  // RFC 6854 group syntax with one member.
  EXPECT_EQ(domain_of("Team: lead@example.com;"), "example.com");
}

TEST(DmarcAuthor, NoAddress) {
  EXPECT_EQ(error_of(""), AuthorError::no_address);
  EXPECT_EQ(error_of("   "), AuthorError::no_address);
  EXPECT_EQ(error_of("(only a comment)"), AuthorError::no_address);
  EXPECT_EQ(error_of("undisclosed-recipients:;"), AuthorError::no_address);
  EXPECT_EQ(error_of(",,"), AuthorError::no_address);
}

TEST(DmarcAuthor, SeveralAddresses) {
  const Author a = author_domain_of_value("a@example.com, \"B\" <b@Example.ORG>, c@[192.0.2.1]");
  EXPECT_EQ(a.error, AuthorError::several_addresses);
  EXPECT_TRUE(a.domain.empty());
  EXPECT_EQ(a.domains, (std::vector<std::string>{"example.com", "example.org", ""}));
  EXPECT_EQ(error_of("Team: a@example.com, b@example.com;"), AuthorError::several_addresses);
  EXPECT_EQ(error_of("a@example.com, b@example.com"), AuthorError::several_addresses);
}

TEST(DmarcAuthor, Unparsable) {
  for (const char* v : {"<sender@example.com", "sender@example.com>", "sender@", "@example.com", "sender",
                        "Sender Name", "sender@example.com.", "sender@.example.com", "a@b@example.com",
                        "\"unterminated@example.com", "x@example.com (unterminated", "x@example.com )",
                        "sender@example..com", "John Doe jdoe@machine.example", "x@[192.0.2.1",
                        "Team: a@example.com", "a@example.com <b@example.com>", "\x01@example.com",
                        "a\\b@example.com"}) {
    EXPECT_EQ(error_of(v), AuthorError::unparsable) << v;
  }
  EXPECT_EQ(error_of(std::string(kMaxFromValue + 1, ' ')), AuthorError::unparsable);
  // Deeply nested comments are refused rather than followed.
  EXPECT_EQ(error_of(std::string(100, '(') + std::string(100, ')') + "a@example.com"), AuthorError::unparsable);
  EXPECT_EQ(domain_of(std::string(10, '(') + std::string(10, ')') + "a@example.com"), "example.com");
}

TEST(DmarcAuthor, UnusableDomain) {
  EXPECT_EQ(error_of("x@[192.0.2.1]"), AuthorError::bad_domain);
  EXPECT_EQ(error_of("x@[IPv6:2001:db8::1]"), AuthorError::bad_domain);
  EXPECT_EQ(error_of("x@ex_ample.com"), AuthorError::bad_domain);
  EXPECT_EQ(error_of("x@-example.com"), AuthorError::bad_domain);
  EXPECT_EQ(error_of("x@example.com\xff"), AuthorError::bad_domain);  // invalid UTF-8
  EXPECT_EQ(error_of("x@" + std::string(64, 'a') + ".com"), AuthorError::bad_domain);
}

TEST(DmarcAuthor, FromTheHeaderSection) {
  const Author a = author_domain(
      "Received: from x by y\r\n"
      "From: \"Folded\r\n"
      " Name\" <someone@Mail.Example.com>\r\n"
      "To: other@example.org\r\n"
      "\r\n"
      "From: body@example.net\r\n");
  ASSERT_TRUE(a) << a.problem;
  EXPECT_EQ(a.domain, "mail.example.com");

  EXPECT_EQ(author_domain("To: a@example.com\r\n\r\nbody\r\n").error, AuthorError::no_from);
  const Author two = author_domain("From: a@example.com\r\nfrom: b@example.com\r\n\r\n");
  EXPECT_EQ(two.error, AuthorError::several_from);
  EXPECT_NE(two.problem.find("2 From"), std::string::npos) << two.problem;
  EXPECT_EQ(author_domain("From:\r\n\r\n").error, AuthorError::no_address);

  const mail::HeaderSection h = mail::parse_headers("FROM: x@example.net\nSubject: hi\n\n");
  EXPECT_EQ(author_domain(h).domain, "example.net");
}

TEST(DmarcAuthor, NormalizeHost) {
  EXPECT_EQ(normalize_host("Mail.Example.COM."), "mail.example.com");
  EXPECT_EQ(normalize_host("b\xc3\xbc" "cher.example"), "xn--bcher-kva.example");
  EXPECT_EQ(normalize_host("ex_ample.com"), "");
  EXPECT_EQ(normalize_host(""), "");
  EXPECT_EQ(normalize_host("[192.0.2.1]"), "");
}

}  // namespace
}  // namespace portcullis::checks::dmarc
