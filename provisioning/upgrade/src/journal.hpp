// What an upgrade run tells: each step and its outcome on the console and, with the output
// of every program it ran, in its own log file (/var/log/portcullis-upgrade/RUN.log); one
// line per run in the history file; a lock so that only one run changes the system.
#pragma once
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/process.hpp"

namespace portcullis::upgrade {

class Journal {
 public:
  // log_dir empty: console only (check, history).
  Journal(const std::filesystem::path& log_dir, const std::string& run_id, std::ostream& console);
  void step(std::string_view name);     // a numbered step begins
  void info(std::string_view text);     // console and log
  void detail(std::string_view text);   // log only: program output
  const std::filesystem::path& path() const { return path_; }

 private:
  void write(std::string_view text, bool console);
  std::ostream& console_;
  std::ofstream file_;
  std::filesystem::path path_;
  int steps_ = 0;
};

struct HistoryEntry {
  std::string time, action, from, to, result, detail;
};

void append_history(const std::filesystem::path& file, const HistoryEntry& entry);
std::vector<HistoryEntry> read_history(const std::filesystem::path& file);

// An exclusive flock on the lock file, held until destroyed. Throws with the holder's pid
// when another run holds it.
class RunLock {
 public:
  explicit RunLock(const std::filesystem::path& file);

 private:
  core::Fd fd_;
};

// "2026-11-23T20:15:00Z" now, and "20261123-201500" for run and backup names.
std::string utc_now();
std::string run_id_now();

}  // namespace portcullis::upgrade
