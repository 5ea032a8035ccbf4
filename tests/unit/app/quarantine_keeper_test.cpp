// app/quarantine_keeper: the housekeeping round's greylist expiry (the quarantine's expiry and
// digests are shown end to end in tests/integration/test_spam.py).
#include <gtest/gtest.h>

#include <ctime>
#include <filesystem>

#include "../reputation/temp_store.hpp"
#include "app/quarantine_keeper.hpp"

namespace portcullis::app {
namespace {

TEST(QuarantineKeeper, RoundExpiresStaleGreylistTriplets) {
  testing::TempStore ts;
  const std::filesystem::path spool_dir = std::filesystem::path(ts.uri().substr(7)).parent_path() / "spool";
  queue::Spool spool(spool_dir);
  QuarantineKeeper::Options o;
  o.gateway = "mx.test";
  o.interval = std::chrono::hours(1);  // the keeper's own thread stays asleep
  QuarantineKeeper keeper([&ts] { return ts.other(); }, spool, [](const std::string&) {}, o);

  const int64_t now = std::time(nullptr);
  const int64_t day = 86400;
  store::Store& s = ts.store();
  s.greylist_put({"192.0.2.0/24", "never-retried@a.test", "u@x.test", now - 2 * day, now - 2 * day, 0});
  s.greylist_put({"192.0.2.0/24", "new@a.test", "u@x.test", now - 600, now - 600, 0});
  s.greylist_put({"192.0.2.0/24", "long-unused@a.test", "u@x.test", now - 90 * day, now - 40 * day, 3});
  s.greylist_put({"192.0.2.0/24", "in-use@a.test", "u@x.test", now - 90 * day, now - day, 7});
  keeper.round(s, now);
  EXPECT_FALSE(s.greylist_get("192.0.2.0/24", "never-retried@a.test", "u@x.test"));
  EXPECT_TRUE(s.greylist_get("192.0.2.0/24", "new@a.test", "u@x.test"));
  EXPECT_FALSE(s.greylist_get("192.0.2.0/24", "long-unused@a.test", "u@x.test"));
  EXPECT_TRUE(s.greylist_get("192.0.2.0/24", "in-use@a.test", "u@x.test"));
}

}  // namespace
}  // namespace portcullis::app
