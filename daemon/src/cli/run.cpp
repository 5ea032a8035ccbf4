// run(): global options, configuration, dispatch to the command groups, error reporting.
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <ostream>

#include "core/version.hpp"
#include "cli/commands.hpp"

namespace portcullis::cli {
namespace {

namespace fs = std::filesystem;

using GroupFn = int (*)(Context&, std::vector<std::string>);

const std::map<std::string, GroupFn>& groups() {
  static const std::map<std::string, GroupFn> table{
      {"domain", cmd_domain}, {"recipient", cmd_recipient}, {"alias", cmd_alias}, {"relaynet", cmd_relaynet},
      {"settings", cmd_settings}, {"db", cmd_db}, {"queue", cmd_queue}, {"log", cmd_log}, {"user", cmd_user},
      {"status", cmd_status}, {"reload", cmd_reload}, {"rules", cmd_rules}, {"cert", cmd_cert}, {"tlspolicy", cmd_tlspolicy},
      {"dkim", cmd_dkim},
      {"spam-policy", cmd_spam_policy}, {"quarantine-digest", cmd_quarantine_digest}, {"dnsbl", cmd_dnsbl},
      {"iprange", cmd_iprange}, {"ban", cmd_ban}, {"quarantine", cmd_quarantine},
  };
  return table;
}

struct GlobalOptions {
  std::optional<std::string> config_file;
  std::optional<std::string> store_uri;
  std::vector<std::string> command;  // group and its arguments
  bool help = false;
  bool version = false;
};

GlobalOptions parse_global(const std::vector<std::string>& args) {
  GlobalOptions g;
  std::size_t i = 0;
  for (; i < args.size(); ++i) {
    const std::string& a = args[i];
    const auto value = [&](const std::string& name, std::optional<std::string>& slot) {
      if (slot) throw UsageError("option " + name + " given twice");
      if (a.size() > name.size()) {  // --name=VALUE
        slot = a.substr(name.size() + 1);
      } else {
        if (i + 1 >= args.size()) throw UsageError("option " + name + " needs a value");
        slot = args[++i];
      }
      if (slot->empty()) throw UsageError("option " + name + " needs a value");
    };
    if (a == "--config" || a.starts_with("--config=")) {
      value("--config", g.config_file);
    } else if (a == "--store" || a.starts_with("--store=")) {
      value("--store", g.store_uri);
    } else if (a == "--help" || a == "-h") {
      g.help = true;
    } else if (a == "--version") {
      g.version = true;
    } else if (a.starts_with("-") && a != "-") {
      throw UsageError("unknown option " + a + " (see 'portcullis help')");
    } else {
      break;
    }
  }
  g.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
  return g;
}

// Same order as the daemon: --config, $PORTCULLIS_CONFIG, the system file, built-in defaults.
core::Config load_configuration(const std::optional<std::string>& explicit_file) {
  std::string file = explicit_file.value_or("");
  if (file.empty())
    if (const char* env = std::getenv("PORTCULLIS_CONFIG"); env && *env) file = env;
  if (file.empty()) {
    std::error_code ec;
    if (fs::exists("/etc/portcullis/portcullis.toml", ec)) file = "/etc/portcullis/portcullis.toml";
  }
  if (file.empty()) return core::parse_config("", "defaults");
  std::error_code ec;
  if (!fs::exists(file, ec)) throw CommandError("configuration file " + file + " does not exist");
  return core::load_config(file, fs::absolute(file).parent_path());
}

std::string store_uri_for(const core::Config& config, const std::optional<std::string>& override_uri) {
  if (override_uri) return *override_uri;
  if (!config.store.empty()) return config.store;
  return "sqlite:" + (config.data_dir / "portcullis.db").string();
}

bool wants_help(const std::vector<std::string>& args) {
  if (!args.empty() && args.front() == "help") return true;
  for (const auto& a : args) {
    if (a == "--") return false;
    if (a == "--help" || a == "-h") return true;
  }
  return false;
}

int dispatch(const GlobalOptions& g, std::ostream& out, std::ostream& err) {
  if (g.version) {
    out << "portcullis " << core::version() << '\n';
    return 0;
  }
  if (g.help || g.command.empty()) {
    (g.help ? out : err) << usage();
    return g.help ? 0 : 1;
  }
  std::string group = g.command.front();
  std::vector<std::string> rest(g.command.begin() + 1, g.command.end());
  if (group == "help") {
    if (rest.empty()) {
      out << usage();
      return 0;
    }
    if (rest.size() > 1) throw UsageError("help takes at most one group name");
    group = rest.front();
    if (group != "queue") {
      if (!groups().contains(group)) throw UsageError("no such command group '" + group + "' (see 'portcullis help')");
      out << usage(group);
      return 0;
    }
    rest = {"help"};
  }
  const auto it = groups().find(group);
  if (it == groups().end()) throw UsageError("unknown command '" + group + "' (see 'portcullis help')");
  if (group != "queue" && wants_help(rest)) {
    out << usage(group);
    return 0;
  }
  const core::Config config = load_configuration(g.config_file);
  Context ctx(config, store_uri_for(config, g.store_uri), out, err);
  return it->second(ctx, std::move(rest));
}

}  // namespace

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  try {
    return dispatch(parse_global(args), out, err);
  } catch (const std::exception& e) {
    // UsageError, CommandError, store::StoreError, core::ConfigError, std::invalid_argument, ...
    std::string message = e.what();
    for (char& c : message)
      if (c == '\n' || c == '\r') c = ' ';
    out.flush();
    err << "portcullis: error: " << message << '\n';
    return 1;
  }
}

}  // namespace portcullis::cli
