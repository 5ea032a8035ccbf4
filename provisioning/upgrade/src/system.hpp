// The appliance's package manager and service manager, as the upgrade uses them: apt for the
// Portcullis package (apt-get install of the bundle's file: on a same-release upgrade every
// dependency is there already; `check` simulates it first), systemd for portcullisd.
#pragma once
#include <filesystem>
#include <optional>
#include <string>

#include "journal.hpp"
#include "layout.hpp"

namespace portcullis::upgrade {

class System {
 public:
  System(const Layout& layout, Journal& journal) : layout_(layout), journal_(journal) {}

  // The release the installed CLI reports ("portcullis --version" -> "portcullis 0.2.0").
  std::string installed_version() const;
  // The kept .deb of that release in layout.packages(), if there is one.
  std::optional<std::filesystem::path> kept_package(const std::string& version) const;
  // Keeps a copy of a release's .deb in layout.packages().
  std::filesystem::path keep_package(const std::filesystem::path& deb) const;

  // Would apt install this package here (architecture, dependencies)? Empty: yes; else why not.
  std::string package_problems(const std::filesystem::path& deb) const;
  void install_package(const std::filesystem::path& deb) const;  // apt-get install FILE, older ones too

  void stop_service() const;   // graceful: sessions finish their transaction, the queue stays
  void start_service() const;  // returns when the daemon is READY (Type=notify), throws if it failed
  bool service_active() const;

 private:
  const Layout& layout_;
  Journal& journal_;
};

}  // namespace portcullis::upgrade
