// Scripts that loop forever, allocate without end or recurse without end are stopped within
// the limits, reported with file and line, and the engine keeps serving other events.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/detached.hpp>

#include "rules_fixture.hpp"

namespace portcullis::hooks::testing {
namespace {

struct LimitCase {
  const char* name;
  const char* source;   // an on_mail handler that never ends on its own
  const char* message;  // expected in the error ("a|b": either)
};

class Limit : public ::testing::TestWithParam<LimitCase> {};

TEST_P(Limit, IsStoppedAndTheEngineRecovers) {
  RulesEngine r;
  r.load_ok("10-bad.lua", GetParam().source);
  r.load_ok("20-good.lua", "function on_rcpt(ev) return reject('5.7.1 still here') end\n");
  const Outcome o = r.run(event(EventKind::mail));
  ASSERT_TRUE(o.failed);
  EXPECT_EQ(o.action, Action::tempfail);
  const std::string expected = GetParam().message;
  const std::string& got = o.trace.at(0).decision;
  const auto bar = expected.find('|');
  const bool found = bar == std::string::npos
                         ? got.find(expected) != std::string::npos
                         : (got.find(expected.substr(0, bar)) != std::string::npos ||
                            got.find(expected.substr(bar + 1)) != std::string::npos);
  EXPECT_TRUE(found) << got;
  EXPECT_NE(o.trace.at(0).decision.find("10-bad.lua:"), std::string::npos) << o.trace[0].decision;
  // The next event runs on a fresh state and works.
  EXPECT_EQ(r.run(event(EventKind::rcpt)).reply, "550 5.7.1 still here");
}

INSTANTIATE_TEST_SUITE_P(
    Hooks, Limit,
    ::testing::Values(
        LimitCase{"infinite_loop", "function on_mail(ev)\n  while true do end\nend\n", "instruction limit exceeded"},
        LimitCase{"pcall_loop",
                  "function on_mail(ev)\n  while true do pcall(function() while true do end end) end\nend\n",
                  "limit exceeded"},
        LimitCase{"memory_bomb",
                  "function on_mail(ev)\n  local t = {}\n  for i = 1, 1e9 do t[i] = string.rep('x', 64) .. i end\nend\n",
                  "memory"},
        LimitCase{"string_bomb", "function on_mail(ev)\n  local s = 'x'\n  while true do s = s .. s end\nend\n",
                  "memory"},
        LimitCase{"pcall_memory_bomb",
                  "function on_mail(ev)\n  while true do pcall(function() local t = {} for i = 1, 1e9 do t[i] = i end end) end\nend\n",
                  "limit exceeded"},
        LimitCase{"deep_recursion", "local function f(n) return 1 + f(n + 1) end\nfunction on_mail(ev)\n  return f(1)\nend\n",
                  "stack overflow|memory limit exceeded"},
        LimitCase{"pattern_backtracking",
                  "function on_mail(ev)\n  return string.find(string.rep('a', 5000), string.rep('a-', 30) .. 'b')\nend\n",
                  "pattern too complex"},
        LimitCase{"method_pattern_backtracking",
                  "function on_mail(ev)\n  return (string.rep('a', 5000)):match(string.rep('a-', 30) .. 'b')\nend\n",
                  "pattern too complex"}),
    [](const ::testing::TestParamInfo<LimitCase>& tp) { return std::string(tp.param.name); });

TEST(Limits, WallClockLimit) {
  Limits l = small_limits();
  l.instructions = 1'000'000'000'000;  // only the clock can stop it
  l.wall = std::chrono::milliseconds(200);
  RulesEngine r(l);
  r.load_ok("10-slow.lua", "function on_mail(ev)\n  while true do end\nend\n");
  const Outcome o = r.run(event(EventKind::mail));
  ASSERT_TRUE(o.failed);
  EXPECT_NE(o.trace.at(0).decision.find("time limit exceeded"), std::string::npos) << o.trace[0].decision;
}

TEST(Limits, TopLevelLoopIsRejectedAtLoad) {
  RulesEngine r;
  r.folder.write("10-loop.lua", "while true do end\n");
  const LoadReport rep = r.load();
  ASSERT_EQ(rep.rules, nullptr);
  EXPECT_NE(rep.errors.at(0).find("instruction limit exceeded"), std::string::npos) << rep.errors[0];
}

// Worker threads: a script stuck in a loop on one worker does not hold up events on the other.
TEST(Limits, OtherEventsKeepFlowingOnOtherWorkers) {
  RulesFolder folder;
  folder.write("10-mixed.lua", R"(
    function on_mail(ev)
      if ev.sender == "loop@x.example" then while true do end end
      return reject("5.7.1 fast")
    end)");
  EngineOptions o;
  o.rules_dir = folder.dir();
  o.workers = 2;
  o.limits = small_limits();
  o.limits.instructions = 1'000'000'000'000;
  o.limits.wall = std::chrono::milliseconds(1500);
  Engine engine(o);
  ASSERT_TRUE(engine.reload().rules);
  boost::asio::io_context io;
  EventData slow = event(EventKind::mail);
  slow.sender = "loop@x.example";
  EventData fast = event(EventKind::mail);
  std::atomic<int> fast_done{0};
  std::atomic<bool> slow_done{false};
  Outcome slow_out;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
    slow_out = co_await engine.run(slow);
    slow_done = true;
  }, boost::asio::detached);
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
    for (int i = 0; i < 20; ++i) {
      const Outcome out = co_await engine.run(fast);
      if (out.reply == "550 5.7.1 fast") ++fast_done;
      if (i == 19) {
        EXPECT_FALSE(slow_done.load()) << "the fast events waited for the stuck one";
      }
    }
  }, boost::asio::detached);
  io.run();
  EXPECT_EQ(fast_done.load(), 20);
  EXPECT_TRUE(slow_out.failed);
  EXPECT_NE(slow_out.trace.at(0).decision.find("time limit exceeded"), std::string::npos);
}

}  // namespace
}  // namespace portcullis::hooks::testing
