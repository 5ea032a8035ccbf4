// Message tracking: turns the log events of messages (queued, message_rejected,
// bounce_queued, delivered, deferred, bounced) into rows of the store's message log (and
// takes the DMARC aggregate-report rows of checks/auth and the quarantine index rows the same
// way), on a
// thread of its own with its own store connection, so neither the event loop nor the
// delivery path ever waits on the database. The hand-over queue is bounded: while the
// database is unreachable, records wait (retried with backoff) up to that bound, and beyond
// it new ones are dropped and counted (event tracking_dropped) — mail flow never stalls for
// the log's sake.
#pragma once
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "core/log.hpp"
#include "store/store.hpp"

namespace portcullis::app {

class Tracker {
 public:
  struct Options {
    std::string gateway;            // this gateway's host name, recorded with each message
    std::size_t max_pending = 20000;
    std::chrono::milliseconds retry_min{500};
    std::chrono::milliseconds retry_max{30000};
    std::chrono::seconds retention{0};  // prune older messages hourly (0: never)
    bool messages = true;                 // the message log (else only DMARC rows are written)
    std::chrono::seconds dmarc_retention{0};  // prune older DMARC report rows hourly (0: never)
  };
  // open() makes the writer thread's store connection (called on that thread, again after
  // a failure).
  Tracker(std::function<std::unique_ptr<store::Store>()> open, Options options);
  ~Tracker();  // writes what is pending if the store is reachable (bounded), then stops
  Tracker(const Tracker&) = delete;
  Tracker& operator=(const Tracker&) = delete;

  // Waits until everything handed over so far is written (tests, orderly shutdown); false
  // if that did not happen within `timeout`.
  bool flush(std::chrono::milliseconds timeout);
  uint64_t written() const;
  uint64_t dropped() const;

  // A DMARC aggregate-report row (checks/auth), written like the message log's records.
  void record_dmarc(store::DmarcRow row);
  // The quarantine index rows of a held message (docs/spam.md), written the same way.
  void record_quarantine(std::vector<store::QuarantineEntry> rows);

  // The log observer's work, public for tests: one event with its fields.
  void observe(std::string_view event, std::span<const log::Field> fields);

 private:
  struct Update {
    std::string queue_id;
    store::DeliveryRecord delivery;
  };
  using Held = std::vector<store::QuarantineEntry>;
  using Job = std::variant<store::MessageRecord, Update, store::DmarcRow, Held>;

  void push(Job job);
  void run(std::stop_token stop);
  bool write(store::Store& s, const Job& job);  // false: store failed, retry later
  void prune(store::Store& s);

  std::function<std::unique_ptr<store::Store>()> open_;
  Options options_;
  mutable std::mutex mutex_;
  std::condition_variable_any wake_;
  std::condition_variable idle_;
  std::deque<Job> pending_;
  bool busy_ = false;  // the writer holds a job
  uint64_t written_ = 0;
  uint64_t dropped_ = 0;
  std::chrono::steady_clock::time_point next_prune_{};
  log::ObserverHandle observer_;
  std::jthread thread_;  // last: stopped and joined first
};

}  // namespace portcullis::app
