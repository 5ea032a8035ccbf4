// The spool's quarantine area (queue/spool.hpp): held messages, released into the queue.
#include <algorithm>

#include "core/ids.hpp"
#include "queue/spool.hpp"
#include "queue/spool_io.hpp"

namespace portcullis::queue {
namespace fs = std::filesystem;
using detail::read_file;
using detail::sys_fail;
using detail::write_all;

std::vector<std::string> Spool::list_quarantine() const {
  std::vector<std::string> ids;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_ / "quarantine", ec)) {
    const std::string name = e.path().filename().string();
    if (core::valid_queue_id(name)) ids.push_back(name);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::optional<Spool::Loaded> Spool::load_quarantined(const std::string& id) const {
  if (!core::valid_queue_id(id)) return std::nullopt;
  auto data = read_file(quarantine_path(id));
  if (!data) return std::nullopt;
  std::size_t body = 0;
  auto env = parse_envelope(*data, body);
  if (!env) throw SpoolError("corrupt quarantine file " + quarantine_path(id).string());
  return Loaded{std::move(*env), data->substr(body), DeliveryState{}};
}

bool Spool::release(const std::string& id) {
  auto held = load_quarantined(id);
  if (!held) return false;
  held->envelope.quarantine.clear();
  const fs::path tmp = tmp_path(id);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) sys_fail("create", tmp);
  try {
    write_all(fd, format_envelope(held->envelope), tmp);
    write_all(fd, held->message, tmp);
    if (::fdatasync(fd) != 0) sys_fail("fdatasync", tmp);
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  // Into the queue first, then out of the quarantine: a crash in between leaves the message
  // in both (delivered, and still listed as held), never in neither.
  if (::rename(tmp.c_str(), queue_path(id).c_str()) != 0) sys_fail("rename", tmp);
  sync_queue_dir();
  if (::unlink(quarantine_path(id).c_str()) != 0) sys_fail("unlink", quarantine_path(id));
  ::fsync(quarantine_dir_fd_);
  return true;
}

bool Spool::remove_quarantined(const std::string& id) {
  if (!core::valid_queue_id(id)) return false;
  if (::unlink(quarantine_path(id).c_str()) != 0) return false;
  ::fsync(quarantine_dir_fd_);
  return true;
}

}  // namespace portcullis::queue
