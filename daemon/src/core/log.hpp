// Structured logging: one line per event, `key=value` pairs, greppable.
// log::info("delivered", {{"queue_id", id}, {"relay", host}}) prints
//   2026-11-22T10:00:00.123Z info delivered queue_id=ABC relay=mx.example:25
// Values with spaces, quotes or '=' are quoted. Output goes to stderr, or to whatever
// set_output() installed (sandbox/journal.hpp: journald with structured fields).
#pragma once
#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace portcullis::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3 };

using Field = std::pair<std::string_view, std::string_view>;

void set_level(Level level);
Level level();
// Parses "debug" | "info" | "warn" | "error"; returns false if unknown.
bool parse_level(std::string_view text, Level& out);

void write(Level level, std::string_view event, std::initializer_list<Field> fields);
// Formats one line without writing it (used by tests).
std::string format(Level level, std::string_view event, std::initializer_list<Field> fields);

// Replaces the stderr output of lines at or above the level (nullptr: back to stderr). Called
// under the log's lock, like observers.
using Output = std::function<void(Level level, std::string_view event, std::span<const Field> fields,
                                  std::string_view line)>;
void set_output(Output out);

// Observers see every event at every level (counters, the control socket's live tail, the
// message log), whatever the level threshold of the stderr output. They run on the thread
// that logs, under the log's lock: they must be quick and must not log themselves.
// `line` is the formatted line (with its newline).
using Observer =
    std::function<void(Level level, std::string_view event, std::span<const Field> fields, std::string_view line)>;

// Registers an observer for the lifetime of the handle (RAII).
class ObserverHandle {
 public:
  ObserverHandle() = default;
  explicit ObserverHandle(Observer fn);
  ~ObserverHandle();
  ObserverHandle(const ObserverHandle&) = delete;
  ObserverHandle& operator=(const ObserverHandle&) = delete;
  ObserverHandle(ObserverHandle&& other) noexcept;
  ObserverHandle& operator=(ObserverHandle&& other) noexcept;

 private:
  int id_ = 0;
};

inline void debug(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::error, e, f); }

}  // namespace portcullis::log
