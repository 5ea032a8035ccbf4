#include "system.hpp"

#include <stdexcept>

#include "command.hpp"
#include "core/text.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string stripped(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

// The package manager without questions: configuration files the admin changed are kept
// (--force-confold; the backup has them anyway), new ones installed.
CommandOptions package_options() {
  CommandOptions o;
  o.timeout = seconds(600);
  o.env = {{"DEBIAN_FRONTEND", "noninteractive"}, {"LC_ALL", "C"}};
  return o;
}

// apt, not plain dpkg: a package built for the next Debian release (portcullis-dist-upgrade)
// may need libraries the old one did not; on a same-release upgrade everything it depends on
// is installed already and apt fetches nothing.
std::vector<std::string> apt_install(const fs::path& deb, bool simulate) {
  std::vector<std::string> argv{"apt-get", "install", "--yes", "--allow-downgrades", "--no-install-recommends",
                                "-o", "Dpkg::Options::=--force-confold", "-o", "Dpkg::Options::=--force-confdef"};
  if (simulate) argv.emplace_back("--simulate");
  argv.push_back(fs::absolute(deb).string());
  return argv;
}

}  // namespace

std::string System::installed_version() const {
  const std::string out = stripped(run_checked({layout_.cli().string(), "--version"}, within(30)));
  const auto sp = out.rfind(' ');
  if (!out.starts_with("portcullis ") || sp == std::string::npos)
    throw std::runtime_error(layout_.cli().string() + " version: unexpected answer '" + out + "'");
  return out.substr(sp + 1);
}

std::optional<fs::path> System::kept_package(const std::string& version) const {
  const fs::path p = layout_.packages() / (layout_.package + "_" + version + "_amd64.deb");
  if (fs::is_regular_file(p)) return p;
  return std::nullopt;
}

fs::path System::keep_package(const fs::path& deb) const {
  fs::create_directories(layout_.packages());
  const fs::path to = layout_.packages() / deb.filename();
  if (fs::exists(to) && fs::equivalent(deb, to)) return to;
  fs::copy_file(deb, to, fs::copy_options::overwrite_existing);
  fs::permissions(to, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read | fs::perms::others_read);
  return to;
}

std::string System::package_problems(const fs::path& deb) const {
  const auto r = run_command(apt_install(deb, true), package_options());
  if (r.ok()) return {};
  return stripped(r.output.empty() ? "apt-get --simulate failed (status " + std::to_string(r.status) + ")" : r.output);
}

void System::install_package(const fs::path& deb) const { journal_.detail(run_checked(apt_install(deb, false), package_options())); }

void System::stop_service() const {
  journal_.detail(run_checked({"systemctl", "stop", layout_.service}, within(120)));
}

void System::start_service() const {
  journal_.detail(run_checked({"systemctl", "daemon-reload"}, within(60)));
  const auto r = run_command({"systemctl", "start", layout_.service}, within(180));
  if (!r.ok()) {
    const auto log = run_command({"journalctl", "--no-pager", "-n", "15", "-o", "cat", "-u", layout_.service},
                                 within(30));
    throw std::runtime_error(layout_.service + " did not start: " + stripped(r.output) + "\n" + stripped(log.output));
  }
}

bool System::service_active() const {
  const auto r = run_command({"systemctl", "is-active", "--quiet", layout_.service}, within(30));
  return r.ok();
}

}  // namespace portcullis::upgrade
