// portcullis user add|passwd|remove|list|verify: administrator accounts. Passwords are read
// from the terminal with echo off (asked twice), or as the first line of standard input when
// it is not a terminal; never from the command line. Stored as scrypt hashes.
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/password.hpp"

namespace portcullis::cli {
namespace {

// Restores the terminal's echo on every exit path.
class EchoOff {
 public:
  EchoOff() {
    if (tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios t = saved_;
    t.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    active_ = tcsetattr(STDIN_FILENO, TCSAFLUSH, &t) == 0;
  }
  ~EchoOff() {
    if (active_) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;

 private:
  termios saved_{};
  bool active_ = false;
};

std::string read_line(std::istream& in) {
  std::string line;
  if (!std::getline(in, line)) throw CommandError("no password given on standard input");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

std::string read_new_password(Context& ctx, const std::string& user) {
  std::string pw;
  if (isatty(STDIN_FILENO)) {
    EchoOff quiet;
    ctx.err << "new password for " << user << ": " << std::flush;
    pw = read_line(std::cin);
    ctx.err << "\nagain: " << std::flush;
    const std::string again = read_line(std::cin);
    ctx.err << '\n';
    if (pw != again) throw CommandError("the passwords do not match");
  } else {
    pw = read_line(std::cin);
  }
  if (const auto weak = core::password_weakness(pw); !weak.empty()) throw CommandError("password too weak: " + weak);
  return pw;
}

std::string role_argument(const std::optional<std::string>& role) {
  const std::string r = role.value_or("admin");
  if (r != "admin" && r != "viewer") throw UsageError("--role: expected admin or viewer");
  return r;
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() > 64) throw UsageError("user name: 1 to 64 characters");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || c == '@';
    if (!ok) throw UsageError("user name: letters, digits and . _ - @ only");
  }
}

int add(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"role"});
  expect_positionals(p, 1, 1, "user add NAME [--role admin|viewer]");
  const std::string& name = p.positional[0];
  check_name(name);
  const std::string role = role_argument(p.option("role"));
  auto& s = ctx.store();
  if (s.find_user(name)) throw CommandError("user " + name + " exists already");
  const std::string hash = core::hash_password(read_new_password(ctx, name));
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  s.add_user(store::AdminUser{name, hash, role, std::chrono::duration_cast<std::chrono::seconds>(now).count()});
  ctx.out << "added user " << name << " (" << role << ")\n";
  return 0;
}

int passwd(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "user passwd NAME");
  const std::string& name = p.positional[0];
  auto& s = ctx.store();
  if (!s.find_user(name)) throw CommandError("user " + name + " does not exist");
  s.set_password_hash(name, core::hash_password(read_new_password(ctx, name)));
  ctx.out << "changed the password of " << name << '\n';
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "user remove NAME");
  if (!ctx.store().remove_user(p.positional[0])) throw CommandError("user " + p.positional[0] + " does not exist");
  ctx.out << "removed user " << p.positional[0] << '\n';
  return 0;
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "user list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& u : ctx.store().list_users()) rows.push_back({u.name, u.role});
  print_table(ctx.out, rows);
  return 0;
}

// Checks a password given on standard input; exit status 0 if it matches (scripts, tests).
int verify(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "user verify NAME");
  const auto u = ctx.store().find_user(p.positional[0]);
  const std::string pw = read_line(std::cin);
  if (!u || !core::verify_password(pw, u->password_hash)) throw CommandError("password does not match");
  ctx.out << "password ok\n";
  return 0;
}

}  // namespace

int cmd_user(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "user");
  if (sub == "add") return add(ctx, args);
  if (sub == "passwd") return passwd(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  if (sub == "verify") return verify(ctx, args);
  throw UsageError("user: unknown subcommand '" + sub + "' (add, passwd, remove, list, verify)");
}

}  // namespace portcullis::cli
