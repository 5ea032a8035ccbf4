// What every subcommand of portcullis-upgrade works with: where things are, the gateway's
// bootstrap configuration, the journal of this run, and the system's package and service
// managers.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "journal.hpp"
#include "layout.hpp"
#include "system.hpp"

namespace portcullis::upgrade {

struct Context {
  Context(Layout l, Journal& j) : layout(std::move(l)), config(load(layout)), journal(j), system(layout, j) {}
  Layout layout;
  core::Config config;
  Journal& journal;
  System system;

 private:
  static core::Config load(const Layout& layout);
};

// Refusals before anything changed (exit 2), as opposed to failures during a run.
struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The trusted release public keys (*.pub in the key folders), as PEM texts.
std::vector<std::string> trusted_keys(const Layout& layout);

}  // namespace portcullis::upgrade
