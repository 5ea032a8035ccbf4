// A private MariaDB server for the store tests: Debian's mariadbd on a fresh data directory in
// a temporary folder of this test process, listening only on a unix socket there
// (--skip-networking), so parallel test processes (ctest -j) never meet.
//
// Started once per test process, on first use (mariadb-install-db, then mariadbd; ready within
// a bounded wait), stopped at the end of the test program (SIGTERM, bounded wait, SIGKILL) and
// its folder removed. If the test process dies, the kernel kills the server with it
// (PR_SET_PDEATHSIG). Each test gets its own database (create_database()) and connects as the
// user "portcullis" whose password is in password_file(), as the daemon would.
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace portcullis::store::testing {

class MariadbServer {
 public:
  // The server of this process, started if it is not running; throws std::runtime_error
  // (with the server's log) if it cannot be started.
  static MariadbServer& instance();
  // Stops and removes the server if instance() started one (end of the test program).
  static void shutdown_instance();

  ~MariadbServer();
  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  const std::filesystem::path& socket() const { return socket_; }
  const std::filesystem::path& password_file() const { return password_file_; }
  const std::string& password() const { return password_; }
  // mariadb://portcullis@unix:SOCKET/DATABASE
  std::string uri(const std::string& database) const;

  // A new empty database "test_N" the portcullis user may use; drop it when done.
  std::string create_database();
  void drop_database(const std::string& database);
  // Raw SQL (';'-separated statements allowed), as root or as the portcullis user.
  void execute_as_root(const std::string& sql);
  void execute(const std::string& database, const std::string& sql);
  // The server's ids of the connections to `database` (for KILL CONNECTION).
  std::vector<unsigned long> connection_ids(const std::string& database);

  // Stops the server (keeping its data) and starts it again on the same socket.
  void stop();
  void start();
  bool running() const { return pid_ > 0; }

 private:
  MariadbServer();
  void install();
  void spawn();
  void wait_ready();
  void create_user();
  std::string log_tail() const;

  std::filesystem::path dir_;
  std::filesystem::path socket_;
  std::filesystem::path password_file_;
  std::string password_;
  std::string mariadbd_;
  pid_t pid_ = -1;
  int next_database_ = 0;
};

}  // namespace portcullis::store::testing
