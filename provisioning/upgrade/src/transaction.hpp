// The upgrade as one transaction (`apply`), and the way back (`rollback`, `restore`):
//
//   apply:  preflight -> backup -> [marker] -> quiesce (stop: sessions finish, the queue
//           stays; a 421 responder takes the ports) -> install the package -> schema
//           migrations (the new release's `portcullis db migrate`) -> the bundle's
//           configuration migrations -> start (READY) -> health check -> [marker removed]
//   any failure after the backup: put the set back (old package, database, /etc/portcullis),
//           start the old release, health-check it, and say why the upgrade failed.
//
// The marker file (Layout::marker_file) exists from the backup to the end, so a run that
// died (power, kill -9) is noticed: `check`/`apply` refuse, `rollback` finishes it.
#pragma once
#include <filesystem>
#include <string>

#include "backup.hpp"
#include "context.hpp"

namespace portcullis::upgrade {

// Exit status of apply/rollback/restore.
enum class Outcome { done = 0, rolled_back = 1, refused = 2, broken = 3 };

struct ApplyOptions {
  std::string for_debian;  // see PreflightOptions
  // false: the caller (portcullis-dist-upgrade) has stopped the gateway and covers its ports
  // (`quiesce`); apply neither stops nor starts it, and leaves it stopped (also after a
  // rollback of its own part: package, database, configuration).
  bool quiesce = true;
};

Outcome apply(Context& ctx, const std::filesystem::path& bundle, const ApplyOptions& options = {});

// Puts a backup set back: stops the gateway (421 meanwhile), installs the set's package if
// another release is installed, restores the database and /etc/portcullis, starts it, checks
// it. Throws if any of that fails.
void restore_set(Context& ctx, const BackupSet& set, const std::string& why, bool start_after = true);

// `rollback`: finishes an interrupted apply from its backup, or (with `confirmed`) goes back
// to the release before the last upgrade from that upgrade's backup.
Outcome rollback(Context& ctx, bool confirmed);

}  // namespace portcullis::upgrade
