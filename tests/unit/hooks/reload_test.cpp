// Hot reload: a valid folder replaces the running set; a broken file leaves it running.
#include <gtest/gtest.h>

#include <thread>

#include "rules_fixture.hpp"

namespace portcullis::hooks::testing {
namespace {

TEST(RulesReload, BrokenFileKeepsTheOldSet) {
  RulesEngine r;
  r.load_ok("10-a.lua", "function on_mail(ev) return reject('5.7.1 version one') end\n");
  EXPECT_EQ(r.run(event(EventKind::mail)).reply, "550 5.7.1 version one");
  EXPECT_FALSE(r.engine->changed());

  r.folder.write("10-a.lua", "function on_mail(ev) return reject('5.7.1 version two'\n");  // syntax error
  EXPECT_TRUE(r.engine->changed());
  const LoadReport bad = r.load();
  EXPECT_EQ(bad.rules, nullptr);
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].find("10-a.lua:"), std::string::npos);
  EXPECT_FALSE(r.engine->changed());  // what was read is remembered: no retry loop
  EXPECT_EQ(r.run(event(EventKind::mail)).reply, "550 5.7.1 version one");

  r.folder.write("10-a.lua", "function on_mail(ev) return reject('5.7.1 version three') end\n");
  ASSERT_TRUE(r.load().rules);
  EXPECT_EQ(r.run(event(EventKind::mail)).reply, "550 5.7.1 version three");
}

TEST(RulesReload, AddingAndRemovingScripts) {
  RulesEngine r;
  ASSERT_TRUE(r.load().rules);
  EXPECT_EQ(r.engine->script_count(), 0u);
  EXPECT_FALSE(r.engine->handles(EventKind::connect));
  r.load_ok("20-b.lua", "function on_connect(ev) return tempfail('busy') end\n");
  EXPECT_TRUE(r.engine->handles(EventKind::connect));
  EXPECT_EQ(r.run(event(EventKind::connect)).action, Action::tempfail);
  r.folder.remove("20-b.lua");
  EXPECT_TRUE(r.engine->changed());
  ASSERT_TRUE(r.load().rules);
  EXPECT_EQ(r.engine->script_count(), 0u);
  EXPECT_EQ(r.run(event(EventKind::connect)).action, Action::none);
}

TEST(RulesReload, ScriptsRunInFileNameOrder) {
  RulesEngine r;
  r.folder.write("20-second.lua", "function on_mail(ev) ev:add_symbol('SECOND') end\n");
  r.folder.write("10-first.lua", "function on_mail(ev) ev:add_symbol('FIRST') end\n");
  ASSERT_TRUE(r.load().rules);
  const Outcome o = r.run(event(EventKind::mail));
  ASSERT_EQ(o.symbols.size(), 2u);
  EXPECT_EQ(o.symbols[0].name, "FIRST");
  EXPECT_EQ(o.symbols[1].name, "SECOND");
}

TEST(RulesReload, MissingFolderIsAnError) {
  EngineOptions o;
  o.rules_dir = "/nonexistent/portcullis/rules.d";
  o.workers = 0;
  Engine e(o);
  const LoadReport rep = e.reload();
  EXPECT_EQ(rep.rules, nullptr);
  EXPECT_NE(rep.errors.at(0).find("not a folder"), std::string::npos);
}

}  // namespace
}  // namespace portcullis::hooks::testing
