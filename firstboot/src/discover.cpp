// Finding unattended answers at boot (see discover.hpp).
#include "discover.hpp"

#include <sys/mount.h>
#include <unistd.h>

#include <cstdlib>

#include "core/text.hpp"
#include "sources/answers_file.hpp"
#include "sources/cmdline.hpp"
#include "sources/kvp.hpp"
#include "sources/ovf_env.hpp"

namespace portcullis::firstboot {
namespace {

constexpr const char* seed_label = "PORTCULLIS";

Found from_file(const std::filesystem::path& file, const std::string& source) {
  const auto text = core::read_file(file);
  if (!text) throw SourceError(source + ": cannot read " + file.string());
  auto answers = parse_answers_toml(*text, file.string());
  ValidationContext ctx;
  ctx.base_dir = file.parent_path();
  try {
    answers = inline_files(std::move(answers), ctx);
  } catch (const std::invalid_argument& e) {
    throw SourceError(source + ": " + e.what());
  }
  return {std::move(answers), source};
}

// The seed disk mounted read-only for the lifetime of this object.
class SeedMount {
 public:
  SeedMount(const Target& t, const std::string& device) {
    char tmpl[] = "/run/portcullis-seed.XXXXXX";
    if (!::mkdtemp(tmpl)) throw SourceError("cannot create a mount point for the seed disk");
    dir_ = tmpl;
    try {
      t.run({"/usr/bin/mount", "-o", "ro,nosuid,nodev,noexec", device, dir_.string()});
    } catch (const std::exception& e) {
      std::filesystem::remove(dir_);
      throw SourceError(std::string("cannot mount the seed disk: ") + e.what());
    }
  }
  ~SeedMount() {
    ::umount2(dir_.c_str(), MNT_DETACH);
    std::error_code ec;
    std::filesystem::remove(dir_, ec);
  }
  SeedMount(const SeedMount&) = delete;
  SeedMount& operator=(const SeedMount&) = delete;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

std::optional<std::string> seed_device(const Target& t) {
  if (!std::filesystem::exists("/usr/sbin/blkid")) return std::nullopt;
  try {
    std::string dev = t.run({"/usr/sbin/blkid", "-L", seed_label});
    while (!dev.empty() && (dev.back() == '\n' || dev.back() == ' ')) dev.pop_back();
    if (dev.starts_with("/dev/") && dev.find('\n') == std::string::npos) return dev;
  } catch (const std::exception&) {  // blkid exits 2 when no such label exists
  }
  return std::nullopt;
}

std::optional<std::string> vmware_ovf_env(const Target& t) {
  if (!std::filesystem::exists("/usr/bin/vmware-rpctool")) return std::nullopt;
  try {
    std::string xml = t.run({"/usr/bin/vmware-rpctool", "info-get guestinfo.ovfEnv"});
    if (xml.find("Environment") != std::string::npos) return xml;
  } catch (const std::exception&) {  // not on VMware, or no OVF environment
  }
  return std::nullopt;
}

}  // namespace

std::optional<Found> discover(const Target& target, const DiscoverOptions& o) {
  // 1. kernel command line
  if (const auto cmdline = core::read_file(o.cmdline)) {
    if (const auto value = cmdline_answers(*cmdline)) {
      const auto ref = decode_answers_ref(*value);
      if (ref.kind == AnswersRef::inline_toml)
        return Found{parse_answers_toml(ref.text, "portcullis.answers="), "kernel command line (inline)"};
      return from_file(target.path(ref.text), "kernel command line (" + ref.text + ")");
    }
  }
  // 2. seed disk
  if (o.seed_dir) return from_file(*o.seed_dir / "answers.toml", "seed folder " + o.seed_dir->string());
  if (o.probe_system && target.live()) {
    if (const auto dev = seed_device(target)) {
      SeedMount mount(target, *dev);
      return from_file(mount.dir() / "answers.toml", "seed disk " + *dev);
    }
  }
  // 3. VMware OVF properties
  std::optional<std::string> xml;
  if (o.ovf_env) {
    xml = core::read_file(*o.ovf_env);
    if (!xml) throw SourceError("cannot read " + o.ovf_env->string());
  } else if (o.probe_system && target.live()) {
    xml = vmware_ovf_env(target);
  }
  if (xml) {
    auto answers = parse_ovf_env(*xml);
    if (!answers.empty()) return Found{std::move(answers), "OVF properties"};
  }
  // 4. Hyper-V KVP
  const std::filesystem::path kvp = o.kvp_pool.value_or("/var/lib/hyperv/.kvp_pool_0");
  if (o.kvp_pool || (o.probe_system && target.live())) {
    if (const auto bytes = core::read_file(kvp)) {
      auto answers = parse_kvp_pool(*bytes);
      if (!answers.empty()) return Found{std::move(answers), "Hyper-V KVP"};
    } else if (o.kvp_pool) {
      throw SourceError("cannot read " + kvp.string());
    }
  }
  return std::nullopt;
}

}  // namespace portcullis::firstboot
