// The daemon's system call allow-list (libseccomp), installed on every thread once start-up is
// done (sandbox/privileges.hpp runs first). Anything not on the list kills the whole process
// (SECCOMP_RET_KILL_PROCESS): a compromised gateway cannot exec a shell, ptrace, mount, open
// raw sockets, load modules or change its identity. Mode `log` allows everything but has the
// kernel log each call that enforce mode would kill (for diagnosing a new platform or
// library version: `journalctl -k | grep SECCOMP`); `off` installs nothing.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::sandbox {

enum class SeccompMode { enforce, log, off };
bool parse_seccomp_mode(std::string_view text, SeccompMode& out);

// The allowed calls by name, grouped in seccomp_filter.cpp with the reason for each group.
const std::vector<std::string_view>& allowed_syscalls();

// Installs the filter on all threads of the process. Throws std::runtime_error on failure.
void install_seccomp(SeccompMode mode);

}  // namespace portcullis::sandbox
