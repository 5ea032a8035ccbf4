#include "sandbox/seccomp_filter.hpp"

#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <termios.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>

namespace portcullis::sandbox {

namespace {

// The allow-list by purpose. A call that needs its arguments checked (socket, clone, ioctl,
// prctl, prlimit64) is not here but in add_argument_rules below.
struct Group {
  const char* why;
  std::vector<std::string_view> calls;
};

const std::vector<Group>& groups() {
  static const std::vector<Group> g = {
      {"memory: the allocator (glibc, Lua's), thread stacks, OpenSSL's secure heap",
       {"brk", "mmap", "munmap", "mremap", "mprotect", "madvise"}},
      {"threads: the worker pools, the rules engine and tracker threads; locks and their waits",
       {"futex", "set_robust_list", "get_robust_list", "rseq", "sched_yield", "sched_getaffinity", "gettid",
        "getpid", "exit", "exit_group", "membarrier"}},
      {"time: timers, timeouts, Received dates, retry schedules",
       {"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep", "clock_nanosleep"}},
      {"signals: SIGTERM/SIGHUP handling by the event loop; abort() on a failed assertion",
       {"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall", "tgkill"}},
      {"the event loop (Asio's epoll reactor, its wake-up eventfd and timer fd) and c-ares/MariaDB polling",
       {"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "eventfd2", "timerfd_create",
        "timerfd_settime", "timerfd_gettime", "pipe2", "poll", "ppoll", "select", "pselect6"}},
      {"descriptors: every socket and file is read, written and closed",
       {"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev", "close", "dup", "dup3",
        "fcntl", "lseek"}},
      {"files: the spool (write, fdatasync, rename into place, unlink), SQLite and its journal, "
       "rules and policy reloads, certificates, /etc files libraries read (resolv.conf, hosts)",
       {"openat", "open", "newfstatat", "fstat", "stat", "lstat", "statx", "fstatfs", "statfs", "fsync",
        "fdatasync", "ftruncate", "fallocate", "rename", "renameat", "renameat2", "unlink", "unlinkat", "mkdir",
        "mkdirat", "getdents64", "flock", "readlink", "readlinkat", "access", "faccessat", "faccessat2",
        "getcwd", "fchmod", "umask"}},
      {"network: accepting SMTP and control clients, relaying to the next hop, DNS (c-ares), MariaDB, "
       "sd_notify and journald datagrams (socket() itself is checked by family and type)",
       {"connect", "accept", "accept4", "bind", "listen", "getsockname", "getpeername", "setsockopt", "getsockopt",
        "sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "shutdown", "socketpair"}},
      {"journald: large entries travel in a sealed memfd", {"memfd_create"}},
      {"entropy: OpenSSL's DRBG, c-ares query ids, Lua's hash seed, queue ids", {"getrandom"}},
      {"process facts libraries read (no changes: setuid and friends are not here)",
       {"getuid", "geteuid", "getgid", "getegid", "getresuid", "getresgid", "getgroups", "getppid", "uname",
        "sysinfo", "getrusage", "getpriority"}},
#if defined(__SANITIZE_ADDRESS__)
      // Sanitizer builds only (make test): LeakSanitizer stops the world at exit by cloning a
      // tracer task (a separate process sharing our memory) that lists /proc/self/task with the
      // old getdents, attaches to every thread (ptrace: see add_argument_rules) and is waited for.
      {"AddressSanitizer/LeakSanitizer (sanitizer builds only)",
       {"getdents", "wait4", "waitid", "kill", "getpgid", "sched_setaffinity", "prctl", "clone", "rt_sigtimedwait",
        "setrlimit", "prlimit64", "getrlimit", "mincore"}},
#endif
  };
  return g;
}

struct ContextDeleter {
  void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};
using Context = std::unique_ptr<void, ContextDeleter>;

void check(int rc, const std::string& what) {
  if (rc < 0) throw std::runtime_error("seccomp: " + what + ": " + std::strerror(-rc));
}

int resolve(std::string_view name) {
  return seccomp_syscall_resolve_name(std::string(name).c_str());
}

void allow(scmp_filter_ctx ctx, int nr, std::initializer_list<scmp_arg_cmp> args, const char* name) {
  check(seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, static_cast<unsigned>(args.size()), args.begin()),
        std::string("rule for ") + name);
}

// Calls allowed only with some arguments; other arguments fall to the default action.
void add_argument_rules(scmp_filter_ctx ctx) {
  // Sockets: Unix (control socket, MariaDB's local socket, sd_notify, journald) and TCP/UDP over
  // IPv4 and IPv6. No raw or packet sockets, no other families. The type's low bits carry the
  // kind; SOCK_NONBLOCK and SOCK_CLOEXEC may be or'ed in.
  constexpr scmp_datum_t kind_mask = 0xf;
  allow(ctx, SCMP_SYS(socket), {SCMP_A0(SCMP_CMP_EQ, AF_UNIX)}, "socket(AF_UNIX)");
  for (const scmp_datum_t family : {AF_INET, AF_INET6})
    for (const scmp_datum_t kind : {SOCK_STREAM, SOCK_DGRAM})
      allow(ctx, SCMP_SYS(socket), {SCMP_A0(SCMP_CMP_EQ, family), SCMP_A1(SCMP_CMP_MASKED_EQ, kind_mask, kind)},
            "socket(AF_INET*)");
  // Netlink, route family only: glibc's getaddrinfo reads the host's addresses over it (for
  // AI_ADDRCONFIG and to sort several results, e.g. a MariaDB host name with A and AAAA
  // records when the store reconnects). Without CAP_NET_ADMIN it can only read.
  allow(ctx, SCMP_SYS(socket), {SCMP_A0(SCMP_CMP_EQ, AF_NETLINK), SCMP_A2(SCMP_CMP_EQ, NETLINK_ROUTE)},
        "socket(AF_NETLINK, NETLINK_ROUTE)");
  // ioctl: only what Asio and stdio use (non-blocking mode, bytes readable, "is this a terminal").
  for (const scmp_datum_t request : {FIONBIO, FIONREAD, TCGETS})
    allow(ctx, SCMP_SYS(ioctl), {SCMP_A1(SCMP_CMP_EQ, request)}, "ioctl");
#if defined(__SANITIZE_ADDRESS__)
  // LeakSanitizer's tracer: attach, read registers, continue, detach (never TRACEME, never
  // poking another process's memory).
  for (const scmp_datum_t request :
       {PTRACE_ATTACH, PTRACE_DETACH, PTRACE_CONT, PTRACE_KILL, PTRACE_GETREGS, PTRACE_GETFPREGS, PTRACE_GETREGSET})
    allow(ctx, SCMP_SYS(ptrace), {SCMP_A0(SCMP_CMP_EQ, request)}, "ptrace (LeakSanitizer)");
#else
  // New threads only (CLONE_THREAD): no fork, so nothing can be exec'd or run beside us.
  // clone3 passes its flags in memory a filter cannot read: it answers ENOSYS and glibc falls
  // back to clone.
  allow(ctx, SCMP_SYS(clone), {SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD)}, "clone(CLONE_THREAD)");
  // prctl: thread names only (no PR_SET_DUMPABLE back to 1, no PR_SET_SECCOMP games).
  for (const scmp_datum_t option : {PR_SET_NAME, PR_GET_NAME})
    allow(ctx, SCMP_SYS(prctl), {SCMP_A0(SCMP_CMP_EQ, option)}, "prctl");
  // Resource limits may be read (new_limit == NULL), never changed.
  allow(ctx, SCMP_SYS(prlimit64), {SCMP_A2(SCMP_CMP_EQ, 0)}, "prlimit64(read)");
#endif
  check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3 -> ENOSYS");
}

}  // namespace

bool parse_seccomp_mode(std::string_view text, SeccompMode& out) {
  if (text == "enforce") out = SeccompMode::enforce;
  else if (text == "log") out = SeccompMode::log;
  else if (text == "off") out = SeccompMode::off;
  else return false;
  return true;
}

const std::vector<std::string_view>& allowed_syscalls() {
  static const std::vector<std::string_view> all = [] {
    std::vector<std::string_view> v;
    for (const auto& g : groups()) v.insert(v.end(), g.calls.begin(), g.calls.end());
    for (const std::string_view checked : {"socket", "ioctl", "clone", "prctl", "prlimit64"}) v.push_back(checked);
    return v;
  }();
  return all;
}

void install_seccomp(SeccompMode mode) {
  if (mode == SeccompMode::off) return;
  const uint32_t deny = mode == SeccompMode::enforce ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_LOG;
  Context ctx(seccomp_init(deny));
  if (!ctx) throw std::runtime_error("seccomp: seccomp_init failed");
  auto* c = static_cast<scmp_filter_ctx>(ctx.get());
  // Every thread gets the filter (the worker pools exist already); a call from a foreign
  // architecture's table (e.g. the 32-bit int 0x80 entry) kills the process.
  check(seccomp_attr_set(c, SCMP_FLTATR_CTL_TSYNC, 1), "TSYNC");
  check(seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS), "bad-arch action");
  if (mode == SeccompMode::log) check(seccomp_attr_set(c, SCMP_FLTATR_CTL_LOG, 1), "log");
  for (const auto& g : groups()) {
    for (const auto name : g.calls) {
      const int nr = resolve(name);
      if (nr == __NR_SCMP_ERROR) continue;  // not a call of this architecture (e.g. open on arm64)
      allow(c, nr, {}, std::string(name).c_str());
    }
  }
  add_argument_rules(c);
  check(seccomp_load(c), "load");
}

}  // namespace portcullis::sandbox
