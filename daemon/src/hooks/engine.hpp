// The hook engine: runs rule scripts on its own worker threads, one Lua state per worker, so
// neither a slow script nor a limit hit ever stalls the event loop. run() is awaited by the
// SMTP sessions and the queue manager; the handlers run on a worker and the coroutine resumes
// on its own executor with the Outcome. No state is shared between sessions except through
// the kv API (the Store).
// reload() reads and checks the rules folder; only a set without errors replaces the running
// one (atomically: workers pick the new generation up before their next event), so a broken
// file leaves the old set running. changed() tells whether the folder differs from what was
// last read (polled by the daemon for hot reload).
// When a script fails (error or limit), the outcome follows `on_failure`: tempfail (4xx for
// the session, deferral for a delivery) or continue.
#pragma once
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "hooks/runtime.hpp"
#include "store/store.hpp"

namespace portcullis::hooks {

enum class FailurePolicy { tempfail, continue_ };

struct EngineOptions {
  std::filesystem::path rules_dir;  // empty: no scripts
  Limits limits;
  unsigned workers = 2;  // 0: run_here() only
  FailurePolicy on_failure = FailurePolicy::tempfail;
  // Opens a store connection for a worker's kv calls (nullptr: kv unavailable).
  std::function<std::unique_ptr<store::Store>()> open_store;
};

// Turns a failed outcome into the configured default (the SMTP reply or a deferral).
void apply_failure_policy(Outcome& out, FailurePolicy policy, EventKind kind);

class Engine {
 public:
  explicit Engine(EngineOptions options);
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Reads and checks the rules folder; installs the set only if it has no errors.
  LoadReport reload();
  // The folder's files differ (names, sizes, times) from those last read by reload().
  bool changed() const;
  // Some loaded script handles the event (cheap: lets callers skip building the view).
  bool handles(EventKind kind) const;
  std::size_t script_count() const;

  // Runs the event's handlers on a worker thread.
  boost::asio::awaitable<Outcome> run(const EventData& data);
  // Runs on the calling thread (tests, `portcullis rules test`), with its own Lua state.
  Outcome run_here(const EventData& data);

 private:
  using Job = std::function<void(Runtime*, const std::string& error)>;
  void worker();
  void submit(Job job);
  std::shared_ptr<const RuleSet> current() const;

  EngineOptions options_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::shared_ptr<const RuleSet> rules_;
  std::string signature_;  // of the folder as last read
  std::vector<std::thread> threads_;
  std::unique_ptr<Runtime> local_;  // run_here's runtime
  HostServices local_host_;
  std::unique_ptr<store::Store> local_store_;
};

}  // namespace portcullis::hooks
