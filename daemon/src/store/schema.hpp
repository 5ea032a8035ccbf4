// When the daemon and the CLI migrate: an empty database (a fresh install) is created at
// once; an older schema only when told (`portcullis db migrate`, `portcullisd --migrate`),
// because several gateways may share one database and an upgrade is an admin's decision;
// a newer schema than this build knows is always refused.
#pragma once
#include "store/store.hpp"

namespace portcullis::store {

enum class MigratePolicy { fresh_only, allowed };

// The migrations that brought tables the daemon reads or writes: a build that knows less
// (latest_schema_version(); the boot test's "previous release" is built with
// PORTCULLIS_SCHEMA_LIMIT) must not touch them.
inline constexpr int kSchemaDkim = 6;  // dkim_keys, dmarc_rows
inline constexpr int kSchemaSpam = 7;  // spam policies, DNSBL zones, the quarantine index

// Throws StoreError with a message telling what to do when the schema cannot be used.
void prepare_schema(Store& s, MigratePolicy policy);

}  // namespace portcullis::store
