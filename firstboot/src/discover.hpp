// Where unattended answers come from at boot, first found wins:
//   1. the kernel command line: portcullis.answers=base64:<answers.toml> or =/path/to/file
//   2. a seed disk labelled PORTCULLIS (FAT, ISO 9660 or ext4) holding answers.toml (its
//      tls.* files next to it), mounted read-only for the moment of reading
//   3. VMware OVF properties (guestinfo.ovfEnv through open-vm-tools' vmware-rpctool)
//   4. Hyper-V KVP items "portcullis.<section>.<key>" (hv_kvp_daemon's pool 0)
// Tests (and rescue work) point each source at a file instead (the options below).
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "answers.hpp"
#include "target.hpp"

namespace portcullis::firstboot {

struct DiscoverOptions {
  std::filesystem::path cmdline = "/proc/cmdline";
  std::optional<std::filesystem::path> seed_dir;   // instead of looking for the seed disk
  std::optional<std::filesystem::path> ovf_env;    // instead of asking vmware-rpctool
  std::optional<std::filesystem::path> kvp_pool;   // instead of /var/lib/hyperv/.kvp_pool_0
  bool probe_system = true;  // look for the seed disk, VMware and Hyper-V on this machine
};

struct Found {
  AnswerMap answers;  // tls.* files already inlined
  std::string source;  // "kernel command line", "seed disk /dev/sdb", ...
};

// Throws SourceError when a source exists but cannot be read or parsed: a broken seed must
// not be silently skipped in favour of the next source.
std::optional<Found> discover(const Target& target, const DiscoverOptions& options);

}  // namespace portcullis::firstboot
