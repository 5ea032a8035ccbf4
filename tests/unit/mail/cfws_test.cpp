// mail/cfws: the RFC 5322 comment, CFWS, quoted-string and domain-literal scanners.
#include "mail/cfws.hpp"

#include <gtest/gtest.h>

namespace portcullis::mail {
namespace {

TEST(Cfws, CommentsNestAndQuotePairs) {
  EXPECT_EQ(skip_comment("(a)b", 0), 3u);
  EXPECT_EQ(skip_comment("(a (b) c)d", 0), 9u);
  EXPECT_EQ(skip_comment(R"((a \) still) x)", 0), 12u);  // a quoted ")" does not close
  EXPECT_FALSE(skip_comment("(never closed", 0));
  EXPECT_FALSE(skip_comment("(a (b)", 0));
  EXPECT_FALSE(skip_comment("(trailing \\", 0));
  EXPECT_EQ(skip_comment("((x))", 0, 2), 5u);
  EXPECT_FALSE(skip_comment("(((x)))", 0, 2));  // deeper than allowed
}

TEST(Cfws, CfwsSkipsWhiteSpaceFoldsAndComments) {
  EXPECT_EQ(skip_cfws(" \t(c)\r\n (d) x", 0), 12u);
  EXPECT_EQ(skip_cfws("x", 0), 0u);
  EXPECT_EQ(skip_cfws("   ", 0), 3u);
  EXPECT_FALSE(skip_cfws("  (open", 0));
}

TEST(Cfws, QuotedStringsAndLiterals) {
  EXPECT_EQ(skip_quoted_string(R"("a\"b" rest)", 0), 6u);
  EXPECT_FALSE(skip_quoted_string(R"("open)", 0));
  EXPECT_EQ(unquote(R"("a\"b\\c")"), R"(a"b\c)");
  EXPECT_EQ(unquote(R"("")"), "");
  EXPECT_EQ(skip_domain_literal("[192.0.2.1]>", 0), 11u);
  EXPECT_FALSE(skip_domain_literal("[1[2]", 0));  // no '[' inside
  EXPECT_FALSE(skip_domain_literal("[192.0.2.1", 0));
}

}  // namespace
}  // namespace portcullis::mail
