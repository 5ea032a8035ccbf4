#include "queue/manager.hpp"

#include "smtp/rule_calls.hpp"

#include <ctime>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <filesystem>

#include "checks/auth/message_auth.hpp"
#include "core/async.hpp"
#include "core/log.hpp"
#include "queue/dane.hpp"
#include "queue/dsn.hpp"
#include "queue/route.hpp"

namespace portcullis::queue {
namespace asio = boost::asio;

namespace {
int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string domain_of(const std::string& addr) {
  auto at = addr.rfind('@');
  std::string d = at == std::string::npos ? std::string() : addr.substr(at + 1);
  for (auto& c : d) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return d;
}
}  // namespace

// Per-destination concurrency: a counting semaphore whose waiters are woken in FIFO order.
struct Manager::Limiter {
  unsigned active = 0;
  std::deque<std::shared_ptr<asio::steady_timer>> waiters;
};

Manager::Manager(const core::Config& config, asio::io_context& io, asio::thread_pool& workers, Spool& spool,
                 net::Resolver& resolver, std::function<std::shared_ptr<const policy::Snapshot>()> policy)
    : config_(config), io_(io), workers_(workers), spool_(spool), resolver_(resolver),
      tls_client_(tls::make_client_context(config.tls.ca_file)), policy_(std::move(policy)),
      wake_(io) {
  if (config.tls.mta_sts)
    mta_sts_ = std::make_unique<MtaSts>(io.get_executor(), resolver, tls_client_,
                                        MtaSts::Options{config.tls.mta_sts_port, config.timeouts.connect});
  // DANE trusts the resolver's AD bit: only a resolver on this host can be trusted with it.
  dane_ = config.tls.dane && resolver.servers_local();
  if (config.tls.dane && !dane_)
    log::warn("dane_disabled", {{"reason", "a DNS resolver is not on this host (loopback): its AD bit cannot be trusted"}});
}

Manager::~Manager() = default;

void Manager::start() {
  if (started_) return;
  started_ = true;
  asio::co_spawn(io_, run(), asio::detached);
}

void Manager::stop() {
  stopping_ = true;
  wake();
  close_idle(true);
  for (auto& [key, l] : limiters_)
    for (auto& w : l->waiters) w->cancel();
}

void Manager::wake() { wake_.cancel(); }

std::vector<std::string> Manager::describe() const {
  std::vector<std::string> out;
  std::unordered_set<std::string> waiting;
  for (const auto& [due, id] : schedule_) {
    out.push_back(id + " due=" + std::to_string(due));
    waiting.insert(id);
  }
  for (const auto& id : known_)
    if (!waiting.contains(id)) out.push_back(id + " in-delivery");
  return out;
}

void Manager::schedule(const std::string& id, int64_t when) {
  known_.insert(id);
  schedule_.emplace(when, id);
}

void Manager::enqueue(const std::string& id) {
  if (known_.count(id)) return;
  schedule(id, 0);
  wake();
}

void Manager::flush() {
  std::set<std::pair<int64_t, std::string>> now;
  for (const auto& [when, id] : schedule_) now.emplace(0, id);
  schedule_.swap(now);
  log::info("queue_flush", {{"messages", std::to_string(schedule_.size())}});
  wake();
}

int64_t Manager::backoff(unsigned attempts) const {
  // retry_base, doubled per failed attempt, capped at retry_max.
  int64_t delay = config_.delivery.retry_base.count();
  for (unsigned i = 1; i < attempts && delay < config_.delivery.retry_max.count(); ++i) delay *= 2;
  return std::min<int64_t>(delay, config_.delivery.retry_max.count());
}

asio::awaitable<hooks::Outcome> Manager::rules(const hooks::EventData& e) {
  return smtp::run_rules(hooks_, e);  // the same run and log line as the sessions'
}

hooks::EventData Manager::event_for(hooks::EventKind kind, const Spool::Loaded& msg, unsigned attempt) const {
  hooks::EventData e;
  e.kind = kind;
  e.queue_id = msg.envelope.id;
  e.client_ip = msg.envelope.client_ip;
  e.helo = msg.envelope.helo;
  e.null_sender = msg.envelope.sender.empty();
  e.sender = msg.envelope.sender;
  e.recipients = msg.envelope.recipients;
  e.size = msg.message.size();
  e.attempt = attempt;
  e.route = msg.envelope.route;
  e.policy = policy_();
  return e;
}

asio::awaitable<void> Manager::recover() {
  std::vector<std::string> ids = co_await core::offload(workers_, [this] { return spool_.recover(); });
  for (const auto& id : ids) {
    auto st = co_await core::offload(workers_, [&] { return spool_.load_state(id); });
    schedule(id, st ? st->next_attempt : 0);
  }
  log::info("queue_recovered", {{"messages", std::to_string(ids.size())}});
}

asio::awaitable<void> Manager::run() {
  try {
    co_await recover();
  } catch (const std::exception& e) {
    log::error("queue_recover_failed", {{"error", e.what()}});
  }
  const auto flush_file = spool_.dir() / "flush";
  const auto rescan_file = spool_.dir() / "rescan";
  auto last_idle_sweep = std::chrono::steady_clock::now();
  while (!stopping_) {
    // CLI "queue flush" leaves a file behind.
    std::error_code ec;
    if (std::filesystem::exists(flush_file, ec)) {
      std::filesystem::remove(flush_file, ec);
      flush();
    }
    // CLI "quarantine release" moved messages into the queue: pick them up.
    if (std::filesystem::exists(rescan_file, ec)) {
      std::filesystem::remove(rescan_file, ec);
      try {
        const auto ids = co_await core::offload(workers_, [this] { return spool_.list(); });
        for (const auto& id : ids)
          if (!known_.count(id) && !running_.count(id)) enqueue(id);
      } catch (const std::exception& e) {
        log::error("queue_rescan_failed", {{"error", e.what()}});
      }
    }
    const int64_t now = now_unix();
    while (!schedule_.empty() && schedule_.begin()->first <= now &&
           running_.size() < config_.delivery.concurrency) {
      const std::string id = schedule_.begin()->second;
      schedule_.erase(schedule_.begin());
      running_.insert(id);
      asio::co_spawn(io_, deliver(id), asio::detached);
    }
    if (std::chrono::steady_clock::now() - last_idle_sweep > std::chrono::seconds(1)) {
      close_idle(false);
      last_idle_sweep = std::chrono::steady_clock::now();
    }
    // Sleep until the next due message, a wake-up, or one second (flush file, idle sweep).
    wake_.expires_after(std::chrono::seconds(1));
    if (!schedule_.empty() && running_.size() < config_.delivery.concurrency && schedule_.begin()->first <= now)
      wake_.expires_after(std::chrono::milliseconds(0));
    boost::system::error_code wec;
    co_await wake_.async_wait(asio::redirect_error(asio::use_awaitable, wec));
  }
}

asio::awaitable<void> Manager::acquire(const std::string& key) {
  auto& l = limiters_[key];
  if (!l) l = std::make_unique<Limiter>();
  if (l->active < config_.delivery.concurrency_per_destination) {
    ++l->active;
    co_return;
  }
  auto t = std::make_shared<asio::steady_timer>(io_, asio::steady_timer::time_point::max());
  l->waiters.push_back(t);
  boost::system::error_code ec;
  co_await t->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  // Woken by release(), which handed its slot over (active unchanged).
}

void Manager::release(const std::string& key) {
  auto& l = limiters_[key];
  if (!l->waiters.empty()) {
    auto t = l->waiters.front();
    l->waiters.pop_front();
    t->cancel();
    return;
  }
  --l->active;
}

void Manager::close_idle(bool all) {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = idle_.begin(); it != idle_.end();) {
    auto& q = it->second;
    while (!q.empty() && (all || now - q.front().since > config_.delivery.idle_connection)) {
      auto conn = std::shared_ptr<smtp::ClientConnection>(std::move(q.front().conn));
      q.pop_front();
      asio::co_spawn(io_, [conn]() -> asio::awaitable<void> { co_await conn->quit(); }, asio::detached);
    }
    it = q.empty() ? idle_.erase(it) : std::next(it);
  }
}

asio::awaitable<void> Manager::deliver_group(const Spool::Loaded& msg, const std::string& key,
                                             const std::string& domain, std::vector<std::string> rcpts,
                                             DeliveryState& state, std::map<std::string, std::string>& remote,
                                             std::map<std::string, std::string>& tls_used) {
  co_await acquire(key);
  struct Slot {
    Manager& m;
    std::string key;
    core::Lifetime::Token owner;
    ~Slot() {
      if (owner.alive()) m.release(key);
    }
  } slot{*this, key, lifetime_.token()};
  if (stopping_) co_return;

  auto snapshot = policy_();
  std::unique_ptr<smtp::ClientConnection> conn;
  if (auto it = idle_.find(key); it != idle_.end() && !it->second.empty()) {
    conn = std::move(it->second.back().conn);
    it->second.pop_back();
  }
  auto set_all = [&](RcptStatus st, const std::string& reply, const std::string& peer) {
    for (const auto& r : rcpts) {
      state.rcpts[r] = RcptState{st, reply};
      remote[r] = peer;
    }
  };
  if (!conn) {
    Route route;
    if (key.starts_with("route:")) {
      route = co_await resolve_override(resolver_, key.substr(6));
    } else {
      route = co_await resolve_route(resolver_, snapshot.get(), domain, config_.delivery.mx_port);
    }
    if (route.status != RouteStatus::ok) {
      set_all(route.status == RouteStatus::perm_failure ? RcptStatus::failed : RcptStatus::pending, route.error, "");
      co_return;
    }
    smtp::ClientTimeouts t{config_.timeouts.connect, config_.timeouts.greeting, config_.timeouts.command,
                           config_.timeouts.data_done};
    // The destination domain's TLS policy (none: opportunistic).
    smtp::ClientTls tls{tls_client_, smtp::TlsMode::may, {}, {}};
    const store::TlsPolicy* admin = snapshot ? snapshot->tls_policy_for(domain) : nullptr;
    if (admin) {
      smtp::parse_tls_mode(admin->mode, tls.mode);
      for (std::size_t start = 0; start < admin->match_names.size();) {
        std::size_t comma = admin->match_names.find(',', start);
        if (comma == std::string::npos) comma = admin->match_names.size();
        if (comma > start) tls.names.push_back(admin->match_names.substr(start, comma - start));
        start = comma + 1;
      }
    }
    // DANE: hosts with validated TLSA records are held to them under every policy but none
    // (RFC 7672; they take precedence over MTA-STS, RFC 8461 2).
    if (dane_ && tls.mode != smtp::TlsMode::none) tls.dane = co_await dane_hosts(resolver_, route);
    // MTA-STS for Internet domains, unless the admin set a policy for the domain itself (or a
    // parent): "*" is only a default, a published policy is more specific.
    const bool ours = snapshot && snapshot->find_domain(domain) != nullptr;
    if (mta_sts_ && !key.starts_with("route:") && !ours && !(admin && admin->domain != "*")) {
      const auto sts = co_await mta_sts_->policy_for(domain);
      if (sts && sts->mode != tls::StsMode::none) {
        const bool enforce = sts->mode == tls::StsMode::enforce;
        Route allowed;
        allowed.name = route.name;
        for (std::size_t i = 0; i < route.endpoints.size(); ++i) {
          const std::string& host = i < route.hosts.size() ? route.hosts[i] : route.name;
          if (tls::sts_mx_matches(*sts, host) || tls.dane.contains(host)) {
            allowed.add(route.endpoints[i], host);
          } else {
            log::warn("mta_sts_mx_mismatch", {{"domain", domain}, {"mx", host},
                                               {"action", enforce ? "skipped" : "used (testing mode)"}});
          }
        }
        if (enforce) {
          if (allowed.endpoints.empty()) {
            set_all(RcptStatus::pending, "451 4.7.5 no MX host of " + domain + " matches its MTA-STS policy", "");
            co_return;
          }
          route = std::move(allowed);
          tls.mode = smtp::TlsMode::verify;  // each MX under its own name, trusted CA (RFC 8461 4.2)
          tls.names.clear();
        }
      }
    }
    try {
      conn = co_await smtp::ClientConnection::connect(io_.get_executor(), route.endpoints, config_.hostname,
                                                      route.name, t, tls, route.hosts);
    } catch (const smtp::ClientConnection::ConnectError& e) {
      // A 5xx greeting from every host is permanent; anything else is retried (with the 4xx
      // the attempt ended with, e.g. 4.7.5 when a TLS policy could not be met).
      const bool perm = e.reply.permanent();
      const bool temp_reply = e.reply.code >= 400 && e.reply.code < 500;
      set_all(perm ? RcptStatus::failed : RcptStatus::pending,
              perm || temp_reply ? e.reply.line() : std::string("451 4.4.1 ") + e.what(), perm ? route.name : "");
      co_return;
    }
  }
  smtp::OutboundMessage out{msg.envelope.sender, rcpts, msg.message, msg.envelope.body_8bit, msg.envelope.smtputf8};
  smtp::TransactionResult res = co_await conn->send(out);
  for (std::size_t i = 0; i < rcpts.size(); ++i) {
    const smtp::Reply& rr = res.rcpts[i];
    RcptState st;
    if (rr.ok()) {
      st.reply = res.data.code == 0 ? "451 4.4.2 " + res.data.line() : res.data.line();
      st.status = res.data.ok() ? RcptStatus::delivered
                                : (res.data.permanent() ? RcptStatus::failed : RcptStatus::pending);
    } else {
      st.reply = rr.code == 0 ? "451 4.4.2 " + rr.line() : rr.line();
      st.status = rr.permanent() ? RcptStatus::failed : RcptStatus::pending;
    }
    state.rcpts[rcpts[i]] = st;
    remote[rcpts[i]] = conn->peer();
    tls_used[rcpts[i]] = conn->tls();
  }
  if (conn->usable() && !stopping_) {
    idle_[key].push_back(IdleConnection{std::move(conn), std::chrono::steady_clock::now()});
  } else if (conn->usable()) {
    co_await conn->quit();
  }
}

asio::awaitable<void> Manager::deliver(std::string id) {
  struct Done {
    Manager& m;
    std::string id;
    core::Lifetime::Token owner;
    bool keep = false;
    ~Done() {
      if (!owner.alive()) return;  // frame destroyed after the manager, at shutdown
      m.running_.erase(id);
      if (!keep) m.known_.erase(id);
      m.wake();
    }
  } done{*this, id, lifetime_.token()};

  std::optional<Spool::Loaded> msg;
  try {
    msg = co_await core::offload(workers_, [&] { return spool_.load(id); });
  } catch (const std::exception& e) {
    log::error("queue_load_failed", {{"queue_id", id}, {"error", e.what()}});
    co_return;  // corrupt file: left in place for the admin, not retried in a loop
  }
  if (!msg) co_return;  // deleted meanwhile
  if (!msg->envelope.quarantine.empty()) {  // held by a rule: not delivered until released
    log::info("quarantined", {{"queue_id", id}, {"reason", msg->envelope.quarantine}});
    co_return;
  }
  DeliveryState state = msg->state;
  const int64_t now = now_unix();
  const bool expired = now - msg->envelope.received >= config_.delivery.expiry.count();
  const unsigned attempt = state.attempts + 1;

  // on_deliver_start: a rule may defer, fail or discard the message, or route it elsewhere.
  std::string route = msg->envelope.route;
  std::string rule_reply;  // the reply given to every pending recipient by a rule
  RcptStatus rule_status = RcptStatus::pending;
  if (!expired) {
    const hooks::Outcome out = co_await rules(event_for(hooks::EventKind::deliver_start, *msg, attempt));
    if (out.action == hooks::Action::discard) {
      co_await core::offload(workers_, [&] { spool_.remove(id); });
      log::info("discarded", {{"queue_id", id}, {"script", out.decided_by}});
      co_return;
    }
    if (out.action == hooks::Action::tempfail || out.action == hooks::Action::reject) {
      rule_reply = out.reply;
      rule_status = out.action == hooks::Action::reject ? RcptStatus::failed : RcptStatus::pending;
    }
    if (!out.route.empty()) route = out.route;
  }

  // Group the pending recipients by route.
  auto snapshot = policy_();
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> groups;  // key -> (domain, rcpts)
  std::map<std::string, std::string> remote;
  std::map<std::string, std::string> tls_used;  // rcpt -> "TLSv1.3 CIPHER" of the hop ("" in clear)
  for (const auto& r : msg->envelope.recipients) {
    auto it = state.rcpts.find(r);
    if (it != state.rcpts.end() && it->second.status != RcptStatus::pending) continue;
    if (expired) {
      const std::string last = it != state.rcpts.end() ? it->second.reply : std::string();
      const auto secs = config_.delivery.expiry.count();
      const std::string age = secs % 3600 == 0 ? std::to_string(secs / 3600) + " hours" : std::to_string(secs) + " seconds";
      state.rcpts[r] = RcptState{RcptStatus::failed, "550 5.4.7 message expired after " + age + " in the queue" +
                                                          (last.empty() ? "" : "; last error: " + last)};
      continue;
    }
    if (!rule_reply.empty()) {
      state.rcpts[r] = RcptState{rule_status, rule_reply};
      remote[r] = "rule";
      continue;
    }
    const std::string domain = domain_of(r);
    auto& g = groups[route.empty() ? route_key(snapshot.get(), domain, config_.delivery.mx_port) : override_key(route)];
    g.first = domain;
    g.second.push_back(r);
  }
  // DKIM: mail of the organisation is signed once per attempt, for every destination.
  if (!groups.empty() && snapshot && DkimSigning::wanted(*snapshot, msg->envelope)) {
    const std::time_t signed_at = std::time(nullptr);
    const auto sig = co_await core::offload(workers_, [&] { return signing_.sign(*snapshot, msg->message, signed_at); });
    if (!sig.fields.empty()) {
      msg->message.insert(0, sig.fields);
      log::info("dkim_signed", {{"queue_id", id}, {"domain", sig.domain}, {"selectors", sig.selectors}});
    }
    if (!sig.error.empty()) log::warn("dkim_sign_failed", {{"queue_id", id}, {"error", sig.error}});
  }
  // ARC: mail from outside whose chain we validated gets our seal, the last change made.
  if (!groups.empty() && snapshot && !DkimSigning::seal_domain(*snapshot, msg->envelope).empty()) {
    const std::time_t sealed_at = std::time(nullptr);
    const std::string authserv_id = checks::auth_settings(snapshot.get(), config_.hostname).authserv_id;
    const auto set = co_await core::offload(
        workers_, [&] { return signing_.seal(*snapshot, msg->envelope, msg->message, authserv_id, sealed_at); });
    if (!set.fields.empty()) {
      msg->message.insert(0, set.fields);
      log::info("arc_sealed", {{"queue_id", id}, {"domain", set.domain}, {"selector", set.selectors},
                               {"chain", msg->envelope.arc}});
    } else if (!set.error.empty()) {
      log::warn("arc_seal_failed", {{"queue_id", id}, {"error", set.error}});
    }
  }
  for (auto& [key, g] : groups) {
    if (stopping_) break;
    // on_deliver: the last word before connecting, per destination.
    hooks::EventData e = event_for(hooks::EventKind::deliver, *msg, attempt);
    e.recipients = g.second;
    e.destination = key;
    const hooks::Outcome out = co_await rules(e);
    if (out.action == hooks::Action::tempfail || out.action == hooks::Action::reject) {
      for (const auto& r : g.second) {
        state.rcpts[r] = RcptState{out.action == hooks::Action::reject ? RcptStatus::failed : RcptStatus::pending,
                                   out.reply};
        remote[r] = "rule";
      }
      continue;
    }
    co_await deliver_group(*msg, key, g.first, g.second, state, remote, tls_used);
  }

  // on_delivered / on_delivery_failed for what happened to each recipient in this attempt.
  if (hooks_ != nullptr &&
      (hooks_->handles(hooks::EventKind::delivered) || hooks_->handles(hooks::EventKind::delivery_failed))) {
    for (const auto& r : msg->envelope.recipients) {
      if (remote.count(r) == 0) continue;
      const auto& st = state.rcpts[r];
      hooks::EventData e = event_for(st.status == RcptStatus::delivered ? hooks::EventKind::delivered
                                                                         : hooks::EventKind::delivery_failed,
                                     *msg, attempt);
      e.recipients = {r};
      e.rcpt = r;
      e.destination = remote[r];
      e.reply = st.reply;
      e.permanent = st.status == RcptStatus::failed;
      co_await rules(e);
    }
  }

  // The outcome of this attempt for each recipient; permanent failures get a bounce.
  std::vector<std::string> tried;  // recipients this attempt had a result for
  std::vector<FailedRecipient> failed;
  bool pending = false;
  for (const auto& r : msg->envelope.recipients) {
    const auto& st = state.rcpts[r];
    if (st.status == RcptStatus::pending) pending = true;
    const bool newly_failed = st.status == RcptStatus::failed && msg->state.rcpts[r].status != RcptStatus::failed;
    if (remote.count(r) == 0 && !newly_failed) continue;
    tried.push_back(r);
    if (newly_failed)
      failed.push_back(FailedRecipient{r, st.reply, remote.count(r) ? remote[r] : std::string()});
  }

  // Persist first, then log: once "deferred" is in the log, the retry is scheduled and the
  // queue file says so (tests and admins may act on the log line at once).
  std::string update_error;
  bool removed = false;
  std::string bounce_id;
  try {
    if (!failed.empty() && !msg->envelope.sender.empty() && !msg->envelope.is_bounce) {
      EnvelopeRecord b;
      b.received = now;
      b.client_ip = "127.0.0.1";
      b.helo = config_.hostname;
      b.sender = "";
      b.recipients = {msg->envelope.sender};
      b.is_bounce = true;
      b.body_8bit = msg->envelope.body_8bit;
      const std::string dsn =
          make_dsn(config_.hostname, id, msg->envelope.sender, msg->envelope.received, now, failed, msg->message);
      bounce_id = co_await core::offload(workers_, [&] { return spool_.inject(b, dsn); });
    }
    if (!pending) {
      co_await core::offload(workers_, [&] { spool_.remove(id); });
      removed = true;
    } else {
      state.attempts += 1;
      state.next_attempt = now + backoff(state.attempts);
      // For recipients that got a permanent result keep it, so a retry never repeats them.
      co_await core::offload(workers_, [&] {
        if (std::filesystem::exists(spool_.queue_path(id))) spool_.save_state(id, state);
      });
      done.keep = true;
      schedule(id, state.next_attempt);
    }
  } catch (const std::exception& e) {
    update_error = e.what();
    done.keep = true;
    schedule(id, now + backoff(state.attempts + 1));
  }

  for (const auto& r : tried) {
    const auto& st = state.rcpts[r];
    const char* result = st.status == RcptStatus::delivered ? "delivered"
                         : st.status == RcptStatus::failed  ? "bounced"
                                                            : "deferred";
    log::info(result, {{"queue_id", id}, {"from", msg->envelope.sender.empty() ? "<>" : msg->envelope.sender},
                       {"rcpt", r}, {"relay", remote.count(r) ? remote[r] : std::string("none")},
                       {"tls", tls_used.count(r) ? tls_used[r] : std::string()},
                       {"attempt", std::to_string(attempt)}, {"reply", st.reply}});
  }
  if (!failed.empty() && (msg->envelope.sender.empty() || msg->envelope.is_bounce))
    log::info("bounce_suppressed", {{"queue_id", id}, {"reason", "null sender"}});
  if (!bounce_id.empty()) {
    log::info("bounce_queued", {{"queue_id", bounce_id}, {"original", id}, {"to", msg->envelope.sender},
                                {"failed", std::to_string(failed.size())}});
    enqueue(bounce_id);
  }
  if (removed) log::info("removed", {{"queue_id", id}});
  if (!update_error.empty()) log::error("queue_update_failed", {{"queue_id", id}, {"error", update_error}});
}

}  // namespace portcullis::queue
