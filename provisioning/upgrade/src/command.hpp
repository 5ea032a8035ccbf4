// Running the system's programs (apt, systemctl, mariadb-dump, the new release's CLI) from
// the upgrade tool: every call has a time limit, after which the whole process group is
// killed; what the program printed is kept (its last 256 KiB) for the run log.
#pragma once
#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace portcullis::upgrade {

struct CommandResult {
  int status = 0;          // exit status; 128 + signal when killed; 124 on the time limit
  bool timed_out = false;
  std::string output;      // standard output and error, interleaved
  bool ok() const { return status == 0 && !timed_out; }
};

struct CommandOptions {
  std::chrono::seconds timeout{300};
  std::string input;                             // written to its standard input
  std::map<std::string, std::string> env;        // added to (or replacing in) the environment
  std::string stdout_file;                       // if set: standard output goes to this file (0600)
};

// Options with only a time limit.
inline CommandOptions within(long seconds) {
  CommandOptions o;
  o.timeout = std::chrono::seconds(seconds);
  return o;
}

// Runs argv (argv[0] an absolute path, or a name looked up in PATH) and waits for it.
CommandResult run_command(const std::vector<std::string>& argv, const CommandOptions& options = {});

// A failed program, with its command line and the end of its output in the message.
struct CommandFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// run_command, throwing CommandFailed unless it exits 0.
std::string run_checked(const std::vector<std::string>& argv, const CommandOptions& options = {});

// "apt-get install X" for messages.
std::string command_line(const std::vector<std::string>& argv);

}  // namespace portcullis::upgrade
