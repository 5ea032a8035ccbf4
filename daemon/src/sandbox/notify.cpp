#include "sandbox/notify.hpp"

#include <systemd/sd-daemon.h>

#include <cstdlib>

#include "core/log.hpp"

namespace portcullis::sandbox {

Notifier::Notifier() {
  const char* socket = std::getenv("NOTIFY_SOCKET");
  active_ = socket != nullptr && *socket != '\0';
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) watchdog_ = std::chrono::microseconds(usec);
}

void Notifier::send(const std::string& text) {
  if (!active_) return;
  const int rc = sd_notify(0, text.c_str());
  if (rc < 0) log::warn("sd_notify_failed", {{"error", std::to_string(-rc)}});
}

void Notifier::ready(const std::string& status) { send("READY=1\nSTATUS=" + status); }
void Notifier::status(const std::string& status) { send("STATUS=" + status); }
void Notifier::stopping() { send("STOPPING=1\nSTATUS=stopping"); }
void Notifier::watchdog() { send("WATCHDOG=1"); }

}  // namespace portcullis::sandbox
