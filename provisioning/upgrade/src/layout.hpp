// Where the upgrade tool finds the appliance's parts and keeps its own state. The defaults are
// the appliance's; the options of portcullis-upgrade (--config, --state-dir, --bin-dir,
// --keys) move them for tests and for installs laid out differently.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace portcullis::upgrade {

struct Layout {
  std::filesystem::path config = "/etc/portcullis/portcullis.toml";
  std::filesystem::path etc_dir = "/etc/portcullis";      // configuration, rules, certs, keys
  std::filesystem::path bin_dir = "/usr/sbin";            // the installed release's programs
  std::filesystem::path state_dir = "/var/lib/portcullis-upgrade";
  std::filesystem::path log_dir = "/var/log/portcullis-upgrade";
  // Trusted release public keys (*.pub, PEM): the package's, and any the admin adds.
  std::vector<std::filesystem::path> key_dirs = {"/usr/share/portcullis/release-keys",
                                                 "/etc/portcullis/release-keys"};
  std::string service = "portcullisd.service";
  std::string package = "portcullis";

  std::filesystem::path cli() const { return bin_dir / "portcullis"; }
  std::filesystem::path daemon() const { return bin_dir / "portcullisd"; }
  std::filesystem::path backups() const { return state_dir / "backups"; }
  // The .deb of every release installed here, so a rollback can put the old one back.
  std::filesystem::path packages() const { return state_dir / "packages"; }
  std::filesystem::path work() const { return state_dir / "work"; }
  std::filesystem::path lock_file() const { return state_dir / "lock"; }
  std::filesystem::path history_file() const { return state_dir / "history"; }
  // Present while an apply is between its backup and its end: a crash leaves it behind.
  std::filesystem::path marker_file() const { return state_dir / "in-progress"; }
};

}  // namespace portcullis::upgrade
