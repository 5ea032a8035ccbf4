#include "app/quarantine_keeper.hpp"

#include <map>

#include "checks/greylist/greylist.hpp"
#include "core/log.hpp"
#include "queue/quarantine_digest.hpp"

namespace portcullis::app {
namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

int64_t period_of(const std::string& frequency) {
  if (frequency == "daily") return 86400;
  if (frequency == "weekly") return 7 * 86400;
  return 0;  // off
}

}  // namespace

QuarantineKeeper::QuarantineKeeper(std::function<std::unique_ptr<store::Store>()> open, queue::Spool& spool,
                                   std::function<void(const std::string&)> on_injected, Options options)
    : open_(std::move(open)), spool_(spool), on_injected_(std::move(on_injected)), options_(std::move(options)) {
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

QuarantineKeeper::~QuarantineKeeper() {
  thread_.request_stop();
  wake_.notify_all();
}

void QuarantineKeeper::run(std::stop_token stop) {
  std::unique_ptr<store::Store> s;
  while (!stop.stop_requested()) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, stop, options_.interval, [] { return false; });
    }
    if (stop.stop_requested()) break;
    try {
      if (!s) s = open_();
      round(*s, now_seconds());
    } catch (const std::exception& e) {
      log::warn("quarantine_keeper_error", {{"error", e.what()}});
      s.reset();  // reconnect next round
    }
  }
}

void QuarantineKeeper::round(store::Store& s, int64_t now) {
  expire(s, now);
  digests(s, now);
  greylist(s, now);
}

void QuarantineKeeper::greylist(store::Store& s, int64_t now) {
  const checks::greylist::Settings g;  // the retry window and a passed triplet's lifetime
  const std::size_t n = s.greylist_expire(now - g.retry_window.count(), now - g.passed_lifetime.count());
  if (n > 0) log::info("greylist_expired", {{"entries", std::to_string(n)}});
}

void QuarantineKeeper::expire(store::Store& s, int64_t now) {
  for (;;) {
    const auto ids = s.quarantine_expired(now, options_.gateway, 500);
    for (const auto& id : ids) {
      spool_.remove_quarantined(id);
      s.quarantine_remove(id);
      log::info("quarantine_expired", {{"queue_id", id}});
    }
    if (ids.size() < 500) break;
  }
}

void QuarantineKeeper::digests(store::Store& s, int64_t now) {
  const std::string fallback = s.get_setting("quarantine-digest").value_or("daily");
  store::QuarantineQuery q;
  q.gateway = options_.gateway;
  q.limit = 100000;
  std::map<std::string, std::vector<store::QuarantineEntry>> by_recipient;
  for (auto& e : s.quarantine_list(q)) by_recipient[e.recipient].push_back(std::move(e));
  if (by_recipient.empty()) return;
  std::map<std::string, store::DigestSetting> settings;
  for (auto& d : s.list_digests()) settings[d.recipient] = std::move(d);
  const std::string hostname = s.get_setting("hostname").value_or(options_.gateway);
  const std::string from = s.get_setting("bounce-sender").value_or("postmaster@" + hostname);
  for (const auto& [recipient, held] : by_recipient) {
    const auto it = settings.find(recipient);
    const std::string frequency = it != settings.end() ? it->second.frequency : fallback;
    const int64_t last = it != settings.end() ? it->second.last_sent : 0;
    const int64_t period = period_of(frequency);
    if (period == 0 || (last > 0 && now - last < period)) continue;
    bool fresh = false;  // something arrived since the last digest
    for (const auto& e : held) fresh = fresh || e.received >= last;
    if (!fresh) continue;
    queue::EnvelopeRecord env;
    env.received = now;
    env.client_ip = "127.0.0.1";
    env.helo = hostname;
    env.recipients = {recipient};
    env.is_bounce = true;  // from <>: never bounced itself
    const std::string id = spool_.inject(env, queue::make_quarantine_digest(hostname, from, recipient, held, now));
    if (it != settings.end()) {
      s.digest_sent(recipient, now);
    } else {  // the first digest: the recipient is recorded with the default frequency in force
      s.set_digest(store::DigestSetting{recipient, frequency, now});
    }
    log::info("quarantine_digest", {{"queue_id", id}, {"rcpt", recipient}, {"messages", std::to_string(held.size())}});
    if (on_injected_) on_injected_(id);
  }
}

}  // namespace portcullis::app
