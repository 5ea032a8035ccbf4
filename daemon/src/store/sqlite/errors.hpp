// Error helpers shared by the SQLite backend's files.
#pragma once
#include <string>

#include "store/sqlite/db.hpp"

namespace portcullis::store::sqlite {

// Runs `fn`, turning a constraint violation into `on_conflict` and any other error into
// "<what>: <SQLite's message>".
template <typename Fn>
void write(const std::string& what, const std::string& on_conflict, Fn&& fn) {
  try {
    fn();
  } catch (const SqliteError& e) {
    if (e.is_duplicate_key()) throw StoreError(on_conflict);
    throw StoreError(what + ": " + e.what());
  }
}

inline void require(bool ok, const std::string& message) {
  if (!ok) throw StoreError(message);
}

}  // namespace portcullis::store::sqlite
