// Error helpers shared by the MariaDB backend's files.
#pragma once
#include <string>

#include "store/mariadb/connection.hpp"

namespace portcullis::store::mariadb {

// Runs `fn`, turning a duplicate key into `on_conflict` and any other server error into
// "<what>: <MariaDB's message>". A lost connection or a deadlock passes through unchanged for
// MariadbStore::with() to handle.
template <typename Fn>
auto write(const std::string& what, const std::string& on_conflict, Fn&& fn) {
  try {
    return fn();
  } catch (const MariadbError& e) {
    if (e.connection_lost() || e.deadlock()) throw;
    if (e.duplicate_key()) throw StoreError(on_conflict);
    throw StoreError(what + ": " + e.what());
  }
}

inline void require(bool ok, const std::string& message) {
  if (!ok) throw StoreError(message);
}

}  // namespace portcullis::store::mariadb
