// The key/value entries of the Lua rules (Store::kv_*), against every backend.
#include <gtest/gtest.h>

#include <thread>

#include "store_fixture.hpp"

namespace portcullis::store::testing {
namespace {

template <typename Factory>
using KvTest = StoreTest<Factory>;
TYPED_TEST_SUITE(KvTest, Backends, BackendNames);

constexpr int64_t kNow = 1'800'000'000;

TYPED_TEST(KvTest, SetGetOverwriteDelete) {
  auto& s = *this->store;
  EXPECT_FALSE(s.kv_get("lua:a", kNow).has_value());
  s.kv_set("lua:a", "one", 0, kNow);
  EXPECT_EQ(s.kv_get("lua:a", kNow), "one");
  s.kv_set("lua:a", "two", 0, kNow);
  EXPECT_EQ(s.kv_get("lua:a", kNow), "two");
  s.kv_set("lua:b", "", 0, kNow);  // an empty value is a value
  EXPECT_EQ(s.kv_get("lua:b", kNow), "");
  EXPECT_TRUE(s.kv_delete("lua:a"));
  EXPECT_FALSE(s.kv_delete("lua:a"));
  EXPECT_FALSE(s.kv_get("lua:a", kNow).has_value());
}

TYPED_TEST(KvTest, KeysAreExactAndValuesBinarySafe) {
  auto& s = *this->store;
  s.kv_set("A", "upper", 0, kNow);
  s.kv_set("a", "lower", 0, kNow);
  EXPECT_EQ(s.kv_get("A", kNow), "upper");
  EXPECT_EQ(s.kv_get("a", kNow), "lower");
  const std::string utf8 = "Gr\xc3\xbc\xc3\x9f" "e \xe2\x9c\x93";
  s.kv_set("k", utf8, 0, kNow);
  EXPECT_EQ(s.kv_get("k", kNow), utf8);
}

TYPED_TEST(KvTest, Expiry) {
  auto& s = *this->store;
  s.kv_set("soon", "x", kNow + 10, kNow);
  s.kv_set("never", "y", 0, kNow);
  EXPECT_EQ(s.kv_get("soon", kNow + 9), "x");
  EXPECT_FALSE(s.kv_get("soon", kNow + 10).has_value());  // expires <= now: gone
  EXPECT_EQ(s.kv_get("never", kNow + 100000), "y");
  s.kv_set("old", "z", kNow - 1, kNow);
  EXPECT_EQ(s.kv_expire(kNow + 10), 2u);
  EXPECT_EQ(s.kv_expire(kNow + 10), 0u);
  EXPECT_EQ(s.kv_get("never", kNow), "y");
}

TYPED_TEST(KvTest, Increment) {
  auto& s = *this->store;
  EXPECT_EQ(s.kv_incr("n", 1, kNow + 60, kNow), 1);
  EXPECT_EQ(s.kv_incr("n", 5, kNow + 9999, kNow + 1), 6);  // a live entry keeps its expiry
  EXPECT_EQ(s.kv_incr("n", -10, 0, kNow + 2), -4);
  EXPECT_EQ(s.kv_get("n", kNow + 59), "-4");
  EXPECT_FALSE(s.kv_get("n", kNow + 60).has_value());
  // Expired: starts again from 0 with the new expiry.
  EXPECT_EQ(s.kv_incr("n", 3, kNow + 500, kNow + 60), 3);
  EXPECT_EQ(s.kv_get("n", kNow + 499), "3");
  s.kv_set("text", "hello", 0, kNow);
  EXPECT_TRUE(throws_store_error([&] { s.kv_incr("text", 1, 0, kNow); }, "not an integer"));
  EXPECT_EQ(s.kv_get("text", kNow), "hello");  // unchanged
}

TYPED_TEST(KvTest, Limits) {
  auto& s = *this->store;
  EXPECT_TRUE(throws_store_error([&] { s.kv_set("", "x", 0, kNow); }, "keys are 1-255 octets"));
  EXPECT_TRUE(throws_store_error([&] { s.kv_set(std::string(256, 'k'), "x", 0, kNow); }, "keys are 1-255"));
  EXPECT_TRUE(throws_store_error([&] { s.kv_set("k", std::string(64 * 1024 + 1, 'v'), 0, kNow); }, "64 KiB"));
  s.kv_set(std::string(255, 'k'), std::string(64 * 1024, 'v'), 0, kNow);
  EXPECT_EQ(s.kv_get(std::string(255, 'k'), kNow)->size(), 64u * 1024);
}

// Two connections (two gateways) incrementing one key at once never lose an update.
TYPED_TEST(KvTest, ConcurrentIncrementsAreAtomic) {
  auto a = this->factory.open();
  auto b = this->factory.open();
  constexpr int kEach = 200;
  auto work = [](Store* s) {
    for (int i = 0; i < kEach; ++i) s->kv_incr("shared", 1, 0, kNow);
  };
  std::thread t1(work, a.get());
  std::thread t2(work, b.get());
  t1.join();
  t2.join();
  EXPECT_EQ(this->store->kv_get("shared", kNow), std::to_string(2 * kEach));
}

}  // namespace
}  // namespace portcullis::store::testing
