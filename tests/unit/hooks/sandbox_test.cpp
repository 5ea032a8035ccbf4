// Sandbox escapes attempted from a rule script: every one must fail, and a script's changes
// to its libraries or globals must not leak into other scripts or later events.
#include <gtest/gtest.h>

#include "rules_fixture.hpp"

namespace portcullis::hooks::testing {
namespace {

// Runs `body` as an on_connect handler; the handler must finish without error.
void expect_clean(const std::string& body) {
  RulesEngine r;
  r.load_ok("10-probe.lua", "function on_connect(ev)\n" + body + "\nend\n");
  const Outcome o = r.run(event(EventKind::connect));
  EXPECT_FALSE(o.failed) << (o.trace.empty() ? "" : o.trace.back().decision);
}

TEST(Sandbox, DangerousLibrariesAreAbsent) {
  expect_clean(R"(
    assert(io == nil, "io")
    assert(debug == nil, "debug")
    assert(package == nil and require == nil, "package/require")
    assert(dofile == nil and loadfile == nil and load == nil and loadstring == nil, "loaders")
    assert(collectgarbage == nil and rawset == nil and coroutine == nil, "gc/rawset/coroutine")
    assert(os.execute == nil and os.getenv == nil and os.remove == nil and os.exit == nil, "os")
    assert(os.rename == nil and os.tmpname == nil and os.setlocale == nil, "os 2")
    assert(type(os.time()) == "number" and type(os.clock()) == "number" and type(os.date("!%Y")) == "string")
    assert(string.dump == nil, "string.dump")
  )");
}

TEST(Sandbox, EscapeAttemptsFail) {
  expect_clean(R"(
    assert(not pcall(function() return io.open("/etc/passwd") end))
    assert(not pcall(function() return os.execute("id") end))
    assert(not pcall(function() return require("os") end))
    assert(not pcall(function() return string.dump(on_connect) end))
    -- Bytecode cannot come in through a string method either.
    assert(not pcall(function() return ("x").dump end) or ("x").dump == nil)
    -- The string metatable is locked: no reaching the shared string library through it.
    assert(getmetatable("") == false)
    assert(not pcall(setmetatable, "", {}))
    -- Host objects are locked too.
    assert(getmetatable(ev) == "locked")
    assert(not pcall(setmetatable, ev, {}))
    assert(not pcall(function() ev.client_ip = "127.0.0.1" end))
    local d = reject("no")
    assert(getmetatable(d) == "locked")
    -- Finalizers would run outside the limits: refused.
    assert(not pcall(setmetatable, {}, {__gc = function() while true do end end}))
    -- _G is the script's own (read-only during events) table, not the host's.
    assert(_G.io == nil)
    assert(not pcall(function() _G.x = 1 end))
    assert(not pcall(function() new_global = 1 end))
  )");
}

TEST(Sandbox, GlobalsAreReadOnlyAfterLoad) {
  RulesEngine r;
  r.load_ok("10-g.lua", R"(
    counter = 0
    function on_connect(ev)
      counter = counter + 1
    end)");
  const Outcome o = r.run(event(EventKind::connect));
  EXPECT_TRUE(o.failed);
  EXPECT_NE(o.trace[0].decision.find("cannot be set in an event handler"), std::string::npos) << o.trace[0].decision;
}

TEST(Sandbox, LibraryChangesStayInTheirScript) {
  RulesEngine r;
  r.load_ok("10-vandal.lua", R"(
    string.upper = function() return "pwned" end
    table.insert = nil
    function on_connect(ev)
      assert(string.upper("a") == "pwned")
    end)");
  r.load_ok("20-victim.lua", R"(
    function on_connect(ev)
      assert(string.upper("a") == "A", "string library changed by another script")
      assert(("a"):upper() == "A", "string methods changed by another script")
      assert(table.insert ~= nil)
    end)");
  const Outcome o = r.run(event(EventKind::connect));
  EXPECT_FALSE(o.failed) << o.trace.back().decision;
  EXPECT_EQ(o.trace.size(), 2u);
}

TEST(Sandbox, NothingPassesFromOneEventToTheNext) {
  RulesEngine r;
  r.load_ok("10-keep.lua", R"(
    local kept = {}
    local calls = 0
    seen = {}
    function on_connect(ev)
      calls = calls + 1
      if calls > 1 then return reject("5.7.1 an upvalue survived: " .. calls) end
      if ev.client_ip == "192.0.2.1" then kept[1] = ev end       -- read-only: an error
      if ev.client_ip == "192.0.2.2" then seen[ev.client_ip] = true end
      if ev.client_ip == "192.0.2.3" then string.evil = true end
      if ev.client_ip == "192.0.2.4" then table.insert(kept, 1) end
    end)");
  for (int i = 0; i < 3; ++i) {  // the counter starts from its loaded value every time
    const Outcome o = r.run(event(EventKind::connect));
    EXPECT_FALSE(o.failed) << o.trace.back().decision;
    EXPECT_EQ(o.action, Action::none);
  }
  for (const char* ip : {"192.0.2.1", "192.0.2.2", "192.0.2.3", "192.0.2.4"}) {
    EventData e = event(EventKind::connect);
    e.client_ip = ip;
    const Outcome o = r.run(e);
    EXPECT_TRUE(o.failed) << ip;
    EXPECT_NE(o.trace[0].decision.find("read-only table: rules keep no state between events"), std::string::npos)
        << o.trace[0].decision;
  }
}

TEST(Sandbox, SealedTablesStillReadAsBefore) {
  RulesEngine r;
  r.load_ok("10-read.lua", R"(
    local Counter = {}
    Counter.__index = Counter
    function Counter.new() return setmetatable({ n = 0 }, Counter) end
    function Counter:inc() self.n = self.n + 1 return self.n end
    local Base = { greet = function() return "hi" end }
    local Derived = setmetatable({}, { __index = Base })
    local list = { "a", "b", "c" }
    local map = { x = { y = 1 }, z = 2 }
    function on_mail(ev)
      local c = Counter.new()
      c:inc()
      assert(c:inc() == 2, "class instances made during the call are the call's own")
      assert(Derived.greet() == "hi", "inheritance through the old metatable")
      assert(#list == 3 and list[2] == "b", "length and index")
      local n = 0
      for i, v in ipairs(list) do n = n + 1 end
      assert(n == 3, "ipairs")
      local keys = {}
      for k in pairs(map) do keys[#keys + 1] = k end
      table.sort(keys)
      assert(table.concat(keys, ",") == "x,z", "pairs")
      assert(map.x.y == 1, "nested")
      assert(table.concat(list, ",") == "a,b,c", "table.concat")
      assert(select("#", table.unpack(list)) == 3, "table.unpack")
      assert(not pcall(function() map.x.y = 2 end), "nested tables are sealed too")
      assert(getmetatable(list) == false, "the seal is not handed out")
      local _, state = pairs(list)
      assert(state == list, "pairs does not hand out the hidden contents")
      assert(getmetatable(Derived).__index == Base, "getmetatable answers the old metatable")
    end)");
  const Outcome o = r.run(event(EventKind::mail));
  EXPECT_FALSE(o.failed) << o.trace.back().decision;
}

TEST(Sandbox, BinaryChunksAndBadFilesAreRejectedAtLoad) {
  RulesEngine r;
  r.folder.write("10-binary.lua", std::string("\x1bLua\x54\x00", 6) + "garbage");
  r.folder.write("20-syntax.lua", "function on_connect(ev)\n  if then\nend\n");
  r.folder.write("30-unknown.lua", "function on_recpt(ev) end\n");
  r.folder.write("40-notfn.lua", "on_mail = 42\n");
  r.folder.write("50-toplevel.lua", "local x = nil\nx.y = 1\n");
  r.folder.write("README.txt", "not a script");
  r.folder.write(".hidden.lua", "this is not lua");
  const LoadReport rep = r.load();
  EXPECT_EQ(rep.rules, nullptr);
  ASSERT_EQ(rep.errors.size(), 5u);
  EXPECT_NE(rep.errors[0].find("10-binary.lua"), std::string::npos);
  EXPECT_NE(rep.errors[1].find("20-syntax.lua:2:"), std::string::npos) << rep.errors[1];
  EXPECT_NE(rep.errors[2].find("unknown handler on_recpt"), std::string::npos) << rep.errors[2];
  EXPECT_NE(rep.errors[3].find("on_mail must be a function"), std::string::npos) << rep.errors[3];
  EXPECT_NE(rep.errors[4].find("50-toplevel.lua:2:"), std::string::npos) << rep.errors[4];
}

}  // namespace
}  // namespace portcullis::hooks::testing
