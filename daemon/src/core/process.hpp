// The pieces every program runner shares (the wizard's Target::run and dialogs, the upgrade
// tool's commands): an owned descriptor, an argv built before fork (the child
// then calls only async-signal-safe functions), reading a pipe to its end, and waiting.
#pragma once
#include <sys/types.h>

#include <cstddef>
#include <string>
#include <vector>

namespace portcullis::core {

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    if (this != &other) reset(other.release());
    return *this;
  }
  int get() const { return fd_; }
  void reset(int fd = -1);  // closes the one held, then holds `fd`
  int release() noexcept {  // gives the descriptor up without closing it
    const int fd = fd_;
    fd_ = -1;
    return fd;
  }

 private:
  int fd_;
};

// A pipe whose two ends are closed on exec unless the child duplicates them.
struct Pipe {
  Pipe();
  Fd read;
  Fd write;
};

// execv's argument vector over `args` (which must outlive it), null-terminated.
std::vector<char*> exec_argv(std::vector<std::string>& args);

// Everything until end of file, keeping at most `limit` octets.
std::string read_all(int fd, std::size_t limit);

// The child's wait status (waitpid, retried on EINTR); throws if waitpid fails.
int wait_for(pid_t pid);

}  // namespace portcullis::core
