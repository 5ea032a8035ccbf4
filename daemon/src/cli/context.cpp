#include <unistd.h>

#include <filesystem>
#include <ostream>

#include "cli/commands.hpp"
#include "sandbox/privileges.hpp"
#include "store/schema.hpp"

namespace portcullis::cli {

Context::Context(core::Config config_in, std::string store_uri_in, std::ostream& out_in, std::ostream& err_in)
    : config(std::move(config_in)), store_uri(std::move(store_uri_in)), out(out_in), err(err_in) {}

Context::~Context() = default;

std::unique_ptr<store::Store> Context::open_after_drop(const std::string& password) {
  // The data directory is ours to create (the daemon does the same at start-up), so the CLI
  // works on a fresh install before the daemon ever ran.
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (::geteuid() != 0 && password.empty()) return store::open_store(store_uri, config.store_password_file.string());
  return store::open_store_with_password(store_uri, password);
}

store::Store& Context::store_unmigrated() {
  if (!store_) {
    // Run as root, the CLI becomes the gateway's user first (after reading the password file),
    // so that files it creates — the SQLite database and its journal — belong to the daemon.
    std::string password;
    if (::geteuid() == 0) {
      store::check_store_uri(store_uri);  // URI errors first: they need no file
      if (store_uri.starts_with("mariadb:")) password = store::read_password(config.store_password_file.string());
      sandbox::drop_to(sandbox::resolve_identity(config.user, config.group));
      sandbox::harden_process();
      store_ = open_after_drop(password);
    } else {
      store_ = open_after_drop({});
    }
  }
  return *store_;
}

store::Store& Context::store() {
  auto& s = store_unmigrated();
  if (!migrated_) {
    store::prepare_schema(s, store::MigratePolicy::fresh_only);
    migrated_ = true;
  }
  return s;
}

}  // namespace portcullis::cli
