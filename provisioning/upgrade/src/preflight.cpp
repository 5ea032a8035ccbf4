#include "preflight.hpp"

#include <sys/statvfs.h>

#include <sstream>

#include "bundle/bundle.hpp"
#include "bundle/error.hpp"
#include "bundle/signature.hpp"
#include "bundle/version.hpp"
#include "command.hpp"
#include "core/text.hpp"
#include "health.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;

std::uintmax_t free_bytes(const fs::path& p) {
  struct statvfs s {};
  fs::path at = p;
  while (!at.empty() && !fs::exists(at)) at = at.parent_path();
  if (::statvfs(at.empty() ? "/" : at.c_str(), &s) != 0) return 0;
  return static_cast<std::uintmax_t>(s.f_bavail) * s.f_frsize;
}

std::uintmax_t tree_size(const fs::path& p) {
  std::uintmax_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) n += it->file_size(ec);
  return n;
}

std::string mib(std::uintmax_t n) { return std::to_string((n + (1 << 20) - 1) >> 20) + " MiB"; }

}  // namespace

std::size_t queued_messages(const Layout& layout) {
  const std::string out = run_checked(cli_argv(layout, {"queue", "list"}), within(120));
  std::istringstream in(out);
  std::string last;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) last = line;
  std::size_t n = 0;
  std::istringstream(last) >> n;
  return n;
}

std::string running_debian() {
  const auto text = core::read_file("/etc/debian_version");
  if (!text) return "unknown";
  const std::string v = core::first_line(*text);
  return v.substr(0, v.find('.'));
}

Preflight preflight(Context& ctx, const fs::path& bundle, const fs::path& extract_to, const PreflightOptions& options) {
  auto& j = ctx.journal;
  Preflight p;
  const auto keys = trusted_keys(ctx.layout);
  if (keys.empty()) throw Refused("no trusted release key (*.pub) in " + ctx.layout.key_dirs.front().string());
  try {
    p.manifest = open_bundle(bundle, keys, extract_to);
  } catch (const BundleError& e) {
    throw Refused(std::string("the bundle is refused: ") + e.what());
  }
  p.extracted = extract_to;
  p.package = extract_to / p.manifest.package().name;
  std::vector<std::string> ids;
  for (const auto& k : keys) ids.push_back(key_id(k));
  j.info("signature: good (a trusted release key: " + core::join(ids, ", ") + "); " +
         std::to_string(p.manifest.files.size()) + " file(s) match their SHA-256");

  auto problem = [&](const std::string& what) {
    p.problems.push_back(what);
    j.info("PROBLEM " + what);
  };

  // The version path.
  try {
    p.installed = ctx.system.installed_version();
    const auto have = parse_version(p.installed);
    const auto want = parse_version(p.manifest.version);
    if (!have) {
      problem("version: the installed release reports an unknown version '" + p.installed + "'");
    } else if (compare(*want, *have) < 0 || (compare(*want, *have) == 0 && options.for_debian.empty())) {
      problem("version: this appliance runs " + p.installed + "; the bundle's " + p.manifest.version +
              (compare(*want, *have) == 0 ? " is already installed" : " is older (use 'portcullis-upgrade rollback' to go back)"));
    } else {
      bool from_ok = false;
      for (const auto& pattern : p.manifest.from) from_ok = from_ok || matches(pattern, *have);
      if (!from_ok)
        problem("version: the bundle upgrades from " + core::join(p.manifest.from, ", ") + ", not from " + p.installed +
                " (install the releases in between first)");
      else
        j.info("version: " + p.installed + " -> " + p.manifest.version);
    }
  } catch (const std::exception& e) {
    problem(std::string("version: cannot tell the installed release: ") + e.what());
  }

  // The Debian release the package is built for.
  const std::string debian = options.for_debian.empty() ? running_debian() : options.for_debian;
  if (p.manifest.debian != debian)
    problem("debian: the bundle's package is built for Debian " + p.manifest.debian + ", this appliance " +
            (options.for_debian.empty() ? "runs Debian " : "is going to Debian ") + debian);
  else
    j.info("debian: the package is built for Debian " + debian);

  // The package and the way back.
  if (debian != running_debian())
    j.info("package: built for Debian " + debian + "; apt can only check it once this system runs that release");
  else if (const auto why = ctx.system.package_problems(p.package); !why.empty())
    problem("package: apt would not install " + p.package.filename().string() + ": " + why);
  else
    j.info("package: " + p.package.filename().string() + " installable (apt-get --simulate)");
  if (!p.installed.empty()) {
    p.kept = ctx.system.kept_package(p.installed);
    if (!p.kept)
      problem("rollback: no copy of the installed release's package in " + ctx.layout.packages().string() +
              " (portcullis_" + p.installed + "_amd64.deb): without it a failed upgrade could not be undone");
    else
      j.info("rollback: " + p.kept->filename().string() + " kept");
  }

  // The database.
  try {
    const auto status = db_status(ctx.layout);
    p.schema = std::stoi(status.at("schema-version"));
    if (p.schema > p.manifest.schema)
      problem("database: schema version " + std::to_string(p.schema) + " is newer than the bundle's " +
              std::to_string(p.manifest.schema));
    else
      j.info("database: reachable (" + status.at("store") + "), schema " + std::to_string(p.schema) + " -> " +
             std::to_string(p.manifest.schema));
  } catch (const std::exception& e) {
    problem(std::string("database: not reachable: ") + e.what());
  }

  // Room: the backup (database, configuration, package) and the unpacked package.
  {
    std::uintmax_t db = 0;
    if (ctx.config.store.starts_with("sqlite:")) {
      std::error_code ec;
      db = fs::file_size(ctx.config.store.substr(7), ec);
      if (ec) db = 0;
    } else {
      db = 64ULL << 20;  // a MariaDB dump of a gateway's tables; the real size is checked as it is written
    }
    const std::uintmax_t need_state = db + tree_size(ctx.layout.etc_dir) + fs::file_size(p.package) + (64ULL << 20);
    const std::uintmax_t need_usr = 3 * fs::file_size(p.package) + (64ULL << 20);
    const auto have_state = free_bytes(ctx.layout.state_dir);
    const auto have_usr = free_bytes("/usr");
    if (have_state < need_state)
      problem("disk: " + mib(have_state) + " free for " + ctx.layout.state_dir.string() + ", the backup needs " + mib(need_state));
    else if (have_usr < need_usr)
      problem("disk: " + mib(have_usr) + " free for /usr, the package needs " + mib(need_usr));
    else
      j.info("disk: " + mib(have_state) + " free for the backup (needs " + mib(need_state) + ")");
  }

  // The queue: reported, not a reason to wait: it is kept on disk across the upgrade.
  try {
    p.queued = queued_messages(ctx.layout);
    j.info("queue: " + std::to_string(p.queued) + " message(s) waiting; they stay queued and are delivered after");
  } catch (const std::exception& e) {
    problem(std::string("queue: cannot read it: ") + e.what());
  }

  if (fs::exists(ctx.layout.marker_file()))
    problem("state: an earlier upgrade did not finish (" + ctx.layout.marker_file().string() +
            "): run 'portcullis-upgrade rollback' first");
  return p;
}

}  // namespace portcullis::upgrade
