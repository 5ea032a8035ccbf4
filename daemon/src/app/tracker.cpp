#include "app/tracker.hpp"

#include <charconv>
#include <cstdlib>
#include <map>

namespace portcullis::app {
namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t to_number(std::string_view text) {
  uint64_t n = 0;
  std::from_chars(text.data(), text.data() + text.size(), n);
  return n;
}

std::string sender_of(std::string_view from) { return from == "<>" ? std::string() : std::string(from); }

std::vector<std::string> split(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const std::size_t comma = list.find(',');
    if (comma != 0) out.emplace_back(list.substr(0, comma));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace

Tracker::Tracker(std::function<std::unique_ptr<store::Store>()> open, Options options)
    : open_(std::move(open)), options_(std::move(options)) {
  if (options_.messages)
    observer_ = log::ObserverHandle(
        [this](log::Level, std::string_view event, std::span<const log::Field> fields, std::string_view) {
          observe(event, fields);
        });
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

Tracker::~Tracker() {
  observer_ = log::ObserverHandle();  // no new jobs
  flush(std::chrono::seconds(5));
  thread_.request_stop();
  wake_.notify_all();
}

void Tracker::observe(std::string_view event, std::span<const log::Field> fields) {
  const bool message = event == "queued" || event == "message_rejected" || event == "message_discarded" ||
                       event == "bounce_queued";
  const bool delivery = event == "delivered" || event == "deferred" || event == "bounced";
  if (!message && !delivery) return;
  std::map<std::string_view, std::string_view> f(fields.begin(), fields.end());
  const auto get = [&f](std::string_view key) {
    auto it = f.find(key);
    return it == f.end() ? std::string_view() : it->second;
  };
  if (get("queue_id").empty()) return;
  const int64_t now = now_seconds();
  if (delivery) {
    Update u;
    u.queue_id = get("queue_id");
    u.delivery = store::DeliveryRecord{std::string(get("rcpt")), std::string(event), std::string(get("reply")),
                                       get("relay") == "none" ? std::string() : std::string(get("relay")),
                                       static_cast<unsigned>(to_number(get("attempt"))), now, std::string(get("tls"))};
    push(std::move(u));
    return;
  }
  store::MessageRecord m;
  m.queue_id = get("queue_id");
  m.received = now;
  m.gateway = options_.gateway;
  if (event == "bounce_queued") {  // a DSN we generated: from <> to the original sender
    m.client_ip = "local";
    m.verdict = "accept";
    m.symbols = "DSN original=" + std::string(get("original"));
    m.deliveries.push_back(store::DeliveryRecord{std::string(get("to")), "queued", "", "", 0, now, ""});
  } else {
    m.client_ip = get("client");
    m.helo = get("helo");
    m.tls = get("tls");
    m.sender = sender_of(get("from"));
    m.size = to_number(get("size"));
    m.verdict = get("verdict");
    m.score = std::strtod(std::string(get("score")).c_str(), nullptr);
    m.symbols = get("symbols");
    if (!get("reason").empty()) m.symbols += (m.symbols.empty() ? "" : " ") + ("REJECT_" + std::string(get("reason")));
    const char* status = event == "queued" ? (m.verdict == "quarantine" ? "quarantined" : "queued")
                         : event == "message_discarded" ? "discarded"
                                                         : "rejected";
    for (auto& r : split(get("rcpts"))) m.deliveries.push_back(store::DeliveryRecord{r, status, "", "", 0, now, ""});
  }
  push(std::move(m));
}

void Tracker::record_dmarc(store::DmarcRow row) { push(std::move(row)); }

void Tracker::record_quarantine(std::vector<store::QuarantineEntry> rows) { push(Held(std::move(rows))); }

void Tracker::push(Job job) {
  {
    std::lock_guard lock(mutex_);
    if (pending_.size() >= options_.max_pending) {
      ++dropped_;
      return;
    }
    pending_.push_back(std::move(job));
  }
  wake_.notify_one();
}

bool Tracker::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return pending_.empty() && !busy_; });
}

uint64_t Tracker::written() const {
  std::lock_guard lock(mutex_);
  return written_;
}

uint64_t Tracker::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

bool Tracker::write(store::Store& s, const Job& job) {
  try {
    if (const auto* m = std::get_if<store::MessageRecord>(&job)) {
      s.log_message(*m);
    } else if (const auto* row = std::get_if<store::DmarcRow>(&job)) {
      s.dmarc_record(*row);
    } else if (const auto* held = std::get_if<Held>(&job)) {
      s.quarantine_add(*held);
    } else {
      const auto& u = std::get<Update>(job);
      try {
        s.log_delivery(u.queue_id, u.delivery);
      } catch (const store::StoreError&) {
        // Unknown message (queued before tracking began, or its record was dropped): if
        // the store answers the lookup, the update has nowhere to go; else it is down.
        store::MessageQuery q;
        q.queue_id = u.queue_id;
        if (s.search_messages(q).empty()) return true;
        throw;
      }
    }
    return true;
  } catch (const std::exception& e) {
    log::warn("tracking_store_error", {{"error", e.what()}});
    return false;
  }
}

void Tracker::prune(store::Store& s) {
  const auto now = std::chrono::steady_clock::now();
  if ((options_.retention.count() <= 0 && options_.dmarc_retention.count() <= 0) || now < next_prune_) return;
  next_prune_ = now + std::chrono::hours(1);
  try {
    if (options_.retention.count() > 0) {
      const auto removed = s.prune_messages(now_seconds() - options_.retention.count());
      if (removed > 0) log::info("tracking_pruned", {{"messages", std::to_string(removed)}});
    }
    if (options_.dmarc_retention.count() > 0) {
      const auto removed = s.dmarc_prune(now_seconds() - options_.dmarc_retention.count());
      if (removed > 0) log::info("dmarc_rows_pruned", {{"rows", std::to_string(removed)}});
    }
  } catch (const std::exception& e) {
    log::warn("tracking_store_error", {{"error", e.what()}});
  }
}

void Tracker::run(std::stop_token stop) {
  std::unique_ptr<store::Store> s;
  auto delay = options_.retry_min;
  while (!stop.stop_requested()) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      busy_ = false;
      idle_.notify_all();
      if (!wake_.wait(lock, stop, [this] { return !pending_.empty(); })) break;
      job = pending_.front();
      busy_ = true;
    }
    bool ok = false;
    try {
      if (!s) s = open_();
      ok = write(*s, job);
      if (ok) prune(*s);
    } catch (const std::exception& e) {
      log::warn("tracking_store_error", {{"error", e.what()}});
    }
    if (ok) {
      std::lock_guard lock(mutex_);
      pending_.pop_front();
      ++written_;
      delay = options_.retry_min;
      continue;
    }
    s.reset();  // reconnect next time
    std::unique_lock lock(mutex_);
    busy_ = false;
    idle_.notify_all();
    wake_.wait_for(lock, stop, delay, [] { return false; });
    delay = std::min(delay * 2, options_.retry_max);
  }
  std::lock_guard lock(mutex_);
  busy_ = false;
  idle_.notify_all();
}

}  // namespace portcullis::app
