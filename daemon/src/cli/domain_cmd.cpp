// portcullis domain add|set|remove|list
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"

namespace portcullis::cli {
namespace {

constexpr const char* add_synopsis = "domain add NAME --destination HOST[:PORT] [--recipients all|specified]";
constexpr const char* set_synopsis = "domain set NAME [--destination HOST[:PORT]] [--recipients all|specified]";

const char* mode_name(store::RecipientMode mode) { return mode == store::RecipientMode::all ? "all" : "specified"; }

std::string describe(const store::Domain& d) {
  return d.name + " -> " + format_destination(d.destination_host, d.destination_port) + " (recipients: " +
         mode_name(d.recipients) + ")";
}

int add(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"destination", "recipients"});
  expect_positionals(p, 1, 1, add_synopsis);
  store::Domain d;
  d.name = domain_argument(p.positional[0]);
  const auto destination = p.option("destination");
  if (!destination) throw UsageError("domain add needs --destination HOST[:PORT]");
  const auto dest = parse_destination(*destination);
  d.destination_host = dest.host;
  d.destination_port = dest.port;
  if (const auto mode = p.option("recipients")) d.recipients = parse_recipient_mode(*mode);
  ctx.store().add_domain(d);
  ctx.out << "added domain " << describe(d) << '\n';
  return 0;
}

int set(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"destination", "recipients"});
  expect_positionals(p, 1, 1, set_synopsis);
  const std::string name = domain_argument(p.positional[0]);
  const auto destination = p.option("destination");
  const auto mode = p.option("recipients");
  if (!destination && !mode) throw UsageError("domain set: nothing to change (give --destination or --recipients)");
  auto d = ctx.store().find_domain(name);
  if (!d) throw CommandError("domain " + name + " does not exist");
  if (destination) {
    const auto dest = parse_destination(*destination);
    d->destination_host = dest.host;
    d->destination_port = dest.port;
  }
  if (mode) d->recipients = parse_recipient_mode(*mode);
  ctx.store().update_domain(*d);
  ctx.out << "updated domain " << describe(*d) << '\n';
  return 0;
}

// Counts what is left of a removed domain, so the admin knows to clean it up.
std::size_t leftovers(store::Store& s, const std::string& name) {
  const std::string suffix = "@" + name;
  std::size_t n = 0;
  for (const auto& r : s.list_recipients()) n += r.address.ends_with(suffix) ? 1 : 0;
  for (const auto& a : s.list_aliases()) n += a.address.ends_with(suffix) ? 1 : 0;
  return n;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "domain remove NAME");
  const std::string name = domain_argument(p.positional[0]);
  if (!ctx.store().remove_domain(name)) throw CommandError("domain " + name + " does not exist");
  ctx.out << "removed domain " << name << '\n';
  if (const auto n = leftovers(ctx.store(), name))
    ctx.err << "portcullis: note: " << n << " recipient(s)/alias(es) of " << name
            << " remain (see 'portcullis recipient list' and 'portcullis alias list')\n";
  return 0;
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "domain list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : ctx.store().list_domains())
    rows.push_back({d.name, format_destination(d.destination_host, d.destination_port), mode_name(d.recipients)});
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

int cmd_domain(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "domain");
  if (sub == "add") return add(ctx, args);
  if (sub == "set") return set(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  throw UsageError("domain: unknown subcommand '" + sub + "' (add, set, remove, list)");
}

}  // namespace portcullis::cli
