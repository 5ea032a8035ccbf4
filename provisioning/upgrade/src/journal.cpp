#include "journal.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <sstream>
#include <stdexcept>

#include "core/text.hpp"

namespace portcullis::upgrade {
namespace {

// ISO 8601 ("2026-11-23T20:15:00Z") or compact for names ("20261123-201500"), UTC.
std::string format_now(bool compact) {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[64];
  if (compact)
    std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  else
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Tabs and line breaks would break the one-line-per-run file.
std::string field(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return out;
}

}  // namespace

std::string utc_now() { return format_now(false); }
std::string run_id_now() { return format_now(true); }

Journal::Journal(const std::filesystem::path& log_dir, const std::string& run_id, std::ostream& console)
    : console_(console) {
  if (log_dir.empty()) return;
  std::filesystem::create_directories(log_dir);
  std::filesystem::permissions(log_dir, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                                            std::filesystem::perms::group_exec);
  path_ = log_dir / (run_id + ".log");
  file_.open(path_, std::ios::app);
  if (!file_) throw std::runtime_error("cannot write the run log " + path_.string());
}

void Journal::write(std::string_view text, bool console) {
  if (console) console_ << text << '\n' << std::flush;
  if (file_.is_open()) file_ << utc_now() << ' ' << text << '\n' << std::flush;
}

void Journal::step(std::string_view name) { write("[" + std::to_string(++steps_) + "] " + std::string(name), true); }
void Journal::info(std::string_view text) { write("    " + std::string(text), true); }

void Journal::detail(std::string_view text) {
  if (!file_.is_open() || text.empty()) return;
  std::istringstream lines{std::string(text)};
  for (std::string line; std::getline(lines, line);) file_ << "      | " << line << '\n';
  file_ << std::flush;
}

void append_history(const std::filesystem::path& file, const HistoryEntry& e) {
  std::filesystem::create_directories(file.parent_path());
  const std::string line = field(e.time) + '\t' + field(e.action) + '\t' + field(e.from) + '\t' + field(e.to) + '\t' +
                           field(e.result) + '\t' + field(e.detail) + '\n';
  core::Fd fd(::open(file.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
  if (fd.get() < 0) throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(errno));
  if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()) || ::fsync(fd.get()) != 0)
    throw std::runtime_error("cannot write " + file.string() + ": " + std::strerror(errno));
}

std::vector<HistoryEntry> read_history(const std::filesystem::path& file) {
  std::vector<HistoryEntry> out;
  std::ifstream in(file);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> f;
    std::istringstream cells(line);
    for (std::string cell; std::getline(cells, cell, '\t');) f.push_back(cell);
    f.resize(6);
    out.push_back({f[0], f[1], f[2], f[3], f[4], f[5]});
  }
  return out;
}

RunLock::RunLock(const std::filesystem::path& file) {
  std::filesystem::create_directories(file.parent_path());
  fd_.reset(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (fd_.get() < 0) throw std::runtime_error("cannot open the lock " + file.string() + ": " + std::strerror(errno));
  if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    char buf[64] = {};
    const ssize_t n = ::pread(fd_.get(), buf, sizeof buf - 1, 0);
    const std::string holder = n > 0 ? core::first_line(std::string_view(buf, static_cast<std::size_t>(n))) : "unknown";
    throw std::runtime_error("another portcullis-upgrade is running (" + holder + ")");
  }
  const std::string me = "pid " + std::to_string(::getpid()) + " since " + utc_now() + "\n";
  if (::ftruncate(fd_.get(), 0) != 0 || ::pwrite(fd_.get(), me.data(), me.size(), 0) < 0) {
    // the lock itself is held; the note for others is best effort
  }
}

}  // namespace portcullis::upgrade
