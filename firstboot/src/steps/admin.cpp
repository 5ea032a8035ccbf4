// Step "admin": the administrator account — in the store (the scrypt hash, role admin) and as
// the console/SSH login of the same name (the crypt(3) hash in /etc/shadow), member of the
// control socket's group and of sudo. No account has a default password: this step is where
// the only one is set.
#include <chrono>
#include <fstream>

#include "steps/step.hpp"

namespace portcullis::firstboot {
namespace {

void store_account(StepContext& ctx) {
  const auto& a = ctx.answers;
  auto& s = ctx.store();
  if (s.find_user(a.admin_user)) {
    s.set_password_hash(a.admin_user, a.admin_password_scrypt);
  } else {
    const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
    s.add_user({a.admin_user, a.admin_password_scrypt, "admin", now});
  }
}

void login_account(StepContext& ctx) {
  const Target& t = ctx.target;
  const auto& a = ctx.answers;
  std::error_code ec;
  if (!std::filesystem::exists(t.path("/etc/shadow"), ec)) {
    t.log() << "  no /etc/shadow in this system: no console login created\n";
    return;
  }
  std::string groups;
  for (const std::string& g : {t.config().control_group, std::string("sudo")})
    if (!g.empty() && t.group_id(g)) groups += (groups.empty() ? "" : ",") + g;
  const std::string root = t.root().string();
  if (t.user_id(a.admin_user)) {
    if (!groups.empty()) t.run({"/usr/sbin/usermod", "--root", root, "-aG", groups, a.admin_user});
  } else {
    std::vector<std::string> argv{"/usr/sbin/useradd", "--root", root, "--create-home", "--shell", "/bin/bash",
                                  "--comment", "Portcullis administrator"};
    if (!groups.empty()) argv.insert(argv.end(), {"--groups", groups});
    argv.push_back(a.admin_user);
    t.run(argv);
  }
  // The hash goes through standard input, never the command line.
  t.run({"/usr/sbin/chpasswd", "--root", root, "--encrypted"}, a.admin_user + ":" + a.admin_password_crypt + "\n");
  t.log() << "  console login " << a.admin_user << (groups.empty() ? "" : " (groups " + groups + ")") << '\n';
}

}  // namespace

void apply_admin(StepContext& ctx) {
  store_account(ctx);
  login_account(ctx);
  ctx.target.log() << "  administrator " << ctx.answers.admin_user << ": password set\n";
}

}  // namespace portcullis::firstboot
