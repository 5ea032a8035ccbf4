// The check of TOML text before toml11 reads it (core/toml_guard.hpp): strict UTF-8, and a
// nesting depth counted outside strings and comments, at least as deep as toml11 nests.
#include "core/toml_guard.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <toml.hpp>

#include "core/config.hpp"

namespace portcullis::core {
namespace {

std::string problem(std::string_view text, int max_depth = 16) {
  return toml_input_problem(text, max_depth).value_or("(none)");
}

std::string repeat(std::string_view s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// --- (a) UTF-8 ---

TEST(TomlGuard, ValidUtf8IsAccepted) {
  const std::vector<std::string> good = {
      "",
      "a = 'plain ASCII'\n",
      "a = 'J\xC3\xBCrgen'\n",                 // U+00FC
      "a = \"\xC2\x80\"\n",                    // U+0080, the smallest 2-octet form
      "a = \"\xDF\xBF\"\n",                    // U+07FF
      "a = \"\xE0\xA0\x80\"\n",                // U+0800, the smallest 3-octet form
      "a = \"\xE2\x82\xAC\"\n",                // U+20AC euro sign
      "a = \"\xED\x9F\xBF\"\n",                // U+D7FF, just below the surrogates
      "a = \"\xEE\x80\x80\"\n",                // U+E000, just above them
      "a = \"\xEF\xBF\xBF\"\n",                // U+FFFF
      "a = \"\xF0\x90\x80\x80\"\n",            // U+10000, the smallest 4-octet form
      "a = '''\xF0\x9F\x98\x80'''\n",          // U+1F600
      "a = \"\xF4\x8F\xBF\xBF\"\n",            // U+10FFFF, the largest
      "# caf\xC3\xA9 in a comment\n",
      std::string("a = \"\0\"\n", 8),  // U+0000 is UTF-8 (toml11 refuses it itself)
  };
  for (const auto& text : good) EXPECT_EQ(problem(text), "(none)") << text;
}

TEST(TomlGuard, InvalidUtf8IsRefusedNamingLineAndColumn) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"a = '\xC0\x80'", "line 1: invalid UTF-8 (octet 0xC0 at column 6)"},          // overlong NUL
      {"a = '\xC1\xBF'", "line 1: invalid UTF-8 (octet 0xC1 at column 6)"},          // overlong
      {"a = '\xE0\x80\x80'", "line 1: invalid UTF-8 (octet 0xE0 at column 6)"},      // overlong U+0000
      {"a = '\xE0\x9F\xBF'", "line 1: invalid UTF-8 (octet 0xE0 at column 6)"},      // overlong U+07FF
      {"a = '\xF0\x80\x80\x80'", "line 1: invalid UTF-8 (octet 0xF0 at column 6)"},  // overlong
      {"a = '\xF0\x8F\xBF\xBF'", "line 1: invalid UTF-8 (octet 0xF0 at column 6)"},  // overlong U+FFFF
      {"a = '\xED\xA0\x80'", "line 1: invalid UTF-8 (octet 0xED at column 6)"},      // U+D800
      {"a = '\xED\xBF\xBF'", "line 1: invalid UTF-8 (octet 0xED at column 6)"},      // U+DFFF
      {"a = '\xF4\x90\x80\x80'", "line 1: invalid UTF-8 (octet 0xF4 at column 6)"},  // U+110000
      {"a = '\xF5\x80\x80\x80'", "line 1: invalid UTF-8 (octet 0xF5 at column 6)"},
      {"a = '\xFE'", "line 1: invalid UTF-8 (octet 0xFE at column 6)"},
      {"a = '\xFF'", "line 1: invalid UTF-8 (octet 0xFF at column 6)"},
      {"a = '\x80'", "line 1: invalid UTF-8 (octet 0x80 at column 6)"},  // a continuation alone
      {"a = '\xC3\xA9\xA9'", "line 1: invalid UTF-8 (octet 0xA9 at column 8)"},
      {"a = '\xC3\x41'", "line 1: invalid UTF-8 (octet 0xC3 at column 6)"},  // a lead without its continuation
      {"a = '\xE2\x28\xA1'", "line 1: invalid UTF-8 (octet 0xE2 at column 6)"},
      {"a = '\xE2\x82\x41'", "line 1: invalid UTF-8 (octet 0xE2 at column 6)"},
      {"a = '\xF0\x9F\x98\x41'", "line 1: invalid UTF-8 (octet 0xF0 at column 6)"},
      {"a = 'x\xC3", "line 1: invalid UTF-8 (octet 0xC3 at column 7)"},  // truncated by the end
      {"a = 'x\xE2\x82", "line 1: invalid UTF-8 (octet 0xE2 at column 7)"},
      {"a = 'x\xF0\x9F\x98", "line 1: invalid UTF-8 (octet 0xF0 at column 7)"},
      {"[system]\nhostname = 'x\xff'\n", "line 2: invalid UTF-8 (octet 0xFF at column 14)"},
      {"a = 1\n\nb = '''\n\xE9t\xE9'''\n", "line 4: invalid UTF-8 (octet 0xE9 at column 1)"},  // Latin-1
      {"# \xFF\n", "line 1: invalid UTF-8 (octet 0xFF at column 3)"},  // in a comment as well
      {"\xEF\xBB\xBF\xFF", "line 1: invalid UTF-8 (octet 0xFF at column 4)"},
  };
  for (const auto& c : cases) EXPECT_EQ(problem(c.text), c.message) << c.text;
}

TEST(TomlGuard, Utf8IsCheckedBeforeDepth) {
  EXPECT_EQ(problem("a = " + std::string(100, '[') + "\n'\xFF'\n", 2),
            "line 2: invalid UTF-8 (octet 0xFF at column 2)");
  const auto p = find_toml_input_problem("a = 1\nb = [[[1]]]\n", 2);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->line, 2u);
  EXPECT_EQ(p->what, "tables and arrays nested more than 2 deep");
}

// --- (b) depth: exact limits ---

TEST(TomlGuard, ArraysAndInlineTablesAtTheLimit) {
  EXPECT_EQ(problem("a = [[[1]]]\n", 3), "(none)");
  EXPECT_EQ(problem("a = [[[[1]]]]\n", 3), "line 1: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("a = {b = {c = {d = 1}}}\n", 3), "(none)");
  EXPECT_EQ(problem("a = {b = {c = {d = {e = 1}}}}\n", 3), "line 1: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("a = [{b = [1]}]\n", 3), "(none)");
  EXPECT_EQ(problem("a = [{b = [{}]}]\n", 3), "line 1: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("a = 1\n", 0), "(none)");
  EXPECT_EQ(problem("a = []\n", 0), "line 1: tables and arrays nested more than 0 deep");
}

TEST(TomlGuard, SiblingsDoNotAddUp) {
  EXPECT_EQ(problem("a = [[1], [2], [[3]], [4]]\nb = [[1]]\nc = {x = [1], y = [[2]], z = {w = 1}}\n", 3), "(none)");
  EXPECT_EQ(problem("a = [[1], [2], [[[3]]]]\n", 3), "line 1: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem(repeat("a = [[[1]]]\n", 1000), 3), "(none)");
  EXPECT_EQ(problem("a = [" + repeat("[[1]], ", 1000) + "]\n", 3), "(none)");
  EXPECT_EQ(problem("a = [1]]]]]]]\nb = [[[1]]]\n", 3), "(none)");  // stray closers do not lower it
  EXPECT_EQ(problem("]]]]]]\nb = [[[[1]]]]\n", 3), "line 2: tables and arrays nested more than 3 deep");
}

TEST(TomlGuard, TableHeadersAndDottedKeys) {
  // [a] is 1, [[a]] 2 (the array and its table), each dot 2 (a component may be an array of tables).
  EXPECT_EQ(problem("[a]\nb = [[1]]\n", 3), "(none)");
  EXPECT_EQ(problem("[a]\nb = [[[1]]]\n", 3), "line 2: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("[[a]]\nb = [1]\n", 3), "(none)");
  EXPECT_EQ(problem("[[a]]\nb = [[1]]\n", 3), "line 2: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("[a.b]\n", 3), "(none)");
  EXPECT_EQ(problem("[a.b]\nc = [1]\n", 3), "line 2: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("[[a.b]]\n", 3), "line 1: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("[ a . \"b.c\" . 'd' ]\n", 5), "(none)");
  EXPECT_EQ(problem("[ a . \"b.c\" . 'd' . e]\n", 5), "line 1: tables and arrays nested more than 5 deep");
  // Each header starts at the root: the depth of one does not carry over to the next.
  EXPECT_EQ(problem("[a.b]\n[c]\nd = [[1]]\n[e.f]\n", 3), "(none)");
  // Dotted keys, at the top level, under a header and inside inline tables.
  EXPECT_EQ(problem("a.b = [1]\n", 3), "(none)");
  EXPECT_EQ(problem("a.b.c = 1\n", 3), "line 1: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("[x]\na.b = 1\n", 3), "(none)");
  EXPECT_EQ(problem("[x]\na.b = [1]\n", 3), "line 2: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("a = {b.c = 1, d = 2}\n", 3), "(none)");
  EXPECT_EQ(problem("a = {b = 1, c.d = [1]}\n", 3), "line 1: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("a = [{b = 1}, {c.d = 2}]\n", 3), "line 1: tables and arrays nested more than 3 deep");
  // Dots in values are not keys: floats, times, strings.
  EXPECT_EQ(problem("a = [1.5, 2.5, 3.5, 4.5]\nb = 07:32:00.999\nc = 1979-05-27T07:32:00.5Z\nd = 'x.y.z'\n", 1),
            "(none)");
  EXPECT_EQ(problem("a = {b = 1.5, c = [2.5, 3.5]}\n", 2), "(none)");
  // A long dotted key is refused like deep brackets (toml11 copies the tables recursively).
  EXPECT_EQ(problem("[system]\n" + repeat("a.", 100000) + "a = 1\n"),
            "line 2: tables and arrays nested more than 16 deep");
  EXPECT_EQ(problem("[" + repeat("a.", 100000) + "a]\n"), "line 1: tables and arrays nested more than 16 deep");
}

TEST(TomlGuard, MultiLineArraysNameTheLineThatGoesTooDeep) {
  EXPECT_EQ(problem("a = 1\nb = [\n  [\n    [\n      [1],\n    ],\n  ],\n]\n", 3),
            "line 5: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("b = [ # a comment [[[[\n  [ # another ]]]]\n    [1],\n  ],\n]\n", 3), "(none)");
  EXPECT_EQ(toml_nesting_exceeded("a = 1\nb = [\n[\n[\n[1]]]]\n", 3), std::optional<std::size_t>(5));
  EXPECT_EQ(toml_nesting_exceeded("a = [[[1]]]\n", 3), std::nullopt);
}

// --- (b) depth: strings and comments do not count ---

TEST(TomlGuard, BracketsInStringsAndCommentsDoNotCount) {
  const std::string deep = std::string(50, '[') + std::string(50, '{');
  const std::vector<std::string> fine = {
      "# " + deep + "\n",
      "a = 1 # " + deep + "\n",
      "a = \"" + deep + "\"\n",
      "a = '" + deep + "'\n",
      "a = \"\"\"" + deep + "\"\"\"\n",
      "a = '''" + deep + "'''\n",
      "a = \"\"\"\n" + deep + "\n" + deep + "\n\"\"\"\n",  // multi-line, a header-like line inside
      "a = '''\n[x.y.z.w]\n" + deep + "\n'''\n",
      "a = \"\\\"" + deep + "\"\n",                 // an escaped quote does not end a basic string
      "a = \"\"\"\\\"\"\"" + deep + "\"\"\"\n",     // nor a multi-line one
      "a = \"\"\"x\"\"\"\"\nb = 1\n",               // up to two quotes before the close belong to the string
      "a = \"\"\"x\"\"\"\"\"\nb = [[1]]\n",
      "a = '''x''''\nb = [[1]]\n",
      "a = '''x'''''\nb = [[1]]\n",
      "a = \"don't [[[[\"\nb = 'say \"[[[[\"'\n",  // the other quote inside a string
      "\"[[[[\" = 1\n'{{{{' = 2\n",                 // quoted keys
      "\"a.b.c.d\".'e.f.g' = 1\n",                  // only the dot between the quoted parts counts
      "[\"a.b.c.d.e\"]\n",
  };
  for (const auto& text : fine) EXPECT_EQ(problem(text, 3), "(none)") << text;
}

TEST(TomlGuard, BracketsAfterStringsAndCommentsCount) {
  const std::string deep = "[[[[1]]]]";
  const std::vector<std::string> refused = {
      "a = \"#\"\nb = " + deep + "\n",
      "a = \"\\\\\"\nb = " + deep + "\n",          // "\\" ends after the escaped backslash
      "a = [\"\\\\\",\n" + deep + "]\n",
      "a = 'C:\\'\nb = " + deep + "\n",             // no escapes in literal strings
      "a = \"\"\"x\"\"\"\"\"\nb = " + deep + "\n",  // """x""""" is 'x""'
      "a = '''x'''''\nb = " + deep + "\n",
      "a = \"\"\"\"\"\"\nb = " + deep + "\n",      // an empty multi-line string
      "a = \"\"\nb = " + deep + "\n",              // an empty string
      "a = ''\nb = " + deep + "\n",
      "a = [''] # ]]]]]]\nb = " + deep + "\n",
  };
  for (const auto& text : refused)
    EXPECT_EQ(problem(text, 3), "line 2: tables and arrays nested more than 3 deep") << text;
}

TEST(TomlGuard, UnclosedThingsEndTheScanQuietly) {
  // toml11 refuses these itself; the scan must only not read past the end.
  const std::vector<std::string> unclosed = {
      "a = \"", "a = \"\\", "a = '", "a = \"\"\"", "a = \"\"\"\\", "a = '''x''", "a = \"\"\"x\"\"", "#",
      "a = [",  "[a",       "a = {b.c", "\"",    "'",          "\\",          "[[",              "."};
  for (const auto& text : unclosed) EXPECT_NO_THROW(static_cast<void>(problem(text, 3))) << text;
  // An unclosed single-line string ends at its line: the next line is counted.
  EXPECT_EQ(problem("a = \"[[[[\nb = [[[[1]]]]\n", 3), "line 2: tables and arrays nested more than 3 deep");
  EXPECT_EQ(problem("a = '[[[[\nb = [[[[1]]]]\n", 3), "line 2: tables and arrays nested more than 3 deep");
}

TEST(TomlGuard, ALineBreakInsideAnInlineTableStartsAKey) {
  // Not TOML 1.0 (toml11 refuses it too), but the dots after the break are counted.
  EXPECT_EQ(problem("a = {b = 1\nc.d = 2}\n", 2), "line 2: tables and arrays nested more than 2 deep");
}

TEST(TomlGuard, TheReproducersAreRefused) {
  EXPECT_EQ(problem("[system]\nhostname = 'x\xff'\n"), "line 2: invalid UTF-8 (octet 0xFF at column 14)");
  EXPECT_EQ(problem("[system]\nhostname = '''x\xff'''\n"), "line 2: invalid UTF-8 (octet 0xFF at column 16)");
  EXPECT_EQ(problem("k = " + std::string(1000, '[')), "line 1: tables and arrays nested more than 16 deep");
  EXPECT_EQ(problem("k = " + repeat("{b=", 500)), "line 1: tables and arrays nested more than 16 deep");
}

// --- the scan counts at least as deep as toml11 nests ---

// The tables and arrays around the deepest place of a parsed document (the root not counted).
int tree_depth(const toml::value& v) {
  int inner = 0;
  if (v.is_table()) {
    for (const auto& [k, child] : v.as_table()) inner = std::max(inner, tree_depth(child));
    return 1 + inner;
  }
  if (v.is_array()) {
    for (const auto& child : v.as_array()) inner = std::max(inner, tree_depth(child));
    return 1 + inner;
  }
  return 0;
}

TEST(TomlGuard, NeverCountsShallowerThanToml11Builds) {
  const std::vector<std::string> docs = {
      "a = [[[1]]]\n",
      "a = [[1], [[2]]]\nb = {c = {d = [1]}}\n",
      "[a]\nb = [[1]]\n",
      "[[a]]\nb = 1\n[[a]]\nc = [1]\n",
      "[[a]]\n[[a.b]]\n[[a.b.c]]\nd = [1]\n",   // arrays of tables in a header path
      "[a.b.c]\nd.e.f = [{g = 1}]\n",
      "a = {b.c.d = [1]}\n",
      "x.y = 1\nx.z.w = {v = [[1]]}\n",
      "[a]\n[a.b]\nc.d = 1\n",
      "s = \"\"\"[[[\n]]]\"\"\"\nt = '''{{'''\nu = [\"]]]\", '[[[']\n",
      "a = [\n  1,\n  [2, [3, [4]]],\n]\n",
  };
  for (const auto& doc : docs) {
    std::istringstream in(doc);
    const toml::value root = toml::parse(in, "doc");
    const int depth = tree_depth(root) - 1;  // the root table is not counted
    ASSERT_GE(depth, 1) << doc;
    EXPECT_TRUE(toml_nesting_exceeded(doc, depth - 1)) << "counted shallower than " << depth << ":\n" << doc;
  }
}

// --- the bootstrap configuration refuses such text in its own style ---

TEST(TomlGuard, ConfigRefusesBeforeToml11) {
  const auto error_of = [](const std::string& text) -> std::string {
    try {
      parse_config(text, "test.toml");
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "(no error)";
  };
  EXPECT_EQ(error_of("hostname = 'x\xff'\n"), "test.toml:1: invalid UTF-8 (octet 0xFF at column 14)");
  EXPECT_EQ(error_of("[limits]\nrecipients = 5\nx = " + std::string(1000, '[')),
            "test.toml:3: tables and arrays nested more than 32 deep");
  EXPECT_EQ(error_of("# caf\xC3\xA9\nhostname = \"mx.example.org\"\n"), "(no error)");
}

}  // namespace
}  // namespace portcullis::core
