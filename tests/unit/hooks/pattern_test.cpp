// Tests of the bounded Lua pattern functions (hooks/pattern): a differential test against
// Lua's own string library (same results, same errors) on a table of cases and on generated
// ones, the step and nesting limits on catastrophic patterns, the errors of malformed patterns
// and replacements, and the pure C++ core.
#include <gtest/gtest.h>

#include <cstddef>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <lua.hpp>

#include "hooks/pattern.hpp"

namespace portcullis::hooks {
namespace {

// Lua side of the differential test: each CASES entry calls one string function on (s, p, i)
// and serializes everything it returns.
constexpr const char* kCases = R"lua(
local function ser(...)
  local n, out = select('#', ...), {}
  for k = 1, n do local v = select(k, ...); out[k] = type(v) .. ':' .. tostring(v) end
  return n .. '[' .. table.concat(out, ',') .. ']'
end
local function iterate(it)
  local out = {}
  for _ = 1, 1000 do
    local r = table.pack(it())
    if r[1] == nil then break end
    out[#out + 1] = ser(table.unpack(r, 1, r.n))
  end
  return table.concat(out, ';')
end
local T = setmetatable({ a = 'A', b = false, ab = 7, [1] = 'one', [2] = 2.5, x = {} },
                       { __index = function(_, k) if k == 'zz' then return 'ZZ' end end })
local function counter()
  local k = 0
  return function(...)
    k = k + 1
    if k % 4 == 0 then return nil elseif k % 4 == 1 then return ser(...) elseif k % 4 == 2 then return false end
    return k
  end
end
CASES = {
  find = function(s, p, i) return ser(string.find(s, p, i)) end,
  find1 = function(s, p) return ser(string.find(s, p)) end,
  find_plain = function(s, p, i) return ser(string.find(s, p, i, true)) end,
  match = function(s, p, i) return ser(string.match(s, p, i)) end,
  match1 = function(s, p) return ser(s:match(p)) end,
  gmatch = function(s, p, i) return iterate(string.gmatch(s, p, i)) end,
  gmatch1 = function(s, p) return iterate(s:gmatch(p)) end,
  gsub_whole = function(s, p) return ser(string.gsub(s, p, '<%0>')) end,
  gsub_caps = function(s, p) return ser(string.gsub(s, p, '%2{%1}%%')) end,
  gsub_n = function(s, p, i) return ser(string.gsub(s, p, '[%1]', i)) end,
  gsub_num = function(s, p) return ser(string.gsub(s, p, 42)) end,
  gsub_table = function(s, p) return ser(string.gsub(s, p, T)) end,
  gsub_func = function(s, p, i) return ser(string.gsub(s, p, counter(), i)) end,
  gsub_pct = function(s, p) return ser(string.gsub(s, p, 'x%')) end,
  gsub_badpct = function(s, p) return ser(string.gsub(s, p, '%y')) end,
  gsub_badtable = function(s, p) return ser(string.gsub(s, p, function() return {} end)) end,
}
CASE_NAMES = {}
for k in pairs(CASES) do CASE_NAMES[#CASE_NAMES + 1] = k end
table.sort(CASE_NAMES)
)lua";

// "error:test:3: msg" -> "error:msg" (Lua adds the caller's position to these messages).
std::string no_where(const std::string& result) {
  const std::string prefix = "error:test:";
  if (result.rfind(prefix, 0) != 0) return result;
  const auto colon = result.find(": ", prefix.size());
  return colon == std::string::npos ? result : "error:" + result.substr(colon + 2);
}

// A plain Lua state (luaL_openlibs); `bounded` replaces string.find/match/gmatch/gsub with ours.
class State {
 public:
  explicit State(bool bounded, std::size_t steps = kDefaultPatternSteps) : L_(luaL_newstate()) {
    luaL_openlibs(L_);
    if (bounded) {
      lua_getglobal(L_, "string");
      install_bounded_patterns(L_, -1, steps);
      lua_pop(L_, 1);
    }
    EXPECT_EQ(run(kCases), "ok");
  }
  ~State() { lua_close(L_); }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // Runs a chunk; "ok", "ok:<its string result>" or "error:<message>".
  std::string run(const std::string& code) {
    if (luaL_loadbuffer(L_, code.data(), code.size(), "=test") != LUA_OK) return "error:" + pop();
    return call(0);
  }

  // run() without the position Lua puts in front of an error message.
  std::string result(const std::string& code) { return no_where(run(code)); }

  // Calls CASES[name](s, p, init).
  std::string run_case(const std::string& name, const std::string& s, const std::string& p, lua_Integer init) {
    lua_getglobal(L_, "CASES");
    lua_getfield(L_, -1, name.c_str());
    lua_remove(L_, -2);
    lua_pushlstring(L_, s.data(), s.size());
    lua_pushlstring(L_, p.data(), p.size());
    lua_pushinteger(L_, init);
    return call(3);
  }

  std::vector<std::string> case_names() {
    std::vector<std::string> names;
    lua_getglobal(L_, "CASE_NAMES");
    const auto n = luaL_len(L_, -1);
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_geti(L_, -1, i);
      names.emplace_back(lua_tostring(L_, -1));
      lua_pop(L_, 1);
    }
    lua_pop(L_, 1);
    return names;
  }

 private:
  std::string call(int nargs) {
    if (lua_pcall(L_, nargs, 1, 0) != LUA_OK) return "error:" + pop();
    if (lua_isnil(L_, -1)) {
      lua_pop(L_, 1);
      return "ok";
    }
    return "ok:" + pop();
  }
  std::string pop() {
    std::size_t len = 0;
    const char* s = lua_tolstring(L_, -1, &len);
    std::string out = s != nullptr ? std::string(s, len) : std::string("(not a string)");
    lua_pop(L_, 1);
    return out;
  }

  lua_State* L_;
};

std::string rep(std::string_view s, std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

struct Case {
  std::string subject;
  std::string pattern;
};

// Hand-written cases: every feature of §6.4.1, the corners of the algorithm, and errors.
std::vector<Case> table_cases() {
  std::vector<Case> c = {
      {"hello world", "o"}, {"hello world", "o w"}, {"hello world", "l+"}, {"hello world", "(l)(l)"},
      {"hello world", "^h"}, {"hello world", "^e"}, {"hello world", "d$"}, {"hello world", "o$"},
      {"hello world", "$"}, {"hello world", "^"}, {"hello world", "^$"}, {"", "^$"}, {"", ""}, {"", "a*"},
      {"abc", ""}, {"abc", "()"}, {"abc", "()()"}, {"abc", "(a)()"}, {"abc", ".-"}, {"abc", ".-$"},
      {"abc", ".*"}, {"abc", "a?b?c?d?"}, {"aaa", "a-"}, {"aaa", "a-b"}, {"aaab", "a-b"}, {"aaab", "a*b"},
      {"aaab", "a+b"}, {"b", "a+b"}, {"b", "a*b"}, {"ab", "a?b"}, {"ab", "a?a?b"}, {"a.b", "%."},
      {"a.b", "."}, {"a%b", "%%"}, {"a+b", "a+b"}, {"a+b", "a%+b"}, {"x = 10, y = 20", "(%w+)%s*=%s*(%w+)"},
      {"  trim me  ", "^%s*(.-)%s*$"}, {"key=value", "([^=]+)=(.*)"}, {"2024-01-31", "(%d+)-(%d+)-(%d+)"},
      {"THE (quick) fox", "%f[%a]%a+"}, {"THE (quick) fox", "%f[%l]%a+"}, {"THE (quick) fox", "%f[%A]"},
      {"THE (quick) fox", "%f[%z]"}, {"THE (quick) fox", "%f[^%z]"}, {"abc", "%f[%a]"}, {"abc", "%f[^%a]"},
      {"abc", "%f[%w]%w+%f[%W]"}, {"f(a(b)c)d", "%b()"}, {"f(a(b)c)d", "%b)("}, {"((a)", "%b()"},
      {"[[x]]", "%b[]"}, {"aXbXc", "%bXX"}, {"abc", "%bab"}, {"abc", "%bac"}, {"abab", "(ab)%1"},
      {"abab", "(a)(b)%1%2"}, {"xyzxyz", "(.-)%1"}, {"aa", "(a*)%1"}, {"abc", "()a()"}, {"abc", "(()a)%2"},
      {"abc", "()%1"}, {"hello", "[aeiou]+"}, {"hello", "[^aeiou]+"}, {"a-b", "[a-]"}, {"a-b", "[-a]"},
      {"a-b", "[%-]"}, {"a]b", "[]]"}, {"a]b", "[^]]+"}, {"a^b", "[%^]"}, {"a^b", "[b^]"}, {"a^b", "^^"},
      {"^a", "^^a"}, {"a$b", "$b"}, {"a$b", "a$b"}, {"a$", "a$$"}, {"a$", "%$"}, {"09az", "[0-9]+"},
      {"09az", "[a-z]+"}, {"09az", "[z-a]"}, {"09az", "[%d%l]+"}, {"09az", "[%D]+"}, {"abc", "[a-%]]"},
      {"ab%", "[%%]"}, {"abc", "[%a-z]"}, {"a-z", "[%a-z]+"}, {"\t\n\v\f\r x", "%s+"}, {"\t\n\v\f\r x", "%S"},
      {"aB1_!~ \x7f\x80\xff", "%a+"}, {"aB1_!~ \x7f\x80\xff", "%c"}, {"aB1_!~ \x7f\x80\xff", "%g+"},
      {"aB1_!~ \x7f\x80\xff", "%p+"}, {"aB1_!~ \x7f\x80\xff", "%u"}, {"aB1_!~ \x7f\x80\xff", "%x+"},
      {"aB1_!~ \x7f\x80\xff", "%W+"}, {"aB1_!~ \x7f\x80\xff", "%P+"}, {"aB1_!~ \x7f\x80\xff", "%G+"},
      {"aB1_!~ \x7f\x80\xff", "[\x80-\xff]+"}, {"aB1_!~ \x7f\x80\xff", "[^%w%s]+"}, {"zZ", "%z"}, {"zZ", "%Z"},
      {std::string("a\0b", 3), std::string("\0", 1)}, {std::string("a\0b", 3), std::string("%z", 2)},
      {std::string("a\0b", 3), std::string("[\0]", 3)}, {std::string("a\0b", 3), std::string("%b\0b", 4)},
      {std::string("a\0b", 3), "%c"}, {"a.b.c", "%.(%a)"}, {"one two  three", "(%a+)"},
      {"one two  three", "%s*"}, {"one two  three", "%a*"}, {"abc", "b*"}, {"abc", "x*"}, {"abc", ".-b"},
      {"abc", "a-$"}, {"aaa", "^a-$"}, {"<a><b>", "<(.-)>"}, {"<a><b>", "<(.*)>"}, {"x", "(x)(y?)"},
      {"alpha beta", "%f[%w](%w+)"}, {"a,b,,c", "([^,]*)"}, {"a,b,,c", "[^,]*"}, {"a b", "%f[%s]"},
      // Errors (some only when the matcher gets that far).
      {"abc", "%"}, {"abc", "a%"}, {"abc", "x%"}, {"abc", "[a"}, {"abc", "[]"}, {"abc", "[^]"}, {"abc", "[%"},
      {"abc", "[a%]"}, {"abc", "x[a"}, {"abc", "a[a"}, {"abc", "%b"}, {"abc", "%ba"}, {"abc", "%f"},
      {"abc", "%fa"}, {"abc", "%f[a"}, {"abc", "%1"}, {"abc", "(a)%2"}, {"abc", "(a%1)"}, {"abc", "%0"},
      {"abc", "(a"}, {"abc", "(x"}, {"abc", "a)"}, {"abc", ")"}, {"a)", ")"}, {"abc", "()%1"},
      {"abc", "(()"}, {"abc", "(a)(b"}, {"abc", "%9"}, {"abc", "((a)"},
      {"abc", rep("()", 32)}, {"abc", rep("()", 33)}, {"abc", rep("(", 33)},
      {rep("a", 40), rep("(a)", 32)}, {rep("a", 40), rep("(a)", 33)},
  };
  // The nesting limit: greedy items and '?' recurse once each.
  for (std::size_t n : {190, 197, 198, 199, 200, 201, 205}) {
    c.push_back({rep("a", n), rep("a?", n)});
    c.push_back({rep("a", n), rep("a*", n)});
    c.push_back({rep("a", n), rep("a-", n)});
    c.push_back({rep("a", n), rep("a", n - 10) + rep("a?", 10)});
  }
  return c;
}

// Generated cases from a few tokens, short enough for the real matcher to stay fast.
std::vector<Case> random_cases(std::size_t count) {
  static const std::vector<std::string> tokens = {
      "a", "b", "ab", ".", "%a", "%d", "%s", "%w", "%p", "%A", "%S", "[ab]", "[^a]", "[a-c]", "[%d_]", "*", "+",
      "-", "?", "(", ")", "()", "%1", "%2", "%b()", "%f[%w]", "%f[^a]", "^", "$", "%", "[", "]", "x", "%%", "%("};
  static const std::string letters = std::string("aab b()1_x.-%^$[]", 17) + std::string("\0", 1);
  std::mt19937 rng(20240531);
  std::vector<Case> out;
  for (std::size_t i = 0; i < count; ++i) {
    Case c;
    const std::size_t ntok = 1 + rng() % 6;
    for (std::size_t t = 0; t < ntok; ++t) c.pattern += tokens[rng() % tokens.size()];
    const std::size_t nsub = rng() % 13;
    for (std::size_t k = 0; k < nsub; ++k) c.subject += letters[rng() % letters.size()];
    out.push_back(std::move(c));
  }
  return out;
}

std::vector<lua_Integer> inits(std::size_t len) {
  const auto n = static_cast<lua_Integer>(len);
  return {1, 0, 2, -1, -3, n, n + 1, n + 2, -n, -n - 1, LUA_MININTEGER, LUA_MAXINTEGER};
}

TEST(PatternDifferential, SameResultsAndErrorsAsLua) {
  State lua(false);
  State ours(true);
  const auto names = lua.case_names();
  ASSERT_EQ(names, ours.case_names());
  std::size_t compared = 0;
  std::size_t errors = 0;
  std::size_t failures = 0;
  auto compare = [&](const Case& c, lua_Integer init) {
    for (const auto& name : names) {
      const std::string want = lua.run_case(name, c.subject, c.pattern, init);
      const std::string got = ours.run_case(name, c.subject, c.pattern, init);
      ++compared;
      if (want.rfind("error:", 0) == 0) ++errors;
      if (want != got && ++failures <= 20) {
        ADD_FAILURE() << name << "(\"" << c.subject << "\", \"" << c.pattern << "\", " << init << ")\n  lua:  "
                      << want << "\n  ours: " << got;
      }
    }
  };
  for (const auto& c : table_cases()) {
    for (lua_Integer init : inits(c.subject.size())) compare(c, init);
  }
  for (const auto& c : random_cases(4000)) {
    for (lua_Integer init : {lua_Integer{1}, lua_Integer{-2}, static_cast<lua_Integer>(c.subject.size() / 2)}) {
      compare(c, init);
    }
  }
  EXPECT_EQ(failures, 0u);
  std::cout << "[ differential ] " << compared << " comparisons (" << errors << " of them errors), " << failures
            << " different\n";
}

// Arguments the pattern never sees: types, conversions, nil/false from a gsub replacement.
TEST(PatternDifferential, ArgumentHandling) {
  State lua(false);
  State ours(true);
  const std::vector<std::string> snippets = {
      "return tostring(string.find(123, 2))",
      "return table.concat({string.find('a1b22', 2, 1, 1)}, ',')",
      "return table.concat({string.find('abc', 'b', 1.0)}, ',')",
      "return string.find('abc', 'b', 1.5)",
      "return string.find('abc', {})",
      "return string.find()",
      "return string.match('abc')",
      "return string.gmatch('abc')",
      "return string.gsub('abc', 'b')",
      "return string.gsub('abc', 'b', true)",
      "return string.gsub('abc', 'b', 'x', 'y')",
      "return table.concat({string.gsub('abc', '', '-', 2.0)}, ',')",
      "return table.concat({string.gsub('abc', 'b', 'x', -1)}, ',')",
      "return table.concat({string.gsub('abc', '%w', {a = 1, b = true})}, ',')",
      "return table.concat({string.gsub('hello world', '%w+', '%0 %0', 1)}, ',')",
      "return table.concat({string.gsub('abc', '(b)', '%1%1')}, ',')",
      "return table.concat({string.gsub('abc', '()b()', '%1-%2')}, ',')",
      "return table.concat({string.gsub('$name is $age', '%$(%w+)', {name = 'Ann', age = 7})}, ',')",
      "local it = ('a1b2'):gmatch('%a(%d)'); return it() .. it() .. tostring(it()) .. tostring(it())",
      "local t = {} for k, v in string.gmatch('a=1, b=2', '(%w+)=(%w+)') do t[#t+1] = k .. v end "
      "return table.concat(t, ';')",
      "local t = {} for w in string.gmatch('abc', '', 10) do t[#t+1] = w end return #t",
      "local t = {} for w in string.gmatch('abc', '()', -1) do t[#t+1] = w end return table.concat(t, ',')",
      "return select('#', string.find('abc', '(b)(c)'))",
      "return pcall(string.gsub, 'abc', 'b', function() error('boom') end)",
      "return pcall(string.gsub, 'abc', 'b', function() error({}) end)",
      "return ('x'):rep(3):gsub('x', '%%')",
  };
  for (const auto& code : snippets) EXPECT_EQ(lua.run(code), ours.run(code)) << code;
}

// Runs `code` in a bounded state and expects the step-limit error.
void expect_step_limit(const std::string& code) {
  State ours(true);
  const std::string result = ours.result(code);
  EXPECT_EQ(result, "error:pattern too complex (step limit exceeded)") << code;
}

TEST(PatternLimits, CatastrophicPatternsHitTheStepLimit) {
  const std::string lazy = "local s, p = string.rep('a', 5000), string.rep('a-', 30) .. 'b' ";
  expect_step_limit(lazy + "return string.find(s, p)");
  expect_step_limit(lazy + "return string.match(s, p)");
  expect_step_limit(lazy + "for x in string.gmatch(s, p) do end");
  expect_step_limit(lazy + "return string.gsub(s, p, 'x')");
  expect_step_limit("return string.find(string.rep('a', 100000), '(.-)(.-)(.-)(.-)(.-)x')");
  expect_step_limit("return string.find(string.rep('a', 5000), string.rep('a*', 20) .. 'b')");
  expect_step_limit("return string.find(string.rep('(', 100000), '%b()')");
  expect_step_limit("return string.find(string.rep('((', 50000), '%b()%b()%b()x')");
  expect_step_limit("return string.find(string.rep('a', 1000000), '(.*)%1')");
  expect_step_limit("return string.match(string.rep('a', 100000), string.rep('a', 1000) .. 'b')");
  expect_step_limit("return string.find(string.rep('a', 1000000), '[' .. string.rep('b', 100000) .. ']')");
  expect_step_limit("return string.gsub(string.rep('a', 100000), '', string.rep('%0', 1000))");
}

TEST(PatternLimits, TheErrorCanBeCaughtAndTheStateGoesOn) {
  State ours(true);
  EXPECT_EQ(ours.result("local ok, e = pcall(string.find, string.rep('a', 5000), string.rep('a-', 30) .. 'b') "
                     "return tostring(ok) .. ' ' .. e .. ' ' .. string.find('xay', 'a')"),
            "ok:false pattern too complex (step limit exceeded) 2");
}

TEST(PatternLimits, BudgetIsPerCall) {
  State ours(true, 2000);
  EXPECT_EQ(ours.result("local n = 0 for i = 1, 100 do n = n + #string.match(string.rep('a', 500), 'a+') end "
                     "return tostring(n)"),
            "ok:50000");
  EXPECT_EQ(ours.result("return string.match(string.rep('a', 5000), 'a+')"),
            "error:pattern too complex (step limit exceeded)");
  // Plain find is linear and needs no budget.
  EXPECT_EQ(ours.result("return tostring(string.find(string.rep('a', 100000) .. 'b', 'ab', 1, true))"), "ok:100000");
}

TEST(PatternLimits, NestingIsBounded) {
  State ours(true);
  EXPECT_EQ(ours.result("return string.match(string.rep('a', 300), string.rep('a?', 300))"),
            "error:pattern too complex");
  std::size_t steps = kDefaultPatternSteps;
  std::vector<Capture> caps;
  EXPECT_THROW(match_at(rep("a", 300), 0, rep("a?", 300), caps, steps), PatternError);
}

TEST(PatternLimits, CoreChargesTheBudget) {
  std::vector<Capture> caps;
  std::size_t steps = 10'000;
  const std::string subject = rep("a", 5000);
  try {
    (void)match_at(subject, 0, rep("a-", 30) + "b", caps, steps);
    FAIL() << "no error";
  } catch (const PatternError& e) {
    EXPECT_STREQ(e.what(), "pattern too complex (step limit exceeded)");
  }
  EXPECT_EQ(steps, 0u);
  steps = 10'000;
  ASSERT_TRUE(match_at("abc", 0, "a(b)c", caps, steps));
  EXPECT_LT(steps, 10'000u);
  EXPECT_GT(steps, 9'980u);
}

struct Malformed {
  std::string pattern;
  std::string subject;
  std::string message;
};

TEST(PatternErrors, MalformedPatterns) {
  const std::vector<Malformed> cases = {
      {"%", "abc", "malformed pattern (ends with '%')"},
      {"a%", "abc", "malformed pattern (ends with '%')"},
      {"[a", "abc", "malformed pattern (missing ']')"},
      {"[]", "abc", "malformed pattern (missing ']')"},
      {"[^]", "abc", "malformed pattern (missing ']')"},
      {"[a%]", "abc", "malformed pattern (missing ']')"},
      {"%b", "abc", "malformed pattern (missing arguments to '%b')"},
      {"%ba", "abc", "malformed pattern (missing arguments to '%b')"},
      {"%f", "abc", "missing '[' after '%f' in pattern"},
      {"%fa", "abc", "missing '[' after '%f' in pattern"},
      {"%f[a", "abc", "malformed pattern (missing ']')"},
      {"%1", "abc", "invalid capture index %1"},
      {"(a)%2", "abc", "invalid capture index %2"},
      {"(a%1)", "abc", "invalid capture index %1"},
      {"%0", "abc", "invalid capture index %0"},
      {".)", "abc", "invalid pattern capture"},  // "a)" has no specials: find would search it plainly
      {"()a)", "abc", "invalid pattern capture"},
      {rep("()", 33), "abc", "too many captures"},
      {rep("(a)", 33), rep("a", 40), "too many captures"},
      {rep("a?", 300), rep("a", 300), "pattern too complex"},
  };
  State ours(true);
  for (const auto& c : cases) {
    for (const char* fn : {"find", "match", "gmatch", "gsub_whole"}) {
      EXPECT_EQ(no_where(ours.run_case(fn, c.subject, c.pattern, 1)), "error:" + c.message) << fn << " " << c.pattern;
    }
    std::size_t steps = kDefaultPatternSteps;
    std::vector<Capture> caps;
    try {
      (void)find_pattern(c.subject, 0, c.pattern, caps, steps);
      ADD_FAILURE() << "no error for " << c.pattern;
    } catch (const PatternError& e) {
      EXPECT_EQ(e.what(), c.message) << c.pattern;
    }
  }
}

TEST(PatternErrors, UnfinishedCapture) {
  State ours(true);
  EXPECT_EQ(ours.result("return string.find('abc', '(a')"), "error:unfinished capture");
  EXPECT_EQ(ours.result("return string.match('abc', 'a(b')"), "error:unfinished capture");
  EXPECT_EQ(ours.result("return string.gmatch('abc', '(a')()"), "error:unfinished capture");
  EXPECT_EQ(ours.result("return string.gsub('abc', '(a', {})"), "error:unfinished capture");
  EXPECT_EQ(ours.result("return string.gsub('abc', '(a', '%1')"), "error:unfinished capture");
  EXPECT_EQ(ours.result("return (string.gsub('abc', '(a', 'x'))"), "ok:xbc");  // like Lua: never looked at
  std::size_t steps = kDefaultPatternSteps;
  std::vector<Capture> caps;
  ASSERT_EQ(match_at("abc", 0, "(a", caps, steps), 1u);
  ASSERT_EQ(caps.size(), 1u);
  EXPECT_TRUE(caps[0].unfinished);
}

TEST(PatternErrors, Replacements) {
  State ours(true);
  EXPECT_EQ(ours.result("return string.gsub('abc', 'b', '%')"), "error:invalid use of '%' in replacement string");
  EXPECT_EQ(ours.result("return string.gsub('abc', 'b', '%x')"), "error:invalid use of '%' in replacement string");
  EXPECT_EQ(ours.result("return string.gsub('abc', 'b', '%2')"), "error:invalid capture index %2");
  EXPECT_EQ(ours.result("return string.gsub('abc', '(b)', '%3')"), "error:invalid capture index %3");
  EXPECT_EQ(ours.result("return string.gsub('abc', 'b', {b = {}})"), "error:invalid replacement value (a table)");
  EXPECT_EQ(ours.result("return string.gsub('abc', 'b', function() return true end)"),
            "error:invalid replacement value (a boolean)");
  EXPECT_EQ(ours.result("return (string.gsub('abc', 'b', {b = false}))"), "ok:abc");
  EXPECT_EQ(ours.result("return (string.gsub('abc', '%w', '%0%0', 2))"), "ok:aabbc");
}

TEST(PatternCore, MatchAtAndFind) {
  std::size_t steps = kDefaultPatternSteps;
  std::vector<Capture> caps;
  EXPECT_EQ(match_at("hello world", 6, "(w)o()", caps, steps), 8u);
  ASSERT_EQ(caps.size(), 2u);
  EXPECT_EQ(caps[0].start, 6u);
  EXPECT_EQ(caps[0].len, 1u);
  EXPECT_FALSE(caps[0].position);
  EXPECT_TRUE(caps[1].position);
  EXPECT_EQ(caps[1].start, 8u);
  EXPECT_FALSE(match_at("hello", 0, "^h", caps, steps));  // '^' is literal in match_at
  EXPECT_FALSE(match_at("hello", 6, "", caps, steps));
  EXPECT_EQ(match_at("hello", 5, "", caps, steps), 5u);

  auto found = find_pattern("key = value", 0, "(%w+)%s*=%s*(%w+)", caps, steps);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->start, 0u);
  EXPECT_EQ(found->end, 11u);
  ASSERT_EQ(caps.size(), 2u);
  EXPECT_EQ(caps[1].start, 6u);
  EXPECT_EQ(caps[1].len, 5u);
  EXPECT_FALSE(find_pattern("abc", 0, "^b", caps, steps));
  found = find_pattern("abc", 1, "^b", caps, steps);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->start, 1u);
  EXPECT_TRUE(pattern_has_specials("a.b"));
  EXPECT_FALSE(pattern_has_specials("a)b]"));
}

}  // namespace
}  // namespace portcullis::hooks
