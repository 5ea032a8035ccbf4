#include <filesystem>
#include <ostream>

#include "cli/commands.hpp"
#include "store/schema.hpp"

namespace portcullis::cli {

Context::Context(core::Config config_in, std::string store_uri_in, std::ostream& out_in, std::ostream& err_in)
    : config(std::move(config_in)), store_uri(std::move(store_uri_in)), out(out_in), err(err_in) {}

Context::~Context() = default;

store::Store& Context::store_unmigrated() {
  if (!store_) {
    // The data directory is ours to create (the daemon does the same at start-up), so the CLI
    // works on a fresh install before the daemon ever ran.
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    store_ = store::open_store(store_uri, config.store_password_file.string());
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
