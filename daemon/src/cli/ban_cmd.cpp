// portcullis ban list|remove — the clients the gateways banned automatically (store::Ban:
// state, shared by the gateways through the store; checked per connection, so lifting a ban
// takes effect at the client's next connection without a reload).
#include <ctime>
#include <ostream>
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "cli/args.hpp"
#include "core/ip.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"

namespace portcullis::cli {
namespace {

namespace ip = boost::asio::ip;

// An IP address in the form the gateways record it: canonical text, an IPv4-mapped IPv6
// address as the IPv4 address it denotes.
std::string address_arg(const std::string& text) {
  boost::system::error_code ec;
  const auto a = ip::make_address(text, ec);
  if (ec || text.find('%') != std::string::npos)
    throw UsageError("'" + text + "' is not an IP address (e.g. 192.0.2.7 or 2001:db8::7)");
  return core::unmapped(a).to_string();
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "ban list");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<std::vector<std::string>> rows;
  for (const auto& b : ctx.store().ban_list(now))  // the bans in force
    rows.push_back({b.ip, "until=" + core::format_utc(b.until, core::TimeStyle::iso8601),
                    "since=" + core::format_utc(b.created, core::TimeStyle::iso8601), b.reason});
  print_table(ctx.out, rows);
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "ban remove IP");
  const std::string address = address_arg(p.positional[0]);
  if (!ctx.store().ban_remove(address))
    throw CommandError(address + " is not banned (see 'portcullis ban list')");
  ctx.out << "lifted the ban of " << address << '\n';
  return 0;
}

}  // namespace

int cmd_ban(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "ban");
  if (sub == "list") return list(ctx, args);
  if (sub == "remove") return remove(ctx, args);
  throw UsageError("ban: unknown subcommand '" + sub + "' (list, remove)");
}

}  // namespace portcullis::cli
