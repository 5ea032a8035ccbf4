// The systemd side of the hardened runtime without systemd: sd_notify datagrams on a socket
// the test owns, the journal's field names and stream detection, descriptor hygiene.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "sandbox/descriptors.hpp"
#include "sandbox/journal.hpp"
#include "sandbox/notify.hpp"

namespace portcullis::sandbox {
namespace {

// Sets an environment variable for the lifetime of the object.
class Env {
 public:
  Env(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~Env() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class NotifySocket {
 public:
  NotifySocket() {
    path_ = std::filesystem::temp_directory_path() / ("pc-notify-" + std::to_string(::getpid()));
    std::filesystem::remove(path_);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() {
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  NotifySocket(const NotifySocket&) = delete;
  NotifySocket& operator=(const NotifySocket&) = delete;
  std::string path() const { return path_.string(); }
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

TEST(Notifier, SendsReadyStatusWatchdogAndStopping) {
  NotifySocket sock;
  Env n("NOTIFY_SOCKET", sock.path());
  Env w("WATCHDOG_USEC", "3000000");
  Env p("WATCHDOG_PID", std::to_string(::getpid()));
  Notifier notifier;
  ASSERT_TRUE(notifier.active());
  ASSERT_TRUE(notifier.watchdog_interval().has_value());
  EXPECT_EQ(notifier.watchdog_interval()->count(), 3000000);
  notifier.ready("sessions 0");
  EXPECT_EQ(sock.receive(), "READY=1\nSTATUS=sessions 0");
  notifier.watchdog();
  EXPECT_EQ(sock.receive(), "WATCHDOG=1");
  notifier.status("queue 3");
  EXPECT_EQ(sock.receive(), "STATUS=queue 3");
  notifier.stopping();
  EXPECT_EQ(sock.receive(), "STOPPING=1\nSTATUS=stopping");
}

TEST(Notifier, WatchdogOfAnotherProcessIsNotOurs) {
  Env w("WATCHDOG_USEC", "3000000");
  Env p("WATCHDOG_PID", std::to_string(::getpid() + 1));
  Notifier notifier;
  EXPECT_FALSE(notifier.watchdog_interval().has_value());
}

TEST(Notifier, WithoutNotifySocketNothingIsSent) {
  ::unsetenv("NOTIFY_SOCKET");
  Notifier notifier;
  EXPECT_FALSE(notifier.active());
  notifier.ready("x");  // a no-op, not an error
}

TEST(Journal, FieldNames) {
  EXPECT_EQ(journal_field_name("queue_id"), "QUEUE_ID");
  EXPECT_EQ(journal_field_name("client"), "CLIENT_IP");
  EXPECT_EQ(journal_field_name("from"), "SENDER");
  EXPECT_EQ(journal_field_name("rcpt"), "RECIPIENT");
  EXPECT_EQ(journal_field_name("verdict"), "VERDICT");
  EXPECT_EQ(journal_field_name("x-y.z"), "X_Y_Z");
  EXPECT_EQ(journal_field_name("_trusted"), "F_TRUSTED");  // '_' fields are the journal's own
  EXPECT_EQ(journal_field_name("1st"), "F1ST");
}

TEST(Journal, StreamIsRecognisedOnlyWhenItIsStderr) {
  struct stat st {};
  ASSERT_EQ(::fstat(2, &st), 0);
  {
    Env j("JOURNAL_STREAM", std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino));
    EXPECT_TRUE(stderr_is_journal());
  }
  {
    Env j("JOURNAL_STREAM", std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino + 1));
    EXPECT_FALSE(stderr_is_journal());  // inherited by a child whose stderr went elsewhere
  }
  {
    Env j("JOURNAL_STREAM", "garbage");
    EXPECT_FALSE(stderr_is_journal());
  }
}

TEST(Descriptors, InheritedOnesAreClosedListedOnesKept) {
  const int a = ::open("/dev/null", O_RDONLY);
  const int b = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(a, 3);
  ASSERT_GE(b, 3);
  // Keep b, and every descriptor the test runner itself holds other than a (GoogleTest and the
  // sanitizers may have their own).
  std::vector<int> keep = {b};
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    const int fd = std::stoi(e.path().filename().string());
    if (fd != a) keep.push_back(fd);
  }
  EXPECT_GE(close_inherited_descriptors(keep), 1);
  EXPECT_EQ(::fcntl(a, F_GETFD), -1);
  EXPECT_NE(::fcntl(b, F_GETFD), -1);
  ::close(b);
}

TEST(Descriptors, NoSocketsPassedWithoutListenPid) {
  Env f("LISTEN_FDS", "1");
  Env p("LISTEN_PID", std::to_string(::getpid() + 1));  // meant for another process
  EXPECT_TRUE(passed_sockets().empty());
}

}  // namespace
}  // namespace portcullis::sandbox
