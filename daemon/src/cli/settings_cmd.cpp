// portcullis settings get|set|unset|list
#include <ostream>
#include <stdexcept>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "policy/postmaster.hpp"
#include "tls/cert_store.hpp"

namespace portcullis::cli {
namespace {

std::string postmaster_domain(const std::string& address) { return address.substr(address.rfind('@') + 1); }

void print_postmaster_aliases(Context& ctx, const std::string& postmaster, const std::string& admin) {
  const std::string d = postmaster_domain(postmaster);
  ctx.out << "aliased postmaster@" << d << ", abuse@" << d << ", root@" << d << " -> " << admin << '\n';
}

int get(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "settings get KEY");
  const auto value = ctx.store().get_setting(p.positional[0]);
  if (!value) throw CommandError("setting " + p.positional[0] + " is not set");
  ctx.out << *value << '\n';
  return 0;
}

int set(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 2, 2, "settings set KEY VALUE");
  const std::string& key = p.positional[0];
  const std::string& value = p.positional[1];
  if (const auto error = policy::validate_setting(key, value)) throw CommandError(*error);
  if (key == "tls-certificate") {  // must load now (before the store: see cli/cert_cmd.cpp)
    try {
      tls::CertStore(ctx.config.tls.cert_dir).load(value);
    } catch (const std::runtime_error& e) {
      throw CommandError(std::string("tls-certificate: ") + e.what());
    }
  }
  auto& s = ctx.store();
  if (key == "postmaster") {
    policy::apply_postmaster(s, value);  // std::invalid_argument says what is missing
    const auto stored = s.get_setting("postmaster").value_or(value);
    ctx.out << "set postmaster = " << stored << '\n';
    print_postmaster_aliases(ctx, stored, s.get_setting("admin-email").value_or("?"));
    return 0;
  }
  s.set_setting(key, value);
  ctx.out << "set " << key << " = " << value << '\n';
  if (key == "admin-email") {
    // Keep postmaster@, abuse@ and root@ pointing at the administrator.
    if (const auto postmaster = s.get_setting("postmaster")) {
      try {
        policy::apply_postmaster(s, *postmaster);
        print_postmaster_aliases(ctx, *postmaster, value);
      } catch (const std::invalid_argument& e) {
        ctx.err << "portcullis: note: postmaster aliases not updated: " << e.what() << '\n';
      }
    }
  }
  return 0;
}

int unset(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "settings unset KEY");
  if (!ctx.store().remove_setting(p.positional[0])) throw CommandError("setting " + p.positional[0] + " is not set");
  ctx.out << "unset " << p.positional[0] << '\n';
  return 0;
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "settings list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& [key, value] : ctx.store().list_settings()) rows.push_back({key, value});
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

int cmd_settings(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "settings");
  if (sub == "get") return get(ctx, args);
  if (sub == "set") return set(ctx, args);
  if (sub == "unset") return unset(ctx, args);
  if (sub == "list") return list(ctx, args);
  throw UsageError("settings: unknown subcommand '" + sub + "' (get, set, unset, list)");
}

}  // namespace portcullis::cli
