// The policy tests run against the real SQLite backend, in memory: no hand-written fake
// that could drift from what a store really does.
#pragma once
#include <memory>

#include "store/store.hpp"

namespace portcullis::policy::testing {

// A fresh, migrated store in memory.
inline std::unique_ptr<store::Store> memory_store() {
  auto s = store::open_store("sqlite::memory:");
  s->migrate();
  return s;
}

}  // namespace portcullis::policy::testing
