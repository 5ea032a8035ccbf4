// manifest.toml, the signed table of contents of a release bundle (docs/upgrade.md):
//
//   format = 1
//   product = "portcullis"
//   version = "0.2.0"
//   from = ["0.1.*", "0.1.0"]
//   debian = "12"             # the Debian major release the package is built for
//   schema = 5
//   created = "2026-11-23T20:00:00Z"
//   [[file]]
//   name = "portcullis_0.2.0_amd64.deb"
//   role = "package"          # package (exactly one, .deb), provisioning (at most one, .tar), migration
//   size = 12345
//   sha256 = "64 lowercase hex digits"
//
// Unknown keys are errors. Every error is a BundleError naming the field
// ("manifest: file[2].sha256: not 64 lowercase hex digits").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bundle/error.hpp"

namespace portcullis::upgrade {

inline constexpr std::size_t max_manifest_size = 64 * 1024;
inline constexpr std::uint64_t max_bundle_size = 2ULL << 30;  // bounds the payload and the archive
inline constexpr int manifest_format = 1;

struct BundleFile {
  std::string name;
  std::string role;  // "package", "provisioning" or "migration"
  std::uint64_t size = 0;
  std::string sha256;  // lowercase hex
  bool operator==(const BundleFile&) const = default;
};

struct Manifest {
  int format = manifest_format;
  std::string product = "portcullis";
  std::string version;
  std::vector<std::string> from;
  std::string debian;  // "12"
  int schema = 0;
  std::string created;
  std::vector<BundleFile> files;  // in bundle order

  // The one file of role "package" (throws BundleError if the manifest has none).
  const BundleFile& package() const;
  std::vector<const BundleFile*> by_role(std::string_view role) const;
  bool operator==(const Manifest&) const = default;
};

Manifest parse_manifest(std::string_view text);
// Deterministic text (fixed key order, no escapes needed: validate() allows only safe characters
// in every string), which parse_manifest reads back to an equal Manifest.
std::string serialize_manifest(const Manifest& m);
void validate(const Manifest& m);

// The member-name rule shared by the manifest and the tar reader of bundles: 1-100 characters of
// [A-Za-z0-9._+-], not starting with '.' (so never "", ".", ".." or a hidden file), no '/'.
bool plain_file_name(std::string_view name);
// "YYYY-MM-DDTHH:MM:SSZ" to seconds since the epoch; nullopt if not exactly that shape or not a
// real time (year 1970-9999).
std::optional<std::int64_t> parse_utc_timestamp(std::string_view text);

}  // namespace portcullis::upgrade
