// answers.toml is untrusted (seed disk, kernel command line): text that crashes toml11 3.7.1 —
// invalid UTF-8 in a literal string (a heap-buffer-overflow) and deep nesting (a stack
// overflow) — is refused with a message before toml11 reads it (core/toml_guard.hpp). Under
// the sanitizer build a regression shows as an AddressSanitizer report, not a failed check.
#include <gtest/gtest.h>

#include "answers.hpp"
#include "sources/answers_file.hpp"
#include "sources/cmdline.hpp"

namespace portcullis::firstboot {
namespace {

std::string error_of(const std::string& text, const std::string& name = "seed/answers.toml") {
  try {
    parse_answers_toml(text, name);
  } catch (const SourceError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(AnswersTomlGuard, InvalidUtf8InLiteralStringsIsRefused) {
  EXPECT_EQ(error_of("[system]\nhostname = 'x\xff'\n"),
            "seed/answers.toml: line 2: invalid UTF-8 (octet 0xFF at column 14)");
  EXPECT_EQ(error_of("[system]\nhostname = '''x\xff'''\n"),
            "seed/answers.toml: line 2: invalid UTF-8 (octet 0xFF at column 16)");
  EXPECT_EQ(error_of("[admin]\npassword = '''\nab\xe0\xe0'''\n"),
            "seed/answers.toml: line 3: invalid UTF-8 (octet 0xE0 at column 3)");
  EXPECT_EQ(error_of("[admin]\npassword = \"\xed\xa0\x80\"\n"),  // a surrogate
            "seed/answers.toml: line 2: invalid UTF-8 (octet 0xED at column 13)");
  EXPECT_EQ(error_of("[admin]\npassword = 'x\xc3'"),  // truncated at the end
            "seed/answers.toml: line 2: invalid UTF-8 (octet 0xC3 at column 14)");
}

TEST(AnswersTomlGuard, DeepNestingIsRefused) {
  EXPECT_EQ(error_of("k = " + std::string(1000, '[')),
            "seed/answers.toml: line 1: tables and arrays nested more than 16 deep");
  EXPECT_EQ(error_of("[system]\nk = " + std::string(100000, '[') + "\n"),
            "seed/answers.toml: line 2: tables and arrays nested more than 16 deep");
  EXPECT_EQ(error_of("[system]\nk = " + repeat("{b=", 500)),
            "seed/answers.toml: line 2: tables and arrays nested more than 16 deep");
  EXPECT_EQ(error_of("[system]\n" + repeat("a.", 100000) + "a = 1\n"),
            "seed/answers.toml: line 2: tables and arrays nested more than 16 deep");
  // Brackets in strings and comments are text.
  EXPECT_EQ(parse_answers_toml("[system]\nhostname = \"[[[[[[[[[[[[[[[[[[[[\" # {{{{{{{{{{{{{{{{{{{{\n", "t"),
            (AnswerMap{{"system.hostname", "[[[[[[[[[[[[[[[[[[[["}}));
}

TEST(AnswersTomlGuard, TheInlineKernelCommandLineFormIsGuardedToo) {
  // Its base64 decoding refuses invalid UTF-8 itself; the nesting is the guard's.
  EXPECT_THROW(decode_answers_ref("base64:W3N5c3RlbV0KaG9zdG5hbWUgPSAneP8nCg=="), SourceError);
  const auto ref =
      decode_answers_ref("base64:W3N5c3RlbV0KayA9IFtbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1tbW1sK");
  ASSERT_EQ(ref.kind, AnswersRef::inline_toml);
  EXPECT_EQ(ref.text, "[system]\nk = " + std::string(40, '[') + "\n");
  EXPECT_EQ(error_of(ref.text, "portcullis.answers="),
            "portcullis.answers=: line 2: tables and arrays nested more than 16 deep");
}

TEST(AnswersTomlGuard, ValidUtf8AnswersAreKept) {
  const std::string text =
      "[admin]\n"
      "password = 'p\xc3\xa4ss-w\xc3\xb6rd-\xe2\x82\xac-\xf0\x9f\x94\x91'\n"  // ä ö € 🔑
      "name = \"J\xc3\xbcrgen M\xc3\xbcller\"\n"
      "# Gr\xc3\xbc\xc3\x9f""e\n"
      "[mail]\n"
      "relay_networks = ['192.0.2.0/24', '2001:db8::/32']\n";
  const AnswerMap m = parse_answers_toml(text, "t");
  EXPECT_EQ(m.at("admin.password"), "p\xc3\xa4ss-w\xc3\xb6rd-\xe2\x82\xac-\xf0\x9f\x94\x91");
  EXPECT_EQ(m.at("admin.name"), "J\xc3\xbcrgen M\xc3\xbcller");
  EXPECT_EQ(m.at("mail.relay_networks"), "192.0.2.0/24,2001:db8::/32");
  EXPECT_EQ(parse_answers_toml(render_answers_toml(m), "state"), m);  // the state file round trip
}

}  // namespace
}  // namespace portcullis::firstboot
