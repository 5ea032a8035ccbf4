// File helpers of the spool (queue/spool.cpp, queue/spool_quarantine.cpp): whole writes,
// whole reads, errors as SpoolError naming the file.
#pragma once
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "queue/spool.hpp"

namespace portcullis::queue::detail {
namespace fs = std::filesystem;

[[noreturn]] inline void sys_fail(const std::string& what, const fs::path& p) {
  throw SpoolError(what + " " + p.string() + ": " + std::strerror(errno));
}

inline void write_all(int fd, std::string_view data, const fs::path& p) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      sys_fail("write", p);
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

inline std::optional<std::string> read_file(const fs::path& p) {
  const int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::nullopt;
    sys_fail("open", p);
  }
  std::string out;
  struct stat sb{};
  if (::fstat(fd, &sb) == 0 && sb.st_size > 0) out.reserve(static_cast<std::size_t>(sb.st_size));
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      ::close(fd);
      sys_fail("read", p);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

}  // namespace portcullis::queue::detail
