// sd_notify for portcullisd under systemd (Type=notify): READY=1 once the listeners and the
// store are up, STATUS= lines, STOPPING=1, and WATCHDOG=1 pings. Without NOTIFY_SOCKET every
// call is a no-op, so the daemon runs the same by hand.
// The pings come from the event loop (app/daemon.cpp runs a timer at half the interval), so a
// hung loop stops them and systemd restarts the daemon. sd_notify sends one datagram on a unix
// socket: quick enough for the loop.
#pragma once
#include <chrono>
#include <optional>
#include <string>

namespace portcullis::sandbox {

class Notifier {
 public:
  Notifier();
  bool active() const { return active_; }
  void ready(const std::string& status);
  void status(const std::string& status);
  void stopping();
  void watchdog();
  // The watchdog interval systemd asked for (WATCHDOG_USEC for this process), if any.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

 private:
  void send(const std::string& text);
  bool active_ = false;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace portcullis::sandbox
