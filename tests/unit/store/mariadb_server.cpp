#include "mariadb_server.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "store/mariadb/connection.hpp"

namespace portcullis::store::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

constexpr const char* user_name = "portcullis";
constexpr auto ready_timeout = 60s;
constexpr auto install_timeout = 120s;
constexpr auto stop_timeout = 30s;

std::string find_program(const std::string& name) {
  std::vector<std::string> dirs;
  if (const char* path = std::getenv("PATH")) {
    std::stringstream in(path);
    for (std::string dir; std::getline(in, dir, ':');)
      if (!dir.empty()) dirs.push_back(dir);
  }
  for (const char* dir : {"/usr/sbin", "/usr/local/sbin", "/usr/bin", "/sbin"}) dirs.emplace_back(dir);
  for (const auto& dir : dirs) {
    const std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  throw std::runtime_error(name + " not found: install mariadb-server (scripts/install-deps)");
}

// Starts `argv` with stdout and stderr appended to `log`, stdin from /dev/null, no other
// inherited descriptors, killed if this process dies.
pid_t spawn_process(const std::vector<std::string>& argv, const fs::path& log) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int out = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (out < 0) throw std::runtime_error("cannot open " + log.string());
  const int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    dup2(in, 0);
    dup2(out, 1);
    dup2(out, 2);
    if (close_range(3, ~0U, 0) != 0)
      for (int fd = 3; fd < 65536; ++fd) close(fd);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out);
  close(in);
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;
}

// Waits for `pid` up to `timeout`; returns its wait status, or -1 if it is still running.
int wait_for(pid_t pid, Clock::duration timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return 0;  // not our child any more
    if (Clock::now() >= deadline) return -1;
    std::this_thread::sleep_for(20ms);
  }
}

std::string tail_of(const fs::path& file, std::size_t bytes = 3000) {
  std::ifstream in(file, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > bytes) text = "..." + text.substr(text.size() - bytes);
  return text;
}

std::string random_password() {
  std::random_device device;
  std::mt19937_64 gen(device());
  const char* alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
  std::string out;
  for (int i = 0; i < 24; ++i) out += alphabet[gen() % 57];
  return out;
}

std::unique_ptr<MariadbServer>& holder() {
  static std::unique_ptr<MariadbServer> server;
  return server;
}

// Stops the server after the last test (the static's destructor would do it too, later).
class StopServer : public ::testing::Environment {
 public:
  void TearDown() override { MariadbServer::shutdown_instance(); }
};
[[maybe_unused]] ::testing::Environment* const stop_server = ::testing::AddGlobalTestEnvironment(new StopServer);

}  // namespace

MariadbServer& MariadbServer::instance() {
  auto& server = holder();
  if (!server) server.reset(new MariadbServer());
  if (!server->running()) server->start();
  return *server;
}

void MariadbServer::shutdown_instance() { holder().reset(); }

MariadbServer::MariadbServer() {
  fs::path base = fs::temp_directory_path();
  if ((base / "portcullis-mariadb-XXXXXX/mysqld.sock").string().size() > 100) base = "/tmp";  // sun_path limit
  std::string pattern = (base / "portcullis-mariadb-XXXXXX").string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed in " + base.string());
  dir_ = pattern;
  socket_ = dir_ / "mysqld.sock";
  password_ = random_password();
  password_file_ = dir_ / "password";
  {
    std::ofstream out(password_file_);
    out << password_ << "\n";  // the trailing newline is not part of the password
  }
  fs::permissions(password_file_, fs::perms::owner_read | fs::perms::owner_write);
  try {
    mariadbd_ = find_program("mariadbd");
    install();
    spawn();
    wait_ready();
    create_user();
  } catch (...) {
    stop();
    std::error_code ec;
    fs::remove_all(dir_, ec);
    throw;
  }
}

MariadbServer::~MariadbServer() {
  stop();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

void MariadbServer::install() {
  std::vector<std::string> argv{find_program("mariadb-install-db"),
                                "--no-defaults",
                                "--datadir=" + (dir_ / "data").string(),
                                "--auth-root-authentication-method=normal",  // root: no password, socket only
                                "--tmpdir=" + dir_.string(),  // not /tmp: parallel bootstraps clash there
                                "--skip-test-db",
                                "--skip-name-resolve",
                                "--innodb-log-file-size=4M",
                                "--innodb-buffer-pool-size=32M",
                                "--innodb-flush-log-at-trx-commit=0",
                                "--innodb-doublewrite=0"};
  if (geteuid() == 0) argv.emplace_back("--user=root");
  const pid_t pid = spawn_process(argv, dir_ / "install.log");
  const int status = wait_for(pid, install_timeout);
  if (status == -1) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
  }
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw std::runtime_error("mariadb-install-db failed:\n" + tail_of(dir_ / "install.log"));
}

void MariadbServer::spawn() {
  std::vector<std::string> argv{mariadbd_,
                                "--no-defaults",
                                "--datadir=" + (dir_ / "data").string(),
                                "--socket=" + socket_.string(),
                                "--skip-networking",
                                "--pid-file=" + (dir_ / "mysqld.pid").string(),
                                "--log-error=" + (dir_ / "error.log").string(),
                                "--tmpdir=" + dir_.string(),
                                "--skip-name-resolve",
                                "--skip-log-bin",
                                "--innodb-log-file-size=4M",
                                "--innodb-buffer-pool-size=32M",
                                "--innodb-flush-log-at-trx-commit=0",
                                "--innodb-doublewrite=0",
                                "--innodb-use-native-aio=0"};
  if (geteuid() == 0) argv.emplace_back("--user=root");  // mariadbd refuses root otherwise
  pid_ = spawn_process(argv, dir_ / "mariadbd.out");
}

namespace {
mariadb::Settings root_settings(const fs::path& socket) {
  mariadb::Settings s;
  s.uri.user = "root";
  s.uri.socket = socket.string();
  s.uri.database = "mysql";
  s.connect_timeout = 2;
  s.multi_statements = true;
  return s;
}
}  // namespace

void MariadbServer::wait_ready() {
  const auto deadline = Clock::now() + ready_timeout;
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("mariadbd exited during start-up:\n" + log_tail());
    }
    try {
      mariadb::Connection probe(root_settings(socket_));
      return;
    } catch (const mariadb::MariadbError&) {
      if (Clock::now() >= deadline) {
        stop();
        throw std::runtime_error("mariadbd was not ready within 60 s:\n" + log_tail());
      }
      std::this_thread::sleep_for(50ms);
    }
  }
}

void MariadbServer::create_user() {
  execute_as_root(std::string("CREATE USER '") + user_name + "'@'localhost' IDENTIFIED BY '" + password_ +
                  "'; GRANT ALL PRIVILEGES ON `test\\_%`.* TO '" + user_name + "'@'localhost'");
}

std::string MariadbServer::log_tail() const {
  return tail_of(dir_ / "error.log") + tail_of(dir_ / "mariadbd.out", 1000);
}

std::string MariadbServer::uri(const std::string& database) const {
  return std::string("mariadb://") + user_name + "@unix:" + socket_.string() + "/" + database;
}

std::string MariadbServer::create_database() {
  const std::string name = "test_" + std::to_string(++next_database_);
  execute_as_root("DROP DATABASE IF EXISTS " + name + "; CREATE DATABASE " + name);
  return name;
}

void MariadbServer::drop_database(const std::string& database) {
  if (!running()) return;
  try {
    execute_as_root("DROP DATABASE IF EXISTS " + database);
  } catch (const StoreError&) {
    // the next run of this process starts on a fresh data directory anyway
  }
}

void MariadbServer::execute_as_root(const std::string& sql) {
  mariadb::Connection c(root_settings(socket_));
  c.script(sql);
}

void MariadbServer::execute(const std::string& database, const std::string& sql) {
  mariadb::Settings s;
  s.uri.user = user_name;
  s.uri.socket = socket_.string();
  s.uri.database = database;
  s.password = password_;
  s.multi_statements = true;
  mariadb::Connection c(s);
  c.script(sql);
}

std::vector<unsigned long> MariadbServer::connection_ids(const std::string& database) {
  mariadb::Connection c(root_settings(socket_));
  std::vector<unsigned long> ids;
  for (const auto& row :
       c.query("SELECT id FROM information_schema.processlist WHERE db = ? AND id <> CONNECTION_ID()", {database}))
    ids.push_back(static_cast<unsigned long>(row.integer(0)));
  return ids;
}

void MariadbServer::stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  if (wait_for(pid_, stop_timeout) == -1) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  pid_ = -1;
}

void MariadbServer::start() {
  if (running()) return;
  spawn();
  wait_ready();
}

}  // namespace portcullis::store::testing
