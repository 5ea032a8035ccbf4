#include "store/schema.hpp"

#include <string>

#include "store/migrations.hpp"

namespace portcullis::store {

void prepare_schema(Store& s, MigratePolicy policy) {
  const int have = s.schema_version();
  const int know = s.latest_schema_version();
  if (have > know) throw StoreError(newer_schema_message(have, know) + ": refusing to use it");
  if (have == know) return;
  if (have > 0 && policy == MigratePolicy::fresh_only)
    throw StoreError("database schema version " + std::to_string(have) + " is older than this build (" +
                     std::to_string(know) + "): run 'portcullis db migrate' (or start portcullisd with --migrate)");
  s.migrate();
}

}  // namespace portcullis::store
