#include "core/log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <mutex>

namespace portcullis::log {
namespace {
std::atomic<int> g_level{static_cast<int>(Level::info)};
std::mutex g_write_mutex;  // guards stderr writes and the observer table
std::map<int, Observer> g_observers;
int g_next_observer = 0;
std::atomic<bool> g_have_observers{false};

const char* level_name(Level l) {
  switch (l) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warn";
    case Level::error: return "error";
  }
  return "info";
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return true;
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  return false;
}

void append_value(std::string& out, std::string_view v) {
  if (!needs_quotes(v)) {
    out += v;
    return;
  }
  out += '"';
  for (unsigned char c : v) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
}
}  // namespace

void set_level(Level l) { g_level.store(static_cast<int>(l)); }
Level level() { return static_cast<Level>(g_level.load()); }

bool parse_level(std::string_view t, Level& out) {
  if (t == "debug") out = Level::debug;
  else if (t == "info") out = Level::info;
  else if (t == "warn" || t == "warning") out = Level::warn;
  else if (t == "error") out = Level::error;
  else return false;
  return true;
}

std::string format(Level l, std::string_view event, std::initializer_list<Field> fields) {
  using namespace std::chrono;
  auto now = system_clock::now();
  std::time_t secs = system_clock::to_time_t(now);
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[96];
  std::snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  std::string line = stamp;
  line += ' ';
  line += level_name(l);
  line += ' ';
  line += event;
  for (const auto& [k, v] : fields) {
    line += ' ';
    line += k;
    line += '=';
    append_value(line, v);
  }
  line += '\n';
  return line;
}

namespace {
Output g_output;  // guarded by g_write_mutex
}  // namespace

void set_output(Output out) {
  std::lock_guard lock(g_write_mutex);
  g_output = std::move(out);
}

void write(Level l, std::string_view event, std::initializer_list<Field> fields) {
  const bool to_stderr = static_cast<int>(l) >= g_level.load();
  if (!to_stderr && !g_have_observers.load(std::memory_order_relaxed)) return;
  std::string line = format(l, event, fields);
  std::lock_guard lock(g_write_mutex);
  const std::span<const Field> view(fields.begin(), fields.size());
  if (to_stderr) {
    if (g_output) {
      g_output(l, event, view, line);
    } else {
      std::fwrite(line.data(), 1, line.size(), stderr);
    }
  }
  for (auto& [id, fn] : g_observers) fn(l, event, view, line);
}

ObserverHandle::ObserverHandle(Observer fn) {
  std::lock_guard lock(g_write_mutex);
  id_ = ++g_next_observer;
  g_observers.emplace(id_, std::move(fn));
  g_have_observers = true;
}

ObserverHandle::~ObserverHandle() {
  if (id_ == 0) return;
  std::lock_guard lock(g_write_mutex);
  g_observers.erase(id_);
  g_have_observers = !g_observers.empty();
}

ObserverHandle::ObserverHandle(ObserverHandle&& other) noexcept : id_(std::exchange(other.id_, 0)) {}

ObserverHandle& ObserverHandle::operator=(ObserverHandle&& other) noexcept {
  if (this != &other) {
    ObserverHandle old(std::move(*this));
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

}  // namespace portcullis::log
