// portcullis alias add|remove|list
#include <algorithm>
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "mail/address.hpp"

namespace portcullis::cli {
namespace {

std::string lower(std::string text) {
  for (char& c : text)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return text;
}

// The key of an alias given on the command line: "local@domain" or the catch-all "@domain".
// With must_be_ours, the domain must be configured.
std::string alias_key(store::Store& s, const std::string& text, bool must_be_ours) {
  if (text.starts_with('@')) {
    const std::string domain = domain_argument(std::string_view(text).substr(1));
    if (must_be_ours && !s.find_domain(domain))
      throw CommandError("alias '" + text + "': '" + domain +
                         "' is not one of our domains (see 'portcullis domain list')");
    return "@" + domain;
  }
  if (must_be_ours) return our_address_key(s, text, "alias");
  const auto mailbox = mail::parse_mailbox(text);
  if (!mailbox) throw UsageError("alias '" + text + "' is not a valid address");
  return mailbox->key();
}

int add(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 2, static_cast<std::size_t>(-1), "alias add ADDRESS TARGET...");
  store::Alias alias;
  for (std::size_t i = 1; i < p.positional.size(); ++i) {
    std::string target = target_address(p.positional[i]);
    const bool duplicate = std::any_of(alias.targets.begin(), alias.targets.end(),
                                       [&](const std::string& t) { return lower(t) == lower(target); });
    if (duplicate) throw UsageError("target '" + p.positional[i] + "' is given twice");
    alias.targets.push_back(std::move(target));
  }
  auto& s = ctx.store();
  alias.address = alias_key(s, p.positional[0], true);
  const auto existing = s.list_aliases();
  const bool replaces = std::any_of(existing.begin(), existing.end(),
                                    [&](const store::Alias& a) { return a.address == alias.address; });
  s.add_alias(alias);
  ctx.out << (replaces ? "replaced alias " : "added alias ") << alias.address << " ->";
  for (const auto& t : alias.targets) ctx.out << ' ' << t;
  ctx.out << '\n';
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "alias remove ADDRESS");
  auto& s = ctx.store();
  // An alias left over from a removed domain can still be removed.
  const std::string key = alias_key(s, p.positional[0], false);
  if (s.remove_alias(key)) {
    ctx.out << "removed alias " << key << '\n';
    return 0;
  }
  alias_key(s, p.positional[0], true);  // explains a foreign domain
  throw CommandError("alias " + key + " does not exist");
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "alias list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& a : ctx.store().list_aliases()) {
    std::string targets;
    for (const auto& t : a.targets) targets += (targets.empty() ? "" : " ") + t;
    rows.push_back({a.address, targets});
  }
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

int cmd_alias(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "alias");
  if (sub == "add") return add(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  throw UsageError("alias: unknown subcommand '" + sub + "' (add, remove, list)");
}

}  // namespace portcullis::cli
