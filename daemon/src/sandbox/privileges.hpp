// Dropping privileges after start-up. Started as root (by hand, or by an init system without
// User=), the daemon binds its ports and reads its secrets, then becomes the configured user
// and group for good: setgroups to that one group, setgid, setuid, each verified (real,
// effective and saved ids; and that setuid(0) now fails). Then, as any user:
// PR_SET_NO_NEW_PRIVS (no exec can ever gain privileges), PR_SET_DUMPABLE 0 (no core dumps
// with mail in them, no ptrace by other processes of the same user), and every capability
// dropped (ambient, effective, permitted, inheritable). The daemon refuses to go on as root.
#pragma once
#include <sys/types.h>

#include <string>

namespace portcullis::sandbox {

struct Identity {
  std::string user;
  std::string group;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Looks the user (and group; empty: the user's primary group) up. Throws std::runtime_error
// naming what is missing.
Identity resolve_identity(const std::string& user, const std::string& group);

// Becomes `who` (only possible as root). Throws std::runtime_error if a step fails or does not
// verify.
void drop_to(const Identity& who);

struct Hardening {
  bool capabilities_cleared = false;  // false: capset was refused (e.g. by a unit's filter)
};
// no_new_privs, not dumpable, capabilities cleared. Throws if no_new_privs cannot be set.
Hardening harden_process();

// Throws std::runtime_error if any of the process's user ids is 0.
void refuse_root();

}  // namespace portcullis::sandbox
