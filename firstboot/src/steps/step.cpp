// The list of steps and the store they share (see step.hpp).
#include "steps/step.hpp"

#include <unistd.h>

#include "core/text.hpp"
#include "store/schema.hpp"

namespace portcullis::firstboot {
namespace {

constexpr std::string_view sqlite_prefix = "sqlite:";

}  // namespace

StepContext::~StepContext() {
  try {
    close_store();
  } catch (...) {  // a destructor does not throw; the run already reported its error
  }
}

store::Store& StepContext::store() {
  if (!store_) {
    const auto& c = target.config();
    std::string uri = c.store;
    std::string password_file;
    if (uri.starts_with(sqlite_prefix)) {
      const std::filesystem::path file = uri.substr(sqlite_prefix.size());
      target.make_dir(file.parent_path(), 0750, target.service_owner());
      uri = std::string(sqlite_prefix) + target.path(file).string();
    } else if (!c.store_password_file.empty()) {
      password_file = target.path(c.store_password_file).string();
    }
    store_ = store::open_store(uri, password_file);
    store_->migrate();
  }
  return *store_;
}

void StepContext::close_store() {
  if (!store_) return;
  store_.reset();
  const auto& uri = target.config().store;
  if (!uri.starts_with(sqlite_prefix)) return;
  const auto owner = target.service_owner();
  const std::string file = target.path(uri.substr(sqlite_prefix.size())).string();
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    const std::string p = file + suffix;
    if (::access(p.c_str(), F_OK) == 0 && ::chown(p.c_str(), owner.uid, owner.gid) != 0)
      throw std::runtime_error("cannot hand " + p + " to the gateway's user");
  }
}

const std::vector<Step>& all_steps() {
  static const std::vector<Step> steps = {
      {"secrets", "Machine identity and host keys", {}, apply_secrets},
      {"database", "Database", {}, apply_database},
      {"network", "Network",
       {"network.mode", "network.interface", "network.address", "network.gateway", "network.dns"}, apply_network},
      {"hostname", "Host name and primary domain", {"system.hostname", "system.domain"}, apply_hostname},
      {"timezone", "Time zone", {"system.timezone"}, apply_timezone},
      {"admin", "Administrator account", {"admin.user", "admin.password", "admin.password_scrypt", "admin.password_crypt"},
       apply_admin},
      {"domain", "Protected domain and its mail server", {"mail.domain", "mail.destination", "mail.recipients"},
       apply_domain},
      {"addresses", "Postmaster and administrator e-mail", {"mail.postmaster", "admin.email"}, apply_addresses},
      {"relaynets", "Relay networks", {"mail.relay_networks"}, apply_relaynets},
      {"tls", "TLS certificate",
       {"tls.mode", "tls.certificate", "tls.key", "tls.chain", "tls.certificate_pem", "tls.key_pem", "tls.chain_pem"},
       apply_tls},
      {"dkim", "DKIM key of the protected domain", {"dkim.selector", "dkim.key"}, apply_dkim},
      {"telemetry", "Telemetry", {"system.telemetry"}, apply_telemetry},
  };
  return steps;
}

const Step* find_step(std::string_view name) {
  for (const auto& s : all_steps())
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace portcullis::firstboot
