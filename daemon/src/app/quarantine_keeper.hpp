// The quarantine's housekeeping on each gateway (docs/spam.md), on a thread of its own with
// its own store connection (never the event loop): every `interval` it
//   - deletes the held messages of this gateway whose retention ran out (the spool file and
//     the index rows; event quarantine_expired), and
//   - sends each recipient with messages held here a digest (queue/quarantine_digest.hpp)
//     when one is due: the recipient's own frequency (portcullis quarantine-digest), else the
//     setting quarantine-digest (off | daily | weekly; default daily); only when something
//     arrived since the last digest. A recipient's first digest records them with the default
//     frequency then in force (portcullis quarantine-digest list shows it, set changes it).
//     The digest goes from <> (it never bounces back);
//   - deletes the greylisting triplets never retried within the retry window (a day) and the
//     passed ones unused for their lifetime (36 days) (checks/greylist; every gateway may do
//     it: the store's delete is idempotent).
// A store that cannot be reached is retried at the next round.
#pragma once
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "queue/spool.hpp"
#include "store/store.hpp"

namespace portcullis::app {

class QuarantineKeeper {
 public:
  struct Options {
    std::string gateway;                 // this gateway's host name (the index's gateway column)
    std::chrono::seconds interval{300};  // between rounds (the first round after one interval)
  };
  // on_injected(queue_id) is called on the keeper's thread for each digest put into the
  // spool: the daemon posts it to the queue manager.
  QuarantineKeeper(std::function<std::unique_ptr<store::Store>()> open, queue::Spool& spool,
                   std::function<void(const std::string&)> on_injected, Options options);
  ~QuarantineKeeper();
  QuarantineKeeper(const QuarantineKeeper&) = delete;
  QuarantineKeeper& operator=(const QuarantineKeeper&) = delete;

  // One round now, on the caller's thread (tests).
  void round(store::Store& s, int64_t now);

 private:
  void run(std::stop_token stop);
  void expire(store::Store& s, int64_t now);
  void digests(store::Store& s, int64_t now);
  void greylist(store::Store& s, int64_t now);

  std::function<std::unique_ptr<store::Store>()> open_;
  queue::Spool& spool_;
  std::function<void(const std::string&)> on_injected_;
  Options options_;
  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::jthread thread_;  // last: stopped and joined first
};

}  // namespace portcullis::app
