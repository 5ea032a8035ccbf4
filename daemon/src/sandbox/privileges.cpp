#include "sandbox/privileges.hpp"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

namespace portcullis::sandbox {
namespace {

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

Identity resolve_identity(const std::string& user, const std::string& group_name) {
  Identity id;
  id.user = user;
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* pwp = nullptr;
  if (::getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &pwp) != 0 || pwp == nullptr)
    throw std::runtime_error("user '" + user + "' does not exist (set `user` in the configuration)");
  id.uid = pw.pw_uid;
  id.gid = pw.pw_gid;
  if (!group_name.empty()) {
    group gr{};
    group* grp = nullptr;
    if (::getgrnam_r(group_name.c_str(), &gr, buf.data(), buf.size(), &grp) != 0 || grp == nullptr)
      throw std::runtime_error("group '" + group_name + "' does not exist (set `group` in the configuration)");
    id.gid = gr.gr_gid;
    id.group = group_name;
  } else {
    group gr{};
    group* grp = nullptr;
    id.group = ::getgrgid_r(id.gid, &gr, buf.data(), buf.size(), &grp) == 0 && grp != nullptr ? grp->gr_name
                                                                                               : std::to_string(id.gid);
  }
  if (id.uid == 0) throw std::runtime_error("user '" + user + "' is root: choose an unprivileged user");
  return id;
}

void drop_to(const Identity& who) {
  const gid_t groups[1] = {who.gid};
  if (::setgroups(1, groups) != 0) fail("setgroups");
  if (::setresgid(who.gid, who.gid, who.gid) != 0) fail("setresgid " + std::to_string(who.gid));
  if (::setresuid(who.uid, who.uid, who.uid) != 0) fail("setresuid " + std::to_string(who.uid));
  uid_t ru = 0, eu = 0, su = 0;
  gid_t rg = 0, eg = 0, sg = 0;
  if (::getresuid(&ru, &eu, &su) != 0 || ::getresgid(&rg, &eg, &sg) != 0) fail("getresuid");
  if (ru != who.uid || eu != who.uid || su != who.uid || rg != who.gid || eg != who.gid || sg != who.gid)
    throw std::runtime_error("privilege drop did not take: ids are not " + who.user + ":" + who.group);
  gid_t now[8];
  const int n = ::getgroups(8, now);
  if (n != 1 || now[0] != who.gid) throw std::runtime_error("privilege drop did not take: supplementary groups remain");
  if (::setuid(0) == 0) throw std::runtime_error("privilege drop did not take: setuid(0) still works");
}

Hardening harden_process() {
  Hardening h;
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) fail("PR_SET_NO_NEW_PRIVS");
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail("PR_SET_DUMPABLE");
  ::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);  // fails only on kernels without ambient caps
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  h.capabilities_cleared = ::syscall(SYS_capset, &header, data) == 0;
  return h;
}

void refuse_root() {
  uid_t ru = 0, eu = 0, su = 0;
  if (::getresuid(&ru, &eu, &su) != 0) fail("getresuid");
  if (ru == 0 || eu == 0 || su == 0)
    throw std::runtime_error("refusing to run as root after start-up (set `user` to an unprivileged account)");
}

}  // namespace portcullis::sandbox
