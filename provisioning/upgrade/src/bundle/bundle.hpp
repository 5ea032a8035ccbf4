// Release bundles: a ustar archive of manifest.toml, manifest.sig (Ed25519 over manifest.toml)
// and the payload files listed in the manifest, in manifest order (docs/upgrade.md).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <istream>
#include <string>
#include <vector>

#include "bundle/manifest.hpp"

namespace portcullis::upgrade {

struct BundleInput {
  std::filesystem::path path;  // the member is named after its file name
  std::string role;            // package, provisioning or migration
  mode_t mode = 0644;          // 0644 or 0755, as recorded in the archive
};

// Writes out (atomically): m's version, from, debian and schema are kept; format, product,
// created and files are filled in here (sizes and SHA-256 of the inputs). Throws BundleError.
void create_bundle(const std::filesystem::path& out, Manifest m, const std::vector<BundleInput>& files,
                   const std::filesystem::path& private_key, const std::string& created);

// Reads a bundle once, front to back: the signature of manifest.toml is checked against the
// trusted keys before the manifest is parsed, then every payload member must be the next file of
// the manifest with its size and SHA-256. With a non-empty extract_to (created 0700 if missing,
// refused if not empty) the payload is written there, mode 0600 (0700 for migrations); on any
// error nothing extracted is left behind. Throws BundleError naming the problem.
Manifest open_bundle(const std::filesystem::path& bundle, const std::vector<std::string>& trusted_public_pems,
                     const std::filesystem::path& extract_to);
// The same over any stream (the fuzzer reads from memory).
Manifest open_bundle(std::istream& bundle, const std::vector<std::string>& trusted_public_pems,
                     const std::filesystem::path& extract_to);

}  // namespace portcullis::upgrade
