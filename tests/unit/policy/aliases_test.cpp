#include "policy/aliases.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policy_fixture.hpp"

namespace portcullis::policy {
namespace {

using S = Expansion::Status;
using Strings = std::vector<std::string>;

TEST(Aliases, NotAliasedIsItself) {
  const Snapshot s = testing::make_policy();
  const auto e = expand_aliases(s, "Someone@OURS.example");
  EXPECT_EQ(e.status, S::ok);
  EXPECT_FALSE(e.aliased);
  EXPECT_EQ(e.finals, Strings{"Someone@ours.example"});
}

TEST(Aliases, ForeignAddressesAreNeverExpanded) {
  Snapshot s = testing::make_policy();
  s.aliases["user@partner.example"] = {"thief@evil.example"};  // stale entry for a domain not ours
  const auto e = expand_aliases(s, "user@partner.example");
  EXPECT_EQ(e.status, S::ok);
  EXPECT_FALSE(e.aliased);
  EXPECT_EQ(e.finals, Strings{"user@partner.example"});
}

TEST(Aliases, KeyAndAddressDiffer) {
  const Snapshot s = testing::make_policy();
  const auto e = expand_aliases(s, "info@ours.example", "\"INFO\"@ours.example");
  EXPECT_TRUE(e.aliased);
  EXPECT_EQ(e.finals, Strings{"Boss@partner.example"});
}

TEST(Aliases, ExactBeatsCatchAll) {
  Snapshot s = testing::make_policy();
  s.aliases["sales@catch.example"] = {"sales-team@partner.example"};
  EXPECT_EQ(expand_aliases(s, "sales@catch.example").finals, Strings{"sales-team@partner.example"});
  EXPECT_EQ(expand_aliases(s, "other@catch.example").finals, Strings{"admin@catch.example"});
}

TEST(Aliases, CatchAllAppliesToTargetsToo) {
  Snapshot s = testing::make_policy();
  s.aliases["group@ours.example"] = {"nobody@catch.example", "listed@catch.example"};
  const auto e = expand_aliases(s, "group@ours.example");
  EXPECT_EQ(e.status, S::ok);
  EXPECT_EQ(e.finals, (Strings{"admin@catch.example", "listed@catch.example"}));
}

TEST(Aliases, CatchAllToAnotherOfOurCatchAllsIsNotALoop) {
  Snapshot s;
  s.domains["a.example"] = {"a.example", "h", 25, store::RecipientMode::all};
  s.domains["b.example"] = {"b.example", "h", 25, store::RecipientMode::all};
  s.aliases["@a.example"] = {"inbox@b.example"};
  s.aliases["@b.example"] = {"inbox@b.example"};
  const auto e = expand_aliases(s, "x@a.example");
  EXPECT_EQ(e.status, S::ok);
  EXPECT_EQ(e.finals, Strings{"inbox@b.example"});
}

TEST(Aliases, CatchAllPingPongIsALoop) {
  Snapshot s;
  s.domains["a.example"] = {"a.example", "h", 25, store::RecipientMode::all};
  s.domains["b.example"] = {"b.example", "h", 25, store::RecipientMode::all};
  s.aliases["@a.example"] = {"x@b.example"};
  s.aliases["@b.example"] = {"x@a.example"};
  const auto e = expand_aliases(s, "x@a.example");
  EXPECT_EQ(e.status, S::loop);
  EXPECT_TRUE(e.finals.empty());
  EXPECT_EQ(e.problem, "x@a.example");
}

TEST(Aliases, SelfLoopThroughLongerCycle) {
  Snapshot s;
  s.domains["a.example"] = {"a.example", "h", 25, store::RecipientMode::all};
  s.aliases["a@a.example"] = {"b@a.example"};
  s.aliases["b@a.example"] = {"c@a.example", "ok@elsewhere.example"};
  s.aliases["c@a.example"] = {"B@A.EXAMPLE"};
  const auto e = expand_aliases(s, "a@a.example");
  EXPECT_EQ(e.status, S::loop);
  EXPECT_EQ(e.problem, "b@a.example");
}

TEST(Aliases, DepthLimitIsEightHops) {
  const Snapshot s = testing::make_policy();
  EXPECT_EQ(expand_aliases(s, "c0@ours.example").status, S::ok);
  EXPECT_EQ(expand_aliases(s, "d1@ours.example").status, S::ok);  // d1..d9: 8 hops
  const auto e = expand_aliases(s, "d0@ours.example");
  EXPECT_EQ(e.status, S::too_deep);
  EXPECT_TRUE(e.finals.empty());
}

TEST(Aliases, WideFanOutIsLinear) {
  // 8 levels of 20 targets each, all pointing at the next level: a naive expansion would walk
  // 20^8 paths; memoised it is 160 lookups.
  Snapshot s;
  s.domains["w.example"] = {"w.example", "h", 25, store::RecipientMode::all};
  for (int level = 0; level < 8; ++level)
    for (int i = 0; i < 20; ++i) {
      auto& targets = s.aliases["l" + std::to_string(level) + "n" + std::to_string(i) + "@w.example"];
      for (int j = 0; j < 20; ++j)
        targets.push_back("l" + std::to_string(level + 1) + "n" + std::to_string(j) + "@w.example");
    }
  const auto e = expand_aliases(s, "l0n0@w.example");
  EXPECT_EQ(e.status, S::ok);
  EXPECT_EQ(e.finals.size(), 20u);
}

TEST(Aliases, MalformedTargets) {
  Snapshot s = testing::make_policy();
  for (const char* target : {"", "@", "user@", "@ours.example", "no-at-sign", "a@b@ours.example"}) {
    s.aliases["t@ours.example"] = {"fine@partner.example", target};
    const auto e = expand_aliases(s, "t@ours.example");
    EXPECT_EQ(e.status, S::bad_target) << target;
    EXPECT_TRUE(e.finals.empty()) << target;
  }
}

}  // namespace
}  // namespace portcullis::policy
