#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "core/ids.hpp"
#include "core/log.hpp"

using namespace portcullis;

TEST(QueueId, FormatAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto id = core::new_queue_id();
    ASSERT_TRUE(core::valid_queue_id(id)) << id;
    ASSERT_TRUE(seen.insert(id).second) << "duplicate " << id;
  }
}

TEST(QueueId, SortsByTime) {
  auto a = core::new_queue_id();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  auto b = core::new_queue_id();
  EXPECT_LT(a, b);
}

TEST(QueueId, RejectsOtherNames) {
  EXPECT_FALSE(core::valid_queue_id(""));
  EXPECT_FALSE(core::valid_queue_id("../../etc/passwd"));
  EXPECT_FALSE(core::valid_queue_id("0123456789ABCDEI"));  // I is not in the alphabet
  EXPECT_FALSE(core::valid_queue_id("0123456789ABCDE"));
  EXPECT_FALSE(core::valid_queue_id("0123456789ABCDEF.state"));
  EXPECT_TRUE(core::valid_queue_id("0123456789ABCDEF"));
}

TEST(Log, FormatsKeyValueAndQuotes) {
  auto line = log::format(log::Level::info, "queued", {{"queue_id", "ABC"}, {"from", "a b"}, {"x", "q\"\n"}});
  EXPECT_NE(line.find(" info queued queue_id=ABC from=\"a b\" x=\"q\\\"\\x0a\"\n"), std::string::npos) << line;
  EXPECT_NE(log::format(log::Level::warn, "e", {{"empty", ""}}).find("empty=\"\""), std::string::npos);
}
