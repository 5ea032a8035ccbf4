#include "command.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/process.hpp"

extern char** environ;

namespace portcullis::upgrade {
namespace {

constexpr std::size_t output_keep = 256 * 1024;

std::vector<std::string> environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const auto eq = entry.find('=');
    if (eq != std::string::npos && extra.contains(entry.substr(0, eq))) continue;
    out.push_back(entry);
  }
  for (const auto& [k, v] : extra) out.push_back(k + "=" + v);
  return out;
}

void keep_tail(std::string& out, const char* data, std::size_t n) {
  out.append(data, n);
  if (out.size() > 2 * output_keep) out.erase(0, out.size() - output_keep);
}

}  // namespace

std::string command_line(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    out += a.find_first_of(" \t'\"") == std::string::npos ? a : "'" + a + "'";
  }
  return out;
}

CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options) {
  if (argv.empty()) throw std::invalid_argument("run_command: empty argv");
  core::Pipe in, out;
  core::Fd file;
  if (!options.stdout_file.empty()) {
    file.reset(::open(options.stdout_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (file.get() < 0)
      throw CommandFailed("cannot write " + options.stdout_file + ": " + std::strerror(errno));
  }
  std::vector<std::string> args = argv;
  auto env = environment(options.env);
  const auto cargv = core::exec_argv(args);
  const auto cenv = core::exec_argv(env);
  const pid_t pid = ::fork();
  if (pid < 0) throw CommandFailed("fork failed: " + std::string(std::strerror(errno)));
  if (pid == 0) {
    ::setpgid(0, 0);  // its own process group: a time limit kills its children too
    ::dup2(in.read.get(), STDIN_FILENO);
    ::dup2(file.get() >= 0 ? file.get() : out.write.get(), STDOUT_FILENO);
    ::dup2(out.write.get(), STDERR_FILENO);
    ::execvpe(cargv[0], cargv.data(), cenv.data());
    ::_exit(127);
  }
  ::setpgid(pid, pid);
  in.read.reset();
  out.write.reset();
  file.reset();
  // The input is small (a password, a SQL line): written before reading, the pipe holds it.
  std::size_t done = 0;
  while (done < options.input.size()) {
    const ssize_t n = ::write(in.write.get(), options.input.data() + done, options.input.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    done += static_cast<std::size_t>(n);
  }
  in.write.reset();

  CommandResult result;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  char buf[8192];
  int status = 0;
  bool exited = false;
  // Reads until the output ends, or until the program has exited and nothing more is there
  // (a service it started may keep the pipe open), or until the time limit.
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      ::kill(-pid, SIGKILL);
      break;
    }
    pollfd p{out.read.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 200)));
    if (r < 0 && errno != EINTR) break;
    if (r > 0) {
      const ssize_t n = ::read(out.read.get(), buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;  // end of output
      keep_tail(result.output, buf, static_cast<std::size_t>(n));
      continue;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
  }
  if (exited) {  // what it wrote just before exiting
    ::fcntl(out.read.get(), F_SETFL, O_NONBLOCK);
    for (ssize_t n; (n = ::read(out.read.get(), buf, sizeof buf)) > 0;) keep_tail(result.output, buf, static_cast<std::size_t>(n));
  } else {
    status = core::wait_for(pid);
  }
  if (result.timed_out) result.status = 124;
  else if (WIFEXITED(status)) result.status = WEXITSTATUS(status);
  else result.status = 128 + WTERMSIG(status);
  if (result.output.size() > output_keep) result.output.erase(0, result.output.size() - output_keep);
  return result;
}

std::string run_checked(const std::vector<std::string>& argv, const CommandOptions& options) {
  auto r = run_command(argv, options);
  if (r.ok()) return r.output;
  std::string tail = r.output;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  if (tail.size() > 2000) tail = "..." + tail.substr(tail.size() - 2000);
  std::string what = command_line(argv);
  if (r.timed_out) what += " did not finish within " + std::to_string(options.timeout.count()) + " s";
  else if (r.status == 127) what += " could not be run (not installed?)";
  else what += " failed (status " + std::to_string(r.status) + ")";
  throw CommandFailed(what + (tail.empty() ? "" : ":\n" + tail));
}

}  // namespace portcullis::upgrade
