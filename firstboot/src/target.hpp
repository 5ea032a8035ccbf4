// The tree being set up: "/" on the appliance itself, or a mounted image tree (--root, as
// systemd-firstboot does). Paths in the bootstrap configuration and every file the wizard
// writes are taken inside that tree; users and groups are looked up in its /etc/passwd and
// /etc/group, never in the running system's.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "core/config.hpp"

namespace portcullis::firstboot {

struct Owner {
  uid_t uid = 0;
  gid_t gid = 0;
};

class Target {
 public:
  Target(std::filesystem::path root, core::Config config, std::ostream& log);

  const std::filesystem::path& root() const { return root_; }
  const core::Config& config() const { return config_; }
  bool live() const;  // the running system itself (root "/")

  // An absolute path of the target system -> the path to open from here.
  std::filesystem::path path(const std::filesystem::path& absolute) const;

  // Numeric ids from the tree's /etc/passwd and /etc/group (nullopt: no such name).
  std::optional<uid_t> user_id(const std::string& name) const;
  std::optional<gid_t> group_id(const std::string& name) const;
  // The daemon's user and group (config user/group) if the tree has them, else root.
  Owner service_owner() const;

  // Writes the file atomically (temporary file, fsync, rename, fsync of the folder), with
  // `mode` and `owner`; creates missing parent folders (0755, root).
  void write_file(const std::filesystem::path& absolute, const std::string& text, mode_t mode,
                  Owner owner = {}) const;
  // Creates the folder and its parents if missing; sets mode and owner of the last one.
  void make_dir(const std::filesystem::path& absolute, mode_t mode, Owner owner = {}) const;

  // Runs a program (argv[0] an absolute path on this system) with `input` on its standard
  // input and returns what it printed (standard output and error, at most 64 KiB); throws
  // std::runtime_error with its exit status and output on failure.
  std::string run(const std::vector<std::string>& argv, const std::string& input = {}) const;

  std::ostream& log() const { return log_; }

 private:
  std::filesystem::path root_;
  core::Config config_;
  std::ostream& log_;
};

// Random printable secret of `length` characters from [A-Za-z0-9] (OpenSSL's RAND_bytes).
std::string random_secret(std::size_t length);

}  // namespace portcullis::firstboot
