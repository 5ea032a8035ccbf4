#include "sandbox/descriptors.hpp"

#include <dirent.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace portcullis::sandbox {

std::vector<PassedSocket> passed_sockets() {
  char** names = nullptr;
  const int n = sd_listen_fds_with_names(1, &names);
  std::vector<PassedSocket> out;
  for (int i = 0; i < std::max(n, 0); ++i) {
    std::string name = names != nullptr && names[i] != nullptr ? names[i] : "";
    if (name == "unknown") name.clear();  // systemd's name when the unit set none
    out.push_back(PassedSocket{SD_LISTEN_FDS_START + i, name});
  }
  if (names != nullptr) {
    for (int i = 0; i < std::max(n, 0); ++i) std::free(names[i]);
    std::free(names);
  }
  return out;
}

int close_inherited_descriptors(const std::vector<int>& keep) {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) throw std::runtime_error("cannot list /proc/self/fd");
  const int own = ::dirfd(dir);
  std::vector<int> doomed;
  while (const dirent* e = ::readdir(dir)) {
    char* end = nullptr;
    const long fd = std::strtol(e->d_name, &end, 10);
    if (end == e->d_name || *end != '\0' || fd <= 2 || fd == own) continue;
    if (std::find(keep.begin(), keep.end(), static_cast<int>(fd)) != keep.end()) continue;
    doomed.push_back(static_cast<int>(fd));
  }
  ::closedir(dir);
  for (int fd : doomed) ::close(fd);
  return static_cast<int>(doomed.size());
}

}  // namespace portcullis::sandbox
