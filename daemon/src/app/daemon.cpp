#include "app/daemon.hpp"
#include "core/version.hpp"
#include "core/text.hpp"

#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <optional>

#include "app/config_reload.hpp"
#include "app/policy_holder.hpp"
#include "app/tls_holder.hpp"
#include "app/rules_watcher.hpp"
#include "app/quarantine_keeper.hpp"
#include "app/tracker.hpp"
#include "control/counters.hpp"
#include "control/metrics.hpp"
#include "control/server.hpp"
#include "hooks/engine.hpp"
#include "core/config.hpp"
#include "core/log.hpp"
#include "net/dns.hpp"
#include "net/dns_cache.hpp"
#include "checks/dmarc/psl.hpp"
#include "queue/manager.hpp"
#include "queue/spool.hpp"
#include "sandbox/descriptors.hpp"
#include "sandbox/journal.hpp"
#include "sandbox/notify.hpp"
#include "sandbox/privileges.hpp"
#include "sandbox/seccomp_filter.hpp"
#include "smtp/scanner_health.hpp"
#include "smtp/server.hpp"
#include "store/schema.hpp"
#include "store/store.hpp"

namespace portcullis::app {
namespace asio = boost::asio;
namespace fs = std::filesystem;

std::string find_config_file(const std::string& explicit_file) {
  if (!explicit_file.empty()) return explicit_file;
  if (const char* env = std::getenv("PORTCULLIS_CONFIG"); env && *env) return env;
  std::error_code ec;
  if (fs::exists("/etc/portcullis/portcullis.toml", ec)) return "/etc/portcullis/portcullis.toml";
  return {};
}

namespace {

// How often the scanners are pinged for `portcullis status` and the log (smtp/scanner_health.hpp).
constexpr std::chrono::seconds kScannerHealthPeriod{30};

core::Config load(const std::string& file) {
  if (file.empty()) return core::parse_config("", "defaults");
  // Relative paths inside the file are relative to the file's own folder.
  return core::load_config(file, fs::absolute(file).parent_path());
}

}  // namespace

int run_daemon(const DaemonOptions& opts) {
  core::Config config;
  const std::string config_file = find_config_file(opts.config_file);
  try {
    config = load(config_file);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portcullisd: configuration error: %s\n", e.what());
    return 2;
  }
  if (opts.check_only) {
    std::printf("configuration ok\n");
    return 0;
  }
  // Descriptors: keep only what systemd passed on purpose (listening sockets); close the rest.
  const auto passed = sandbox::passed_sockets();
  std::vector<int> keep;
  for (const auto& p : passed) keep.push_back(p.fd);
  const int closed = sandbox::close_inherited_descriptors(keep);
  const bool journal = sandbox::log_to_journal_if_connected();
  log::Level level = log::Level::info;
  log::parse_level(config.log_level, level);
  log::set_level(level);
  if (closed > 0) log::info("descriptors_closed", {{"count", std::to_string(closed)}});
  if (journal) log::debug("logging_to_journal", {});
  sandbox::Notifier notifier;
  control::Counters counters;  // from the first event on (control/counters.hpp)
  const auto started = std::chrono::steady_clock::now();
  std::signal(SIGPIPE, SIG_IGN);

  try {
    asio::io_context io(1);
    // Start-up order (sandbox/privileges.hpp): listeners and secrets while privileged, then
    // drop, then everything else as the gateway's own user.
    std::vector<smtp::BoundListener> listeners;
    if (passed.empty()) {
      listeners = smtp::bind_listeners(io, config);
    } else {  // socket activation: systemd's sockets replace the configured listeners
      log::info("socket_activation", {{"sockets", std::to_string(passed.size())}});
      for (const auto& p : passed)
        listeners.push_back(smtp::adopt_listener(
            io, p.fd, p.name == "submission" ? core::ListenerRole::submission : core::ListenerRole::inbound));
    }
    const std::string db_password = store::read_password(config.store_password_file.string());
    if (::geteuid() == 0) {
      const auto who = sandbox::resolve_identity(config.user, config.group);
      sandbox::drop_to(who);
      log::info("privileges_dropped", {{"user", who.user}, {"group", who.group},
                                       {"uid", std::to_string(who.uid)}, {"gid", std::to_string(who.gid)}});
    }
    const auto hardening = sandbox::harden_process();
    if (!hardening.capabilities_cleared)
      log::warn("capabilities_kept", {{"reason", "capset refused (the service's system call filter?)"}});
    sandbox::refuse_root();
    const auto open_store = [&config, &db_password] { return store::open_store_with_password(config.store, db_password); };

    fs::create_directories(config.data_dir);
    auto store = open_store();
    const int schema_before = store->schema_version();
    store::prepare_schema(*store, opts.migrate ? store::MigratePolicy::allowed : store::MigratePolicy::fresh_only);
    if (store->schema_version() != schema_before)
      log::info("store_migrate", {{"from", std::to_string(schema_before)},
                                  {"to", std::to_string(store->schema_version())}});
    // Message tracking: its own store connection on its own thread (app/tracker.hpp).
    // The same thread writes the DMARC aggregate-report rows (a build that knows schema 6).
    const bool dmarc_rows = store->latest_schema_version() >= store::kSchemaDkim;
    // ... and the quarantine index (schema 7: docs/spam.md).
    const bool quarantine_index = store->latest_schema_version() >= store::kSchemaSpam;
    std::optional<Tracker> tracker;
    if (config.tracking.enabled || dmarc_rows || quarantine_index) {
      Tracker::Options topts;
      topts.gateway = config.hostname;
      topts.retention = config.tracking.retention;
      topts.messages = config.tracking.enabled;
      if (dmarc_rows) topts.dmarc_retention = std::chrono::days(31);  // a month of daily reports
      tracker.emplace(open_store, topts);
    }
    queue::Spool spool(config.spool_dir);

    asio::thread_pool workers(16);  // fsync-bound work: threads mostly wait on the disk
    PolicyHolder policy(io, workers, *store, config.policy_refresh);
    policy.load_now();  // failure is logged; sessions answer 451 until a reload succeeds
    auto current = [&policy] { return policy.current(); };

    // Inbound TLS: the certificate named by the `tls-certificate` setting (app/tls_holder.hpp).
    const auto chosen_certificate = [&policy] {
      const auto snap = policy.last_good();
      return snap ? snap->setting("tls-certificate").value_or("") : std::string();
    };
    TlsHolder tls_holder(config.tls.cert_dir);
    tls_holder.load_now(chosen_certificate());
    policy.on_change = [&io, &workers, &tls_holder](const policy::Snapshot& snap) {
      const std::string name = snap.setting("tls-certificate").value_or("");
      if (name != tls_holder.name()) asio::co_spawn(io, tls_holder.reload(workers, name), asio::detached);
    };

    net::ResolverOptions ropts;
    ropts.servers = config.delivery.resolvers;
    ropts.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(config.timeouts.dns) / 2;
    if (ropts.timeout.count() <= 0) ropts.timeout = std::chrono::milliseconds(1000);
    net::Resolver resolver(io.get_executor(), ropts);
    // Sender authentication (checks/auth): one DNS cache for every session; the Public Suffix
    // List for DMARC's organisational domains (without it, DMARC is off and says so).
    net::DnsCache dns_cache(resolver);
    std::unique_ptr<checks::dmarc::PublicSuffixList> psl;
    try {
      psl = std::make_unique<checks::dmarc::PublicSuffixList>(
          checks::dmarc::PublicSuffixList::load(config.auth.public_suffix_list));
    } catch (const std::exception& e) {
      log::warn("dmarc_unavailable", {{"reason", e.what()}});
    }

    // Lua rules: their own worker threads, one Lua state each (hooks/engine.hpp).
    hooks::EngineOptions hopts;
    hopts.rules_dir = config.rules.dir;
    hopts.workers = config.rules.workers;
    hopts.limits.instructions = config.rules.instructions;
    hopts.limits.memory = config.rules.memory_mb * 1024 * 1024;
    hopts.limits.wall = config.rules.time_limit;
    hopts.on_failure = config.rules.failure_tempfails ? hooks::FailurePolicy::tempfail : hooks::FailurePolicy::continue_;
    hopts.open_store = open_store;
    hooks::Engine engine(hopts);
    RulesWatcher rules(io, workers, engine, config.rules.poll);
    rules.start();

    queue::Manager manager(config, io, workers, spool, resolver, [&policy] { return policy.last_good(); });
    manager.set_hooks(&engine);
    smtp::ServerDeps sdeps{io, workers, spool, current, [&manager](const std::string& id) { manager.enqueue(id); },
                           &engine, [&tls_holder] { return tls_holder.current(); }};
    sdeps.dns = &dns_cache;
    sdeps.psl = psl.get();
    if (dmarc_rows) sdeps.on_dmarc = [&tracker](store::DmarcRow row) { tracker->record_dmarc(std::move(row)); };
    // Greylisting's triplets: a store connection of the sessions' own, used on the workers.
    std::unique_ptr<store::Store> state_store = open_store();
    std::mutex state_mutex;
    sdeps.state = state_store.get();
    sdeps.state_mutex = &state_mutex;
    if (quarantine_index)
      sdeps.on_quarantined = [&tracker](std::vector<store::QuarantineEntry> rows) {
        tracker->record_quarantine(std::move(rows));
      };
    // The quarantine's retention and digests (app/quarantine_keeper.hpp): its own thread and
    // store connection; a digest it puts in the spool goes to the queue manager on the io thread.
    std::optional<QuarantineKeeper> keeper;
    if (quarantine_index) {
      QuarantineKeeper::Options kopts;
      kopts.gateway = config.hostname;
      kopts.interval = config.quarantine.sweep;
      keeper.emplace(
          open_store, spool,
          [&io, &manager](const std::string& id) { asio::post(io, [&manager, id] { manager.enqueue(id); }); }, kopts);
    }
    smtp::Server server(config, sdeps);
    // What a previous run left half-written goes before the first session writes (the queue
    // manager's recovery runs later, concurrently with the sessions).
    spool.remove_partial();
    server.serve(std::move(listeners));
    smtp::ScannerHealth scanner_health(io, server.scanners());  // for status and the log

    // The control socket (portcullis status|reload|log tail) and the optional metrics endpoint.
    const auto gauges = [&] {
      control::Gauges g;
      g.sessions_active = server.active_sessions();
      g.queue_messages = manager.queued();
      g.queue_waiting = manager.waiting();
      g.uptime_seconds =
          std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started).count();
      return g;
    };
    control::Hooks hooks;
    hooks.status = [&] {
      const auto g = gauges();
      const auto c = counters.snapshot();
      std::vector<std::string> lines = {
          "version=" + std::string(core::version()), "hostname=" + config.hostname,
          "pid=" + std::to_string(::getpid()), "uptime_seconds=" + std::to_string(g.uptime_seconds),
          "store=" + config.store, "store_reachable=" + std::string(policy.current() ? "yes" : "no"),
          "sessions_active=" + std::to_string(g.sessions_active),
          "queue_messages=" + std::to_string(g.queue_messages), "queue_waiting=" + std::to_string(g.queue_waiting),
          "connections=" + std::to_string(c.connections), "received=" + std::to_string(c.received),
          "delivered=" + std::to_string(c.delivered), "deferred=" + std::to_string(c.deferred),
          "bounced=" + std::to_string(c.bounced), "dsn_sent=" + std::to_string(c.dsn_sent),
          "timeouts=" + std::to_string(c.timeouts), "rules_scripts=" + std::to_string(engine.script_count())};
      for (const auto& [reason, n] : c.rejected) lines.push_back("rejected." + reason + "=" + std::to_string(n));
      for (const auto& [name, health] : scanner_health.report()) lines.push_back(name + "=" + health);
      if (tracker) {
        lines.push_back("tracking_written=" + std::to_string(tracker->written()));
        lines.push_back("tracking_dropped=" + std::to_string(tracker->dropped()));
      }
      return lines;
    };
    // SIGHUP and `portcullis reload`: the config file's live keys (app/config_reload.hpp), the
    // policy from the store, the rules folder. A config file with an error changes nothing.
    const auto reload_everything = [&config, &config_file, &policy, &rules, &io, &workers, &tls_holder,
                                     &chosen_certificate, &scanner_health] {
      try {
        const auto outcome = apply_config(config, load(config_file));
        log::Level lvl = log::Level::info;
        if (log::parse_level(config.log_level, lvl)) log::set_level(lvl);
        log::info("config_reloaded", {{"applied", core::join(outcome.applied, ",")}});
        if (!outcome.needs_restart.empty())
          log::warn("config_needs_restart", {{"keys", core::join(outcome.needs_restart, ",")}});
      } catch (const std::exception& e) {
        log::warn("config_reload_failed", {{"error", e.what()}, {"kept", "running configuration"}});
      }
      policy.refresh_soon();
      rules.reload_now();
      scanner_health.check_now();
      asio::co_spawn(io, tls_holder.reload(workers, chosen_certificate()), asio::detached);  // renewed files
    };
    hooks.reload = reload_everything;
    hooks.queue_flush = [&manager] { manager.flush(); };
    hooks.queue_list = [&manager] { return manager.describe(); };
    control::Server control_server(io, config.control_socket, config.control_group, hooks);
    control_server.start();
    std::optional<control::MetricsServer> metrics;
    if (!config.metrics_address.empty()) {
      metrics.emplace(io, config.metrics_address, [&] { return control::render_metrics(counters.snapshot(), gauges()); });
      metrics->start();
    }

    if (!opts.foreground) {
      // Detach only after the listeners are bound, so start-up errors reach the terminal.
      if (::daemon(1, 1) != 0) throw std::runtime_error("daemon() failed");
    }
    // Start-up is done (listeners, store, threads, control socket; detached if asked): from here
    // on only the calls the gateway needs at run time (sandbox/seccomp_filter.hpp).
    sandbox::SeccompMode seccomp = sandbox::SeccompMode::enforce;
    sandbox::parse_seccomp_mode(config.seccomp, seccomp);  // validated by the config loader
    sandbox::install_seccomp(seccomp);
    log::info("seccomp", {{"mode", config.seccomp}});
    policy.start();
    manager.start();
    scanner_health.start(kScannerHealthPeriod);
    log::info("ready", {{"hostname", config.hostname}, {"store", config.store},
                        {"spool", config.spool_dir.string()}, {"pid", std::to_string(::getpid())}});
    const auto summary = [&] {
      const auto g = gauges();
      return "sessions " + std::to_string(g.sessions_active) + ", queue " + std::to_string(g.queue_messages) +
             ", store " + std::string(policy.current() ? "reachable" : "UNREACHABLE");
    };
    notifier.ready(summary());
    // Watchdog pings and STATUS= from the event loop: if the loop hangs, the pings stop.
    bool stopping = false;
    std::chrono::microseconds every = std::chrono::seconds(10);  // outlives the coroutine below
    if (const auto wd = notifier.watchdog_interval()) every = std::min(every, *wd / 2);
    if (notifier.active()) {
      asio::co_spawn(
          io,
          [&]() -> asio::awaitable<void> {
            asio::steady_timer t(io);
            while (!stopping) {
              if (notifier.watchdog_interval()) notifier.watchdog();
              notifier.status(summary());
              t.expires_after(every);
              boost::system::error_code ec;
              co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
          },
          asio::detached);
    }

    // Session ticket keys: a new one every tls.ticket_rotation; the previous still decrypts.
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          asio::steady_timer t(io);
          while (!stopping) {
            t.expires_after(config.tls.ticket_rotation);
            boost::system::error_code ec;
            co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            if (ec || stopping) break;
            tls_holder.rotate_tickets();
            log::debug("tls_ticket_key_rotated", {});
          }
        },
        asio::detached);

    asio::signal_set signals(io, SIGTERM, SIGINT, SIGHUP);
    std::function<void(const boost::system::error_code&, int)> on_signal =
        [&](const boost::system::error_code& ec, int sig) {
          if (ec) return;
          if (sig == SIGHUP) {
            log::info("reload", {{"what", "config, policy, rules"}, {"by", "signal"}});
            reload_everything();
            signals.async_wait(on_signal);
            return;
          }
          log::info("stopping", {{"signal", sig == SIGTERM ? "TERM" : "INT"},
                                 {"sessions", std::to_string(server.active_sessions())}});
          stopping = true;
          notifier.stopping();
          server.stop();
          control_server.stop();
          if (metrics) metrics->stop();
          manager.stop();
          policy.stop();
          rules.stop();
          scanner_health.stop();
          // Sessions may finish their transaction within timeouts.shutdown, then every one gets
          // 421 (Server::close_sessions) and a moment to read it. The queue is on disk whatever
          // happens: a message is acknowledged only once it is.
          asio::co_spawn(
              io,
              [&]() -> asio::awaitable<void> {
                asio::steady_timer t(io);
                const auto wait_sessions = [&](std::chrono::milliseconds bound) -> asio::awaitable<void> {
                  const auto until = std::chrono::steady_clock::now() + bound;
                  while (server.active_sessions() > 0 && std::chrono::steady_clock::now() < until) {
                    t.expires_after(std::chrono::milliseconds(50));
                    co_await t.async_wait(asio::use_awaitable);
                  }
                };
                co_await wait_sessions(std::chrono::duration_cast<std::chrono::milliseconds>(config.timeouts.shutdown));
                if (server.active_sessions() > 0) {
                  log::info("closing_sessions", {{"sessions", std::to_string(server.active_sessions())}});
                  server.close_sessions();
                  co_await wait_sessions(std::chrono::milliseconds(2000));
                }
                io.stop();
              },
              asio::detached);
        };
    signals.async_wait(on_signal);
    io.run();
    workers.join();
    log::info("stopped", {});
    return 0;
  } catch (const std::exception& e) {
    log::error("fatal", {{"error", e.what()}});
    return 1;
  }
}

}  // namespace portcullis::app
