// portcullis relaynet add|remove|list
#include <algorithm>
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "policy/cidr.hpp"

namespace portcullis::cli {
namespace {

constexpr std::size_t max_note = 200;

std::string cidr_argument(const std::string& text) {
  const auto cidr = policy::Cidr::parse(text);
  if (!cidr)
    throw UsageError("'" + text + "' is not a network (expected ADDRESS/PREFIX, e.g. 192.0.2.0/24 or 2001:db8::/32)");
  return cidr->text();
}

int add(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"note"});
  expect_positionals(p, 1, 1, "relaynet add CIDR [--note TEXT]");
  store::RelayNet net{cidr_argument(p.positional[0]), p.option("note").value_or("")};
  if (net.note.size() > max_note) throw UsageError("--note is longer than " + std::to_string(max_note) + " characters");
  if (std::any_of(net.note.begin(), net.note.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
    throw UsageError("--note must be one line of text");
  ctx.store().add_relaynet(net);
  ctx.out << "added relay network " << net.cidr;
  if (net.cidr != p.positional[0]) ctx.out << " (from " << p.positional[0] << ")";
  ctx.out << '\n';
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "relaynet remove CIDR");
  const std::string cidr = cidr_argument(p.positional[0]);
  if (!ctx.store().remove_relaynet(cidr)) throw CommandError("relay network " + cidr + " does not exist");
  ctx.out << "removed relay network " << cidr << '\n';
  return 0;
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "relaynet list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& n : ctx.store().list_relaynets()) rows.push_back({n.cidr, n.note});
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

int cmd_relaynet(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "relaynet");
  if (sub == "add") return add(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  throw UsageError("relaynet: unknown subcommand '" + sub + "' (add, remove, list)");
}

}  // namespace portcullis::cli
