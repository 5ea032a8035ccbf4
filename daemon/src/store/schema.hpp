// When the daemon and the CLI migrate: an empty database (a fresh install) is created at
// once; an older schema only when told (`portcullis db migrate`, `portcullisd --migrate`),
// because several gateways may share one database and an upgrade is an admin's decision;
// a newer schema than this build knows is always refused.
#pragma once
#include "store/store.hpp"

namespace portcullis::store {

enum class MigratePolicy { fresh_only, allowed };

// Throws StoreError with a message telling what to do when the schema cannot be used.
void prepare_schema(Store& s, MigratePolicy policy);

}  // namespace portcullis::store
