// `check`, and the first step of `apply`: everything that can be known before anything
// changes. The signature comes first and alone (nothing in an unverified bundle is looked
// at); then every other check runs and all failures are reported together.
//   signature   manifest.toml signed by a trusted release key, every payload file's SHA-256
//   version     the installed release is one the bundle upgrades from; the bundle is newer
//   debian      the package is built for the Debian release this appliance runs
//   package     apt would install it here (architecture, dependencies: apt-get --simulate)
//   rollback    the installed release's .deb is kept, so it can be put back
//   database    reachable, and its schema not newer than the bundle's
//   disk        room for the extracted bundle, the backup and the new package
//   queue       how many messages wait (they stay queued across the upgrade)
//   state       no earlier run left unfinished
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "bundle/manifest.hpp"
#include "context.hpp"

namespace portcullis::upgrade {

struct PreflightOptions {
  // The Debian release the bundle's package must be built for ("13"); empty: the running one.
  // portcullis-dist-upgrade sets it, and then the same version number is accepted (the
  // release rebuilt for the next Debian).
  std::string for_debian;
};

struct Preflight {
  Manifest manifest;
  std::string installed;                     // version
  int schema = 0;                            // the database's schema version now
  std::optional<std::filesystem::path> kept; // the installed release's .deb
  std::filesystem::path package;             // the bundle's .deb, extracted
  std::filesystem::path extracted;           // folder of the extracted payload
  std::size_t queued = 0;
  std::vector<std::string> problems;         // empty: go
};

// Verifies and extracts the bundle into `extract_to` (must not exist or be empty), then runs
// the checks. Throws Refused for a bundle that does not verify; other problems are listed.
Preflight preflight(Context& ctx, const std::filesystem::path& bundle, const std::filesystem::path& extract_to,
                    const PreflightOptions& options = {});

// The running Debian release's major number ("12"), from /etc/debian_version.
std::string running_debian();

// The number in "N message(s)" of `portcullis queue list`.
std::size_t queued_messages(const Layout& layout);

}  // namespace portcullis::upgrade
