#include "hooks/engine.hpp"

#include <algorithm>
#include <chrono>
#include <system_error>

#include "core/log.hpp"

namespace portcullis::hooks {
namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace {

constexpr const char* kFailureReply = "451 4.3.0 Error: local policy rules failed, try again later";

// Names, sizes and modification times of the folder's scripts.
std::string folder_signature(const fs::path& dir) {
  std::vector<std::string> parts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.') || !name.ends_with(".lua")) continue;
    std::error_code fec;
    const auto size = entry.file_size(fec);
    const auto time = entry.last_write_time(fec).time_since_epoch().count();
    parts.push_back(name + " " + std::to_string(size) + " " + std::to_string(time));
  }
  if (ec) return "error " + ec.message();
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += p + "\n";
  return out;
}

// A worker's lazily opened store for kv calls; after a failure it waits before trying again.
class LazyStore {
 public:
  explicit LazyStore(const std::function<std::unique_ptr<store::Store>()>& open) : open_(open) {}
  store::Store* get() {
    if (store_ || !open_) return store_.get();
    const auto now = std::chrono::steady_clock::now();
    if (now < retry_at_) return nullptr;
    try {
      store_ = open_();
    } catch (const std::exception& e) {
      log::warn("rules_store_unavailable", {{"error", e.what()}});
      retry_at_ = now + std::chrono::seconds(10);
    }
    return store_.get();
  }

 private:
  const std::function<std::unique_ptr<store::Store>()>& open_;
  std::unique_ptr<store::Store> store_;
  std::chrono::steady_clock::time_point retry_at_{};
};

}  // namespace

void apply_failure_policy(Outcome& out, FailurePolicy policy, EventKind kind) {
  if (!out.failed) return;
  const bool decides = kind != EventKind::delivered && kind != EventKind::delivery_failed && kind != EventKind::error;
  if (policy == FailurePolicy::continue_ || !decides) {
    out.action = Action::none;
    return;
  }
  out.action = Action::tempfail;
  out.reply = kFailureReply;
}

Engine::Engine(EngineOptions options) : options_(std::move(options)) {
  rules_ = std::make_shared<RuleSet>();
  for (unsigned i = 0; i < options_.workers; ++i) threads_.emplace_back([this] { worker(); });
}

Engine::~Engine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

LoadReport Engine::reload() {
  if (options_.rules_dir.empty()) return LoadReport{std::make_shared<RuleSet>(), {}};
  const std::string sig = folder_signature(options_.rules_dir);
  LoadReport report = load_rules(options_.rules_dir, options_.limits);
  std::lock_guard lock(mutex_);
  signature_ = sig;
  if (report.rules) rules_ = report.rules;
  return report;
}

bool Engine::changed() const {
  if (options_.rules_dir.empty()) return false;
  const std::string sig = folder_signature(options_.rules_dir);
  std::lock_guard lock(mutex_);
  return sig != signature_;
}

std::shared_ptr<const RuleSet> Engine::current() const {
  std::lock_guard lock(mutex_);
  return rules_;
}

bool Engine::handles(EventKind kind) const { return current()->handles[static_cast<std::size_t>(kind)]; }

std::size_t Engine::script_count() const { return current()->scripts.size(); }

void Engine::submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  cv_.notify_one();
}

void Engine::worker() {
  LazyStore store(options_.open_store);
  HostServices host{[&store] { return store.get(); }};
  std::unique_ptr<Runtime> runtime;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    const auto rules = current();
    std::string error;
    if (!runtime || runtime->generation() != rules->generation || runtime->poisoned()) {
      runtime.reset();  // the old state goes first: never two at once per worker
      try {
        runtime = std::make_unique<Runtime>(rules, options_.limits, &host);
      } catch (const std::exception& e) {
        error = e.what();
        log::error("rules_runtime_failed", {{"error", error}});
      }
    }
    job(runtime.get(), error);
  }
}

asio::awaitable<Outcome> Engine::run(const EventData& data) {
  const EventData* d = &data;
  Engine* self = this;
  auto initiation = [d, self](auto handler) {
    auto ex = asio::get_associated_executor(handler);
    auto h = std::make_shared<decltype(handler)>(std::move(handler));
    self->submit([d, self, h, ex](Runtime* rt, const std::string& error) {
      Outcome out;
      if (rt != nullptr) {
        out = rt->run(*d);
      } else {
        out.failed = true;
        out.trace.push_back(Trace{"", std::string(event_name(d->kind)), "error: " + error, {}});
      }
      apply_failure_policy(out, self->options_.on_failure, d->kind);
      asio::post(ex, [h, out = std::move(out)]() mutable { std::move(*h)(std::move(out)); });
    });
  };
  co_return co_await asio::async_initiate<decltype(asio::use_awaitable), void(Outcome)>(initiation,
                                                                                       asio::use_awaitable);
}

Outcome Engine::run_here(const EventData& data) {
  const auto rules = current();
  if (!local_host_.store) {
    local_host_.store = [this]() -> store::Store* {
      if (!local_store_ && options_.open_store) {
        try {
          local_store_ = options_.open_store();
        } catch (const std::exception& e) {
          log::warn("rules_store_unavailable", {{"error", e.what()}});
        }
      }
      return local_store_.get();
    };
  }
  Outcome out;
  if (!local_ || local_->generation() != rules->generation || local_->poisoned()) {
    local_.reset();
    try {
      local_ = std::make_unique<Runtime>(rules, options_.limits, &local_host_);
    } catch (const std::exception& e) {
      out.failed = true;
      out.trace.push_back(Trace{"", std::string(event_name(data.kind)), std::string("error: ") + e.what(), {}});
    }
  }
  if (local_) out = local_->run(data);
  apply_failure_policy(out, options_.on_failure, data.kind);
  return out;
}

}  // namespace portcullis::hooks
