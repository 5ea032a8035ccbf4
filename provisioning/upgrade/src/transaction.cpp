#include "transaction.hpp"

#include <fstream>
#include <map>
#include <optional>

#include "bundle/version.hpp"
#include "command.hpp"
#include "core/text.hpp"
#include "health.hpp"
#include "preflight.hpp"
#include "responder.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

// The marker: "key = value" lines naming the run, its backup and the two releases.
void write_marker(const Layout& layout, const std::map<std::string, std::string>& fields) {
  std::string text = "# portcullis-upgrade: an apply is in progress (or died); see 'portcullis-upgrade rollback'\n";
  for (const auto& [k, v] : fields) text += k + " = " + v + "\n";
  const fs::path tmp = layout.marker_file().string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + tmp.string());
  }
  fs::rename(tmp, layout.marker_file());
}

std::map<std::string, std::string> read_marker(const Layout& layout) {
  std::map<std::string, std::string> out;
  std::ifstream in(layout.marker_file());
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find(" = ");
    if (!line.empty() && line[0] != '#' && eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 3);
  }
  return out;
}

void remove_quietly(const fs::path& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
}

// The bundle's configuration migrations, in name order, each with a time limit. They see
// the two releases and the folders in their environment and must be idempotent.
void run_migrations(Context& ctx, const Preflight& p) {
  for (const BundleFile* f : p.manifest.by_role("migration")) {
    CommandOptions o;
    o.timeout = seconds(300);
    o.env = {{"PORTCULLIS_FROM_VERSION", p.installed},
             {"PORTCULLIS_TO_VERSION", p.manifest.version},
             {"PORTCULLIS_CONFIG", ctx.layout.config.string()},
             {"PORTCULLIS_ETC", ctx.layout.etc_dir.string()},
             {"PORTCULLIS_BUNDLE_DIR", p.extracted.string()}};
    ctx.journal.detail(run_checked({(p.extracted / f->name).string()}, o));
    ctx.journal.info("configuration migration " + f->name + ": done");
  }
}

// Stops the gateway and covers its ports with the 421 responder.
std::unique_ptr<MaintenanceResponder> quiesce(Context& ctx) {
  ctx.system.stop_service();
  auto responder = std::make_unique<MaintenanceResponder>(ctx.config);
  ctx.journal.info("gateway stopped (sessions finished their transactions, the queue stays); " +
                   std::to_string(responder->bound()) + " SMTP port(s) answer 421 meanwhile");
  for (const auto& e : responder->errors()) ctx.journal.info("note: " + e);
  return responder;
}

void start(Context& ctx, std::unique_ptr<MaintenanceResponder>& responder) {
  if (responder) {
    const auto answered = responder->answered();
    responder.reset();  // the ports are free for the daemon
    ctx.journal.info("421 responder stopped (" + std::to_string(answered) + " connection(s) told to come back)");
  }
  ctx.system.start_service();
  ctx.journal.info("portcullisd started (READY)");
}

}  // namespace

void restore_set(Context& ctx, const BackupSet& set, const std::string& why, bool start_after) {
  auto& j = ctx.journal;
  j.step("put back " + set.version + " from backup " + set.dir.filename().string() + " (" + why + ")");
  std::unique_ptr<MaintenanceResponder> responder;
  if (ctx.system.service_active()) responder = quiesce(ctx);
  else if (start_after) responder = std::make_unique<MaintenanceResponder>(ctx.config);
  std::string installed;
  try {
    installed = ctx.system.installed_version();
  } catch (const std::exception&) {
    installed = "unknown";  // a broken install: the set's package goes in whatever it says
  }
  if (installed != set.version) {
    if (set.package.empty()) throw std::runtime_error("the backup has no package of " + set.version);
    ctx.system.install_package(set.dir / set.package);
    j.info("package: " + set.package + " installed again (was " + installed + ")");
  }
  restore_database(set, ctx.config, j);
  restore_etc(set, ctx.layout, ctx.layout.work() / ("etc-replaced-" + run_id_now()), j);
  if (!start_after) {
    j.info(set.version + " is back in place; the gateway stays stopped (the caller starts it)");
    return;
  }
  start(ctx, responder);
  health_check(ctx.layout, ctx.config, j);
  j.info(set.version + " is serving mail again");
}

Outcome apply(Context& ctx, const fs::path& bundle, const ApplyOptions& options) {
  auto& j = ctx.journal;
  const std::string run = run_id_now();
  const fs::path work = ctx.layout.work() / ("apply-" + run);
  fs::create_directories(ctx.layout.work());
  fs::permissions(ctx.layout.state_dir, fs::perms::owner_all);

  j.step("check " + bundle.string());
  Preflight p;
  try {
    p = preflight(ctx, bundle, work, {options.for_debian});
  } catch (const Refused& e) {
    remove_quietly(work);
    append_history(ctx.layout.history_file(), {utc_now(), "apply", "", "", "refused", e.what()});
    throw;
  }
  if (!p.problems.empty()) {
    remove_quietly(work);
    append_history(ctx.layout.history_file(),
                   {utc_now(), "apply", p.installed, p.manifest.version, "refused", core::join(p.problems, "; ")});
    throw Refused("the upgrade was not started, nothing changed:\n  " + core::join(p.problems, "\n  "));
  }

  j.step("back up " + p.installed);
  BackupSet set;
  try {
    set = make_backup(ctx.layout, ctx.config, p.installed, p.schema, *p.kept, j);
  } catch (const std::exception& e) {
    remove_quietly(work);
    append_history(ctx.layout.history_file(), {utc_now(), "apply", p.installed, p.manifest.version, "refused",
                                               std::string("backup failed: ") + e.what()});
    throw Refused(std::string("the backup failed, nothing changed: ") + e.what());
  }
  j.info("backup set " + set.dir.string());
  write_marker(ctx.layout, {{"run", run}, {"from", p.installed}, {"to", p.manifest.version},
                            {"backup", set.dir.string()}, {"log", j.path().string()}});

  std::string failed_step;
  std::unique_ptr<MaintenanceResponder> responder;
  try {
    failed_step = "quiesce";
    j.step("quiesce the gateway");
    if (options.quiesce) responder = quiesce(ctx);
    else if (ctx.system.service_active()) throw std::runtime_error("--no-quiesce, but portcullisd is running");
    else j.info("--no-quiesce: the gateway was stopped by the caller");

    failed_step = "install";
    j.step("install " + p.package.filename().string());
    ctx.system.install_package(p.package);
    ctx.system.keep_package(p.package);
    j.info("installed; the gateway reports " + ctx.system.installed_version());

    failed_step = "migrate";
    j.step("migrate the database and the configuration");
    j.detail(run_checked(cli_argv(ctx.layout, {"db", "migrate"}), within(1800)));
    j.info("database schema " + std::to_string(p.schema) + " -> " + db_status(ctx.layout)["schema-version"]);
    j.detail(run_checked({ctx.layout.daemon().string(), "--config", ctx.layout.config.string(), "--check-config"},
                         within(60)));
    j.info("configuration accepted by the new release (portcullisd --check-config)");
    run_migrations(ctx, p);

    if (options.quiesce) {
      failed_step = "start";
      j.step("start " + p.manifest.version);
      start(ctx, responder);

      failed_step = "health check";
      j.step("health check");
      health_check(ctx.layout, ctx.config, j);
    }
  } catch (const std::exception& e) {
    const std::string reason = failed_step + ": " + e.what();
    j.info("FAILED at " + reason);
    responder.reset();
    try {
      restore_set(ctx, set, "the upgrade failed at " + failed_step, options.quiesce);
    } catch (const std::exception& e2) {
      j.info(std::string("ROLLBACK FAILED: ") + e2.what());
      append_history(ctx.layout.history_file(), {utc_now(), "apply", p.installed, p.manifest.version, "BROKEN",
                                                 reason + "; the rollback failed too: " + e2.what()});
      j.info("The gateway may be down. The backup is in " + set.dir.string() + "; after fixing the cause run "
             "'portcullis-upgrade rollback'. The log: " + j.path().string());
      return Outcome::broken;
    }
    fs::remove(ctx.layout.marker_file());
    remove_quietly(work);
    append_history(ctx.layout.history_file(), {utc_now(), "apply", p.installed, p.manifest.version, "rolled back", reason});
    j.info("The upgrade to " + p.manifest.version + " failed and was rolled back: " + reason);
    j.info(p.installed + (options.quiesce ? " serves mail again" : " is back in place") + ". The log: " +
           j.path().string());
    return Outcome::rolled_back;
  }
  fs::remove(ctx.layout.marker_file());
  remove_quietly(work);
  prune_backups(ctx.layout, 3, j);
  append_history(ctx.layout.history_file(), {utc_now(), "apply", p.installed, p.manifest.version, "done",
                                             "backup " + set.dir.string()});
  j.info("upgraded " + p.installed + " -> " + p.manifest.version + "; the backup of " + p.installed + " stays in " +
         set.dir.string() + " ('portcullis-upgrade rollback' goes back to it)");
  return Outcome::done;
}

Outcome rollback(Context& ctx, bool confirmed) {
  auto& j = ctx.journal;
  if (fs::exists(ctx.layout.marker_file())) {
    const auto m = read_marker(ctx.layout);
    const auto backup = m.find("backup");
    if (backup == m.end()) throw std::runtime_error(ctx.layout.marker_file().string() + " names no backup");
    const BackupSet set = read_backup(backup->second);
    j.info("an upgrade " + m.at("from") + " -> " + m.at("to") + " did not finish (run " + m.at("run") + ")");
    try {
      restore_set(ctx, set, "finishing an interrupted upgrade");
    } catch (const std::exception& e) {
      append_history(ctx.layout.history_file(), {utc_now(), "rollback", m.at("to"), set.version, "BROKEN", e.what()});
      throw;
    }
    fs::remove(ctx.layout.marker_file());
    append_history(ctx.layout.history_file(), {utc_now(), "rollback", m.at("to"), set.version, "done",
                                               "interrupted upgrade undone from " + set.dir.string()});
    return Outcome::done;
  }
  // Going back after a finished upgrade: to the release before it, from that upgrade's backup.
  const auto history = read_history(ctx.layout.history_file());
  const HistoryEntry* last = nullptr;
  for (const auto& e : history) {
    if (e.action == "apply" && e.result == "done") last = &e;
    if (e.action == "rollback" && e.result == "done") last = nullptr;  // already gone back from it
  }
  if (last == nullptr) throw Refused("nothing to roll back: no finished upgrade in " + ctx.layout.history_file().string());
  const std::string prefix = "backup ";
  if (!last->detail.starts_with(prefix)) throw Refused("the last upgrade's history line names no backup");
  const BackupSet set = read_backup(last->detail.substr(prefix.size()));
  if (!confirmed)
    throw Refused("rollback would put " + set.version + " back as it was at " + set.created +
                  ": the database returns to that moment (message log, greylist, bans, and policy changes made since "
                  "are lost; queued mail is kept). Run 'portcullis-upgrade rollback --yes' to do it.");
  restore_set(ctx, set, "going back from " + last->to);
  append_history(ctx.layout.history_file(), {utc_now(), "rollback", last->to, set.version, "done",
                                             "restored " + set.dir.string()});
  return Outcome::done;
}

}  // namespace portcullis::upgrade
