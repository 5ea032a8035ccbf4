#include "app/config_reload.hpp"

namespace portcullis::app {

namespace {

template <typename T>
void live_key(const char* name, T& live, const T& fresh, ReloadOutcome& out) {
  if (live == fresh) return;
  live = fresh;
  out.applied.emplace_back(name);
}

template <typename T>
void restart_key(const char* name, const T& live, const T& fresh, ReloadOutcome& out) {
  if (!(live == fresh)) out.needs_restart.emplace_back(name);
}

}  // namespace

ReloadOutcome apply_config(core::Config& live, const core::Config& fresh) {
  ReloadOutcome out;
  live_key("hostname", live.hostname, fresh.hostname, out);
  live_key("log_level", live.log_level, fresh.log_level, out);
  live_key("limits", live.limits, fresh.limits, out);
  live_key("timeouts", live.timeouts, fresh.timeouts, out);
  // The resolver is built once with its servers; the rest of [delivery] is read per attempt.
  restart_key("delivery.resolvers", live.delivery.resolvers, fresh.delivery.resolvers, out);
  core::Delivery delivery = fresh.delivery;
  delivery.resolvers = live.delivery.resolvers;
  live_key("delivery", live.delivery, delivery, out);

  restart_key("listeners", live.listeners, fresh.listeners, out);
  restart_key("spool_dir", live.spool_dir, fresh.spool_dir, out);
  restart_key("data_dir", live.data_dir, fresh.data_dir, out);
  restart_key("store", live.store, fresh.store, out);
  restart_key("store_password_file", live.store_password_file, fresh.store_password_file, out);
  restart_key("policy_refresh", live.policy_refresh, fresh.policy_refresh, out);
  restart_key("control_socket", live.control_socket, fresh.control_socket, out);
  restart_key("control_group", live.control_group, fresh.control_group, out);
  restart_key("user", live.user, fresh.user, out);
  restart_key("group", live.group, fresh.group, out);
  restart_key("seccomp", live.seccomp, fresh.seccomp, out);
  restart_key("metrics", live.metrics_address, fresh.metrics_address, out);
  restart_key("rules", live.rules, fresh.rules, out);
  restart_key("tracking", live.tracking, fresh.tracking, out);
  restart_key("auth", live.auth, fresh.auth, out);
  restart_key("tls", live.tls, fresh.tls, out);
  return out;
}

}  // namespace portcullis::app
