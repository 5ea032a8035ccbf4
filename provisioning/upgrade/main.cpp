// portcullis-upgrade: the in-place upgrade of a Portcullis appliance from a signed release
// bundle, with automatic rollback (docs/upgrade.md).
#include <signal.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "backup.hpp"
#include "bundle/bundle.hpp"
#include "bundle/error.hpp"
#include "bundle/signature.hpp"
#include "command.hpp"
#include "core/text.hpp"
#include "core/version.hpp"
#include "health.hpp"
#include "preflight.hpp"
#include "responder.hpp"
#include "store/migrations.hpp"
#include "transaction.hpp"

namespace fs = std::filesystem;
using namespace portcullis::upgrade;

namespace {

constexpr const char* usage_text =
    "usage: portcullis-upgrade [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "On the appliance (as root):\n"
    "  check BUNDLE      verify a release bundle and everything the upgrade needs; change nothing\n"
    "  apply BUNDLE      upgrade: check, back up, quiesce, install, migrate, start, health check;\n"
    "                    on any failure put the old release back and say why\n"
    "                    (--for-debian N --no-quiesce: the part portcullis-dist-upgrade runs)\n"
    "  rollback [--yes]  finish an interrupted upgrade, or go back to the release before the last\n"
    "                    upgrade (--yes: the database returns to the moment of that upgrade)\n"
    "  history           every upgrade and rollback on this appliance\n"
    "  backup            a backup set of the running release (database, /etc/portcullis, package)\n"
    "  restore DIR       put a backup set back (e.g. on a freshly imported appliance)\n"
    "  health [--no-service]  the health check: service READY, SMTP banner, a test message,\n"
    "                    schema current (--no-service: the daemon does not run under systemd)\n"
    "  quiesce | resume  stop the gateway with its ports answering 421 / start it again\n"
    "\n"
    "For release builders:\n"
    "  keygen PRIVATE.pem PUBLIC.pub\n"
    "  bundle --key PRIVATE.pem --deb FILE --version V --from PATTERN[,PATTERN...] [--schema N]\n"
    "         [--debian N (default: this system's)]\n"
    "         [--migration SCRIPT]... [--provisioning TAR] --out FILE\n"
    "\n"
    "Options: --config FILE (/etc/portcullis/portcullis.toml), --state-dir DIR\n"
    "  (/var/lib/portcullis-upgrade), --log-dir DIR (/var/log/portcullis-upgrade), --bin-dir DIR\n"
    "  (/usr/sbin), --etc-dir DIR (/etc/portcullis), --keys DIR (trusted *.pub; default\n"
    "  /usr/share/portcullis/release-keys and /etc/portcullis/release-keys), --version\n"
    "Exit status: 0 done, 1 failed and rolled back, 2 refused (nothing changed), 3 the rollback\n"
    "failed too (see the log), 64 usage.\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  Layout layout;
  std::string command;
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>> options;  // command options (--key value, --yes)
  std::optional<std::string> one(const std::string& name) const {
    const auto it = options.find(name);
    if (it == options.end() || it->second.empty()) return std::nullopt;
    if (it->second.size() > 1) throw UsageError("--" + name + " given twice");
    return it->second.front();
  }
  bool flag(const std::string& name) const { return options.contains(name); }
};

Args parse(int argc, char** argv) {
  Args a;
  const std::vector<std::string> global{"config", "state-dir", "log-dir", "bin-dir", "etc-dir", "keys"};
  const std::vector<std::string> valued{"key",       "deb",          "version", "from",      "schema",
                                        "migration", "provisioning", "out",     "for-debian", "debian"};
  const std::vector<std::string> flags{"yes", "no-service", "no-quiesce"};
  bool keys_given = false;
  for (int i = 1; i < argc; ++i) {
    std::string s = argv[i];
    if (s == "--help" || s == "-h") {
      a.command = "help";
      continue;
    }
    if (s == "--version" && a.command.empty()) {
      a.command = "version";
      continue;
    }
    if (s.starts_with("--")) {
      std::string name = s.substr(2), value;
      const auto eq = name.find('=');
      const bool has_value = eq != std::string::npos;
      if (has_value) {
        value = name.substr(eq + 1);
        name.resize(eq);
      }
      const bool is_global = std::find(global.begin(), global.end(), name) != global.end();
      const bool is_valued = std::find(valued.begin(), valued.end(), name) != valued.end();
      const bool is_flag = std::find(flags.begin(), flags.end(), name) != flags.end();
      if (!is_global && !is_valued && !is_flag) throw UsageError("unknown option " + s);
      if (is_flag) {
        a.options[name];
        continue;
      }
      if (!has_value) {
        if (i + 1 >= argc) throw UsageError("option --" + name + " needs a value");
        value = argv[++i];
      }
      if (value.empty()) throw UsageError("option --" + name + " needs a value");
      if (name == "config") a.layout.config = value;
      else if (name == "state-dir") a.layout.state_dir = value;
      else if (name == "log-dir") a.layout.log_dir = value;
      else if (name == "bin-dir") a.layout.bin_dir = value;
      else if (name == "etc-dir") a.layout.etc_dir = value;
      else if (name == "keys") {
        if (!keys_given) a.layout.key_dirs.clear();
        keys_given = true;
        a.layout.key_dirs.emplace_back(value);
      } else {
        a.options[name].push_back(value);
      }
      continue;
    }
    if (a.command.empty()) a.command = s;
    else a.positional.push_back(s);
  }
  return a;
}

void expect_positionals(const Args& a, std::size_t n, const char* synopsis) {
  if (a.positional.size() != n) throw UsageError(std::string("usage: portcullis-upgrade ") + synopsis);
}

void require_root() {
  if (::geteuid() != 0) throw Refused("must run as root (it installs packages and stops services)");
}

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const auto comma = s.find(',', start);
    out.push_back(s.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

int cmd_bundle(const Args& a) {
  const auto key = a.one("key"), deb = a.one("deb"), version = a.one("version"), from = a.one("from"), out = a.one("out");
  if (!key || !deb || !version || !from || !out)
    throw UsageError("bundle needs --key, --deb, --version, --from and --out");
  Manifest m;
  m.version = *version;
  m.from = split_commas(*from);
  m.schema = a.one("schema") ? std::stoi(*a.one("schema")) : portcullis::store::latest_version();
  m.debian = a.one("debian").value_or(running_debian());
  std::vector<BundleInput> files{{*deb, "package", 0644}};
  if (const auto prov = a.one("provisioning")) files.push_back({*prov, "provisioning", 0644});
  if (const auto it = a.options.find("migration"); it != a.options.end())
    for (const auto& s : it->second) files.push_back({s, "migration", 0755});
  create_bundle(*out, m, files, *key, utc_now());
  std::cout << *out << '\n';
  return 0;
}

// `respond`: the 421 responder as a process of its own (started by `quiesce` as a transient
// systemd unit), until SIGTERM.
int cmd_respond(Context& ctx) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // before the responder's thread starts
  MaintenanceResponder responder(ctx.config);
  std::cout << "answering 421 on " << responder.bound() << " port(s)" << std::endl;
  for (const auto& e : responder.errors()) std::cerr << "note: " << e << std::endl;
  if (responder.bound() == 0) return 1;
  // The unit is Type=notify: `quiesce` returns only once the ports answer (no window in which
  // a sender, or a test, finds them closed).
  (void)sd_notify(0, "READY=1");
  int sig = 0;
  sigwait(&set, &sig);
  return 0;
}

constexpr const char* maintenance_unit = "portcullis-maintenance";

int run(const Args& a) {
  if (a.command.empty() || a.command == "help") {
    (a.command.empty() ? std::cerr : std::cout) << usage_text;
    return a.command.empty() ? 64 : 0;
  }
  if (a.command == "version") {
    std::cout << "portcullis-upgrade " << portcullis::core::version() << '\n';
    return 0;
  }
  if (a.command == "keygen") {
    expect_positionals(a, 2, "keygen PRIVATE.pem PUBLIC.pub");
    generate_key(a.positional[0], a.positional[1]);
    std::cout << "release key " << key_id(*portcullis::core::read_file(a.positional[1])) << ": " << a.positional[1] << '\n';
    return 0;
  }
  if (a.command == "bundle") {
    expect_positionals(a, 0, "bundle --key ... (see --help)");
    return cmd_bundle(a);
  }
  if (a.command == "history") {
    expect_positionals(a, 0, "history");
    const auto entries = read_history(a.layout.history_file());
    if (entries.empty()) std::cout << "no upgrades yet\n";
    for (const auto& e : entries)
      std::cout << e.time << "  " << e.action << "  " << (e.from.empty() ? "-" : e.from) << " -> "
                << (e.to.empty() ? "-" : e.to) << "  " << e.result << (e.detail.empty() ? "" : "  (" + e.detail + ")")
                << '\n';
    return 0;
  }
  const std::vector<std::string> known{"check", "apply", "rollback", "backup", "restore", "health",
                                       "quiesce", "resume", "respond"};
  if (std::find(known.begin(), known.end(), a.command) == known.end())
    throw UsageError("unknown command '" + a.command + "' (see --help)");

  const bool changes = a.command != "check" && a.command != "health" && a.command != "respond";
  if (changes) require_root();
  const std::string run_id = run_id_now() + "-" + a.command;
  Journal journal(a.command == "respond" ? fs::path() : a.layout.log_dir, run_id, std::cout);
  // One run at a time; `respond` runs under `quiesce`, and `check` only reads.
  std::optional<RunLock> lock;
  if (changes && a.command != "respond") {
    try {
      lock.emplace(a.layout.lock_file());
    } catch (const std::exception& e) {
      throw Refused(e.what());
    }
  }
  Context ctx(a.layout, journal);

  if (a.command == "respond") return cmd_respond(ctx);
  if (a.command == "check") {
    expect_positionals(a, 1, "check BUNDLE [--for-debian N]");
    const fs::path work = ctx.layout.work() / ("check-" + run_id);
    fs::create_directories(ctx.layout.work());
    struct Cleanup {
      fs::path p;
      ~Cleanup() {
        std::error_code ec;
        fs::remove_all(p, ec);
      }
    } cleanup{work};
    const auto p = preflight(ctx, a.positional[0], work, {a.one("for-debian").value_or("")});
    if (!p.problems.empty()) {
      std::cout << "refused: " << p.problems.size() << " problem(s)\n";
      return 2;
    }
    std::cout << "ok: " << p.installed << " -> " << p.manifest.version << " can be applied\n";
    return 0;
  }
  if (a.command == "apply") {
    expect_positionals(a, 1, "apply BUNDLE [--for-debian N] [--no-quiesce]");
    ApplyOptions options;
    options.for_debian = a.one("for-debian").value_or("");
    options.quiesce = !a.flag("no-quiesce");
    return static_cast<int>(portcullis::upgrade::apply(ctx, a.positional[0], options));
  }
  if (a.command == "rollback") {
    expect_positionals(a, 0, "rollback [--yes]");
    try {
      return static_cast<int>(rollback(ctx, a.flag("yes")));
    } catch (const Refused&) {
      throw;
    } catch (const std::exception& e) {
      std::cerr << "portcullis-upgrade: the rollback failed: " << e.what() << "\nThe log: " << journal.path().string()
                << '\n';
      return static_cast<int>(Outcome::broken);
    }
  }
  if (a.command == "backup") {
    expect_positionals(a, 0, "backup");
    const std::string version = ctx.system.installed_version();
    const int schema = std::stoi(db_status(ctx.layout).at("schema-version"));
    const auto kept = ctx.system.kept_package(version);
    if (!kept) journal.info("note: no kept package of " + version + "; the set holds database and configuration only");
    const auto set = make_backup(ctx.layout, ctx.config, version, schema, kept.value_or(fs::path()), journal);
    append_history(ctx.layout.history_file(), {utc_now(), "backup", version, "", "done", set.dir.string()});
    std::cout << set.dir.string() << '\n';
    return 0;
  }
  if (a.command == "restore") {
    expect_positionals(a, 1, "restore BACKUP_DIR");
    const auto set = read_backup(a.positional[0]);
    try {
      restore_set(ctx, set, "restore requested");
    } catch (const std::exception& e) {
      append_history(ctx.layout.history_file(), {utc_now(), "restore", "", set.version, "BROKEN", e.what()});
      std::cerr << "portcullis-upgrade: the restore failed: " << e.what() << "\nThe log: " << journal.path().string()
                << '\n';
      return static_cast<int>(Outcome::broken);
    }
    append_history(ctx.layout.history_file(), {utc_now(), "restore", "", set.version, "done", set.dir.string()});
    return 0;
  }
  if (a.command == "health") {
    expect_positionals(a, 0, "health [--no-service]");
    health_check(ctx.layout, ctx.config, journal, {.service = !a.flag("no-service")});
    std::cout << "healthy\n";
    return 0;
  }
  if (a.command == "quiesce") {
    expect_positionals(a, 0, "quiesce");
    ctx.system.stop_service();
    std::vector<std::string> argv{"systemd-run", "--unit", maintenance_unit, "--collect", "--quiet",
                                  "--property=Type=notify",
                                  "--property=Description=Portcullis maintenance: SMTP answers 421",
                                  fs::read_symlink("/proc/self/exe").string(), "--config", ctx.layout.config.string(),
                                  "respond"};
    journal.detail(run_checked(argv, within(60)));
    journal.info("gateway stopped; its SMTP ports answer 421 until 'portcullis-upgrade resume'");
    return 0;
  }
  // resume
  expect_positionals(a, 0, "resume");
  (void)run_command({"systemctl", "stop", maintenance_unit}, within(60));
  ctx.system.start_service();
  journal.info("portcullisd started (READY)");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse(argc, argv));
  } catch (const UsageError& e) {
    std::cerr << "portcullis-upgrade: " << e.what() << '\n';
    return 64;
  } catch (const Refused& e) {
    std::cerr << "portcullis-upgrade: refused: " << e.what() << '\n';
    return 2;
  } catch (const BundleError& e) {
    std::cerr << "portcullis-upgrade: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "portcullis-upgrade: " << e.what() << '\n';
    return 1;
  }
}
