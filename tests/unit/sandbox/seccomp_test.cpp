// The daemon's system call filter, installed by the same function the daemon calls, in a
// child process per case (gtest death tests): what an attacker would try next kills the
// process; what the gateway does at run time still works.
#include <gtest/gtest.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <netdb.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "sandbox/seccomp_filter.hpp"

namespace portcullis::sandbox {
namespace {

// "Seccomp:" from /proc/self/status: 0 none, 2 filter.
int seccomp_state() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Seccomp:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}

// Each case runs in a fresh child (re-executed, not just forked: the filter must not meet
// gtest's own threads half-way).
class SeccompTest : public ::testing::Test {
 protected:
  void SetUp() override { GTEST_FLAG_SET(death_test_style, "threadsafe"); }
};

using ::testing::ExitedWithCode;
using ::testing::KilledBySignal;

// What an attacker's code would try next. Each runs after the filter is enforced; if the call
// returns, the child exits 0 and the death test fails.
enum class Attempt {
  execve, mount, raw_socket, raw_socket6, packet_socket, netlink_socket, ptrace_traceme,
  ptrace_poke, ptrace_attach, setuid, tiocsti, chmod_path, fork, dumpable
};

[[noreturn]] void attempt(Attempt a) {
  install_seccomp(SeccompMode::enforce);
  char c = 'x';
  char* const argv[] = {const_cast<char*>("/bin/true"), nullptr};
  switch (a) {
    case Attempt::execve: ::execve("/bin/true", argv, nullptr); break;
    case Attempt::mount: ::mount("none", "/mnt", "tmpfs", 0, nullptr); break;
    case Attempt::raw_socket: ::socket(AF_INET, SOCK_RAW, IPPROTO_ICMP); break;
    case Attempt::raw_socket6: ::socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMPV6); break;
    case Attempt::packet_socket: ::socket(AF_PACKET, SOCK_RAW, 0); break;
    case Attempt::netlink_socket: ::socket(AF_NETLINK, SOCK_RAW, NETLINK_AUDIT); break;
    case Attempt::ptrace_traceme: ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr); break;
    case Attempt::ptrace_poke: ::ptrace(PTRACE_POKEDATA, ::getppid(), nullptr, nullptr); break;
    case Attempt::ptrace_attach: ::ptrace(PTRACE_ATTACH, ::getppid(), nullptr, nullptr); break;
    case Attempt::setuid: (void)!::setuid(0); break;
    case Attempt::tiocsti: ::ioctl(0, TIOCSTI, &c); break;  // typing into a terminal
    case Attempt::chmod_path: ::chmod("/tmp", 0777); break;  // fchmod on own files only
    case Attempt::fork: ::fork(); break;
    case Attempt::dumpable: ::prctl(PR_SET_DUMPABLE, 1); break;
  }
  std::_Exit(0);
}

TEST_F(SeccompTest, ExecveKillsTheProcess) {
  EXPECT_EXIT(attempt(Attempt::execve), KilledBySignal(SIGSYS), "");
}

TEST_F(SeccompTest, MountKillsTheProcess) {
  EXPECT_EXIT(attempt(Attempt::mount), KilledBySignal(SIGSYS), "");
}

TEST_F(SeccompTest, RawPacketAndNetlinkSocketsKillTheProcess) {
  EXPECT_EXIT(attempt(Attempt::raw_socket), KilledBySignal(SIGSYS), "");
  EXPECT_EXIT(attempt(Attempt::raw_socket6), KilledBySignal(SIGSYS), "");
  EXPECT_EXIT(attempt(Attempt::packet_socket), KilledBySignal(SIGSYS), "");
  EXPECT_EXIT(attempt(Attempt::netlink_socket), KilledBySignal(SIGSYS), "");
}

TEST_F(SeccompTest, PtraceKillsTheProcess) {
  EXPECT_EXIT(attempt(Attempt::ptrace_traceme), KilledBySignal(SIGSYS), "");
  EXPECT_EXIT(attempt(Attempt::ptrace_poke), KilledBySignal(SIGSYS), "");
#if !defined(__SANITIZE_ADDRESS__)
  // Sanitizer builds let LeakSanitizer attach to the process's own threads (see the filter).
  EXPECT_EXIT(attempt(Attempt::ptrace_attach), KilledBySignal(SIGSYS), "");
#endif
}

TEST_F(SeccompTest, IdentityTerminalAndPathChangesKillTheProcess) {
  EXPECT_EXIT(attempt(Attempt::setuid), KilledBySignal(SIGSYS), "");
  EXPECT_EXIT(attempt(Attempt::tiocsti), KilledBySignal(SIGSYS), "");
  EXPECT_EXIT(attempt(Attempt::chmod_path), KilledBySignal(SIGSYS), "");
}

#if !defined(__SANITIZE_ADDRESS__)
// Sanitizer builds allow any clone and prctl (LeakSanitizer's tracer task needs them).
TEST_F(SeccompTest, ForkAndDumpableKillTheProcess) {
  EXPECT_EXIT(attempt(Attempt::fork), KilledBySignal(SIGSYS), "");
  EXPECT_EXIT(attempt(Attempt::dumpable), KilledBySignal(SIGSYS), "");
}
#endif

std::filesystem::path work_dir(pid_t test_pid) {
  return std::filesystem::temp_directory_path() / ("seccomp-test-" + std::to_string(test_pid));
}

// What the daemon does at run time, on a small scale: threads, loopback TCP, a Unix datagram,
// spool-like file work, entropy and OpenSSL. Exit code = the first step that failed.
int run_time_work() {
  if (seccomp_state() != 2) return 1;
  int value = 0;
  std::thread t([&value] { value = 42; });
  t.join();
  if (value != 42) return 2;

  const int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  const int one = 1;
  if (listener < 0 || ::setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      ::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener, 4) != 0 ||
      ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
    return 3;
  const int client = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int nonblocking = 1;
  if (client < 0 || ::ioctl(client, FIONBIO, &nonblocking) != 0) return 4;
  ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr);  // EINPROGRESS
  const int served = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (served < 0 || ::write(served, "220 hi\r\n", 8) != 8) return 5;
  const int udp = ::socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  const int unix_dgram = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (udp < 0 || unix_dgram < 0) return 6;

  const auto dir = work_dir(::getppid());  // made and removed by the test itself (no rmdir here)
  const auto tmp = dir / "msg.tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 || ::write(fd, "body", 4) != 4 || ::fdatasync(fd) != 0 || ::close(fd) != 0) return 7;
  std::filesystem::rename(tmp, dir / "msg");
  if (::unlink((dir / "msg").c_str()) != 0) return 10;

  // A host name lookup as MariaDB's connector does it (glibc asks netlink for the host's
  // addresses with AI_ADDRCONFIG).
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_ADDRCONFIG;
  addrinfo* found = nullptr;
  if (::getaddrinfo("localhost", "3306", &hints, &found) != 0 || found == nullptr) return 11;
  ::freeaddrinfo(found);

  unsigned char bytes[32];
  if (::getrandom(bytes, sizeof bytes, 0) != sizeof bytes || RAND_bytes(bytes, sizeof bytes) != 1) return 8;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(bytes, sizeof bytes, digest, &digest_len, EVP_sha256(), nullptr) != 1 || digest_len != 32) return 9;
  return 0;
}

TEST_F(SeccompTest, RunTimeWorkGoesOnUnderTheFilter) {
  std::filesystem::create_directories(work_dir(::getpid()));
  EXPECT_EXIT(
      {
        install_seccomp(SeccompMode::enforce);
        std::_Exit(run_time_work());
      },
      ExitedWithCode(0), "");
  std::filesystem::remove_all(work_dir(::getpid()));
}

[[noreturn]] void log_mode_survives() {
  install_seccomp(SeccompMode::log);
  if (seccomp_state() != 2) std::_Exit(1);
  ::mount("none", "/nonexistent-portcullis", "tmpfs", 0, nullptr);  // fails, but returns
  const int raw = ::socket(AF_PACKET, SOCK_RAW, 0);                  // logged, not killed
  if (raw >= 0) ::close(raw);
  std::_Exit(0);
}

TEST_F(SeccompTest, LogModeLetsForbiddenCallsThrough) {
  EXPECT_EXIT(log_mode_survives(), ExitedWithCode(0), "");
}

TEST_F(SeccompTest, OffInstallsNothing) {
  const int before = seccomp_state();
  install_seccomp(SeccompMode::off);
  EXPECT_EQ(seccomp_state(), before);
}

TEST(SeccompList, NamesAreRealCallsAndTheDangerousOnesAreAbsent) {
  const auto& names = allowed_syscalls();
  for (const auto name : names)
    EXPECT_NE(seccomp_syscall_resolve_name(std::string(name).c_str()), __NR_SCMP_ERROR) << name;
  std::vector<std::string_view> forbidden = {"execve", "execveat", "fork", "vfork", "mount", "umount2",
                                             "setuid", "setgid", "setresuid", "setgroups", "chmod",
                                             "chown", "init_module", "kexec_load", "bpf", "unshare",
                                             "setns", "pivot_root", "chroot", "reboot", "personality",
                                             "keyctl", "add_key", "userfaultfd", "perf_event_open",
                                             "io_uring_setup", "process_vm_writev", "ptrace", "kill"};
#if defined(__SANITIZE_ADDRESS__)
  std::erase_if(forbidden, [](auto n) { return n == "ptrace" || n == "kill"; });
#endif
  for (const auto name : forbidden)
    EXPECT_EQ(std::count(names.begin(), names.end(), name), 0) << name << " must not be allowed";
}

TEST(SeccompMode, ParsesTheThreeModes) {
  SeccompMode m = SeccompMode::off;
  EXPECT_TRUE(parse_seccomp_mode("enforce", m));
  EXPECT_EQ(m, SeccompMode::enforce);
  EXPECT_TRUE(parse_seccomp_mode("log", m));
  EXPECT_EQ(m, SeccompMode::log);
  EXPECT_TRUE(parse_seccomp_mode("off", m));
  EXPECT_EQ(m, SeccompMode::off);
  EXPECT_FALSE(parse_seccomp_mode("Enforce", m));
  EXPECT_FALSE(parse_seccomp_mode("", m));
}

}  // namespace
}  // namespace portcullis::sandbox
