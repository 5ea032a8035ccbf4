// portcullis recipient add|remove|list
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "mail/address.hpp"

namespace portcullis::cli {
namespace {

int add(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "recipient add ADDRESS");
  auto& s = ctx.store();
  const std::string key = our_address_key(s, p.positional[0], "recipient");
  s.add_recipient({key});
  ctx.out << "added recipient " << key << '\n';
  const auto domain = s.find_domain(key.substr(key.rfind('@') + 1));
  if (domain && domain->recipients == store::RecipientMode::all)
    ctx.err << "portcullis: note: domain " << domain->name
            << " accepts all recipients; the list applies once it is set to 'specified' "
               "(portcullis domain set " << domain->name << " --recipients specified)\n";
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "recipient remove ADDRESS");
  auto& s = ctx.store();
  const auto mailbox = mail::parse_mailbox(p.positional[0]);
  if (!mailbox) throw UsageError("recipient '" + p.positional[0] + "' is not a valid address");
  // A recipient left over from a removed domain can still be removed.
  if (s.remove_recipient(mailbox->key())) {
    ctx.out << "removed recipient " << mailbox->key() << '\n';
    return 0;
  }
  our_address_key(s, p.positional[0], "recipient");  // explains a foreign domain
  throw CommandError("recipient " + mailbox->key() + " is not in the list");
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "recipient list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : ctx.store().list_recipients()) rows.push_back({r.address});
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

int cmd_recipient(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "recipient");
  if (sub == "add") return add(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  throw UsageError("recipient: unknown subcommand '" + sub + "' (add, remove, list)");
}

}  // namespace portcullis::cli
