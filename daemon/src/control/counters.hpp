// Counters of what the daemon did, fed by the log (a log observer, core/log.hpp): nothing in
// the SMTP server or the queue manager counts by hand. Read by the control socket's status
// and by the Prometheus endpoint. Thread-safe; observe() is cheap (no allocation for events
// that are not counted).
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/log.hpp"

namespace portcullis::control {

class Counters {
 public:
  Counters();  // registers the observer
  Counters(const Counters&) = delete;
  Counters& operator=(const Counters&) = delete;

  struct Snapshot {
    uint64_t connections = 0;
    uint64_t received = 0;   // messages queued (250 after DATA)
    uint64_t delivered = 0;  // recipients
    uint64_t deferred = 0;   // recipient attempts that failed temporarily
    uint64_t bounced = 0;    // recipients failed permanently (incl. expiry)
    uint64_t dsn_sent = 0;   // bounce messages generated
    uint64_t timeouts = 0;   // sessions closed for a timeout
    std::map<std::string, uint64_t> rejected;  // by reason (see reason_of)
  };
  Snapshot snapshot() const;

  // The reason a rejection is counted under: the enhanced status code of the reply
  // ("5.1.1", "5.7.1", "4.3.0", ...) for refused recipients, a word for the others.
  static std::string reason_of(std::string_view event, std::span<const log::Field> fields);

  // The observer's work (public for tests).
  void observe(std::string_view event, std::span<const log::Field> fields);

 private:
  mutable std::mutex mutex_;
  Snapshot counts_;
  log::ObserverHandle observer_;  // last: unregistered first
};

}  // namespace portcullis::control
