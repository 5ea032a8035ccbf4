// portcullis iprange add|remove|list — IP ranges with a policy (store::IpRange, hMailServer's
// model): of the ranges that contain a client, the one of highest priority allows or denies it.
// Ranges are policy: the daemon picks changes up through the serial.
#include <algorithm>
#include <charconv>
#include <ctime>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"
#include "policy/cidr.hpp"
#include "store/spam_rules.hpp"

namespace portcullis::cli {
namespace {

constexpr const char* add_synopsis =
    "iprange add NAME CIDR --allow|--deny [--priority N] [--expires TIME] [--note TEXT]";
constexpr std::size_t kMaxName = 64;
constexpr std::size_t kMaxNote = 200;
constexpr int kMaxPriority = 1000000;
constexpr int64_t kMaxAge = 100000;  // in units of the age (as log search's TIME)

std::string name_arg(const std::string& text) {
  const bool ok = !text.empty() && text.size() <= kMaxName && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '-';
  });
  if (!ok) throw UsageError("'" + text + "' is not a valid range name (1-64 letters, digits, '.', '_', '-')");
  return text;
}

std::string cidr_arg(const std::string& text) {
  const auto cidr = policy::Cidr::parse(text);
  if (!cidr)
    throw UsageError("'" + text + "' is not a network (expected ADDRESS/PREFIX, e.g. 192.0.2.0/24 or 2001:db8::/32)");
  return cidr->text();
}

int priority_arg(const std::string& text) {
  int v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < -kMaxPriority || v > kMaxPriority)
    throw UsageError("--priority: expected a whole number from -1000000 to 1000000 (not '" + text + "')");
  return v;
}

// "never" (0), a duration from now (90s, 15m, 2h, 7d), a UTC date or date-time, or @UNIXTIME;
// it must lie in the future.
int64_t expires_arg(const std::string& text, int64_t now) {
  if (text == "never") return 0;
  const std::string hint = "--expires: expected never, a duration from now such as 2h or 30d, a UTC date such as "
                           "2026-11-23 or 2026-11-23T10:00Z, or @UNIXTIME (not '" + text + "')";
  int64_t when = 0;
  const char unit = text.empty() ? '\0' : text.back();
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - (text.empty() ? 0 : 1), n);
  if ((unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') && ec == std::errc() &&
      end == text.data() + text.size() - 1 && n >= 0) {
    if (n > kMaxAge) throw UsageError(hint);
    when = now + n * (unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400);
  } else {
    try {
      when = parse_time_option(text, "expires", now);
    } catch (const UsageError&) {
      throw UsageError(hint);
    }
  }
  if (when <= now)
    throw UsageError("--expires: " + text + " (" + core::format_utc(when, core::TimeStyle::iso8601) +
                     ") is not in the future");
  return when;
}

std::string expires_text(int64_t expires) {
  return expires == 0 ? "never" : core::format_utc(expires, core::TimeStyle::iso8601);
}

const char* action_name(store::RangeAction a) { return a == store::RangeAction::allow ? "allow" : "deny"; }

int add(Context& ctx, std::vector<std::string> args) {
  const bool allow = take_flag(args, "allow");
  const bool deny = take_flag(args, "deny");
  const auto p = parse_options(args, {"priority", "expires", "note"});
  expect_positionals(p, 2, 2, add_synopsis);
  if (allow == deny)
    throw UsageError(allow ? "--allow and --deny exclude each other"
                           : "give --allow or --deny: usage: portcullis " + std::string(add_synopsis));
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  store::IpRange r;
  r.name = name_arg(p.positional[0]);
  r.cidr = cidr_arg(p.positional[1]);
  r.action = allow ? store::RangeAction::allow : store::RangeAction::deny;
  if (const auto v = p.option("priority")) r.priority = priority_arg(*v);
  if (const auto v = p.option("expires")) r.expires = expires_arg(*v, now);
  r.note = p.option("note").value_or("");
  if (r.note.size() > kMaxNote || !store::is_one_line(r.note))
    throw UsageError("--note: expected one line of text, at most 200 octets");
  ctx.store().add_ip_range(r);
  ctx.out << "added IP range " << r.name << ": " << action_name(r.action) << ' ' << r.cidr;
  if (r.cidr != p.positional[1]) ctx.out << " (from " << p.positional[1] << ")";
  ctx.out << ", priority " << r.priority << ", expires " << expires_text(r.expires) << '\n';
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "iprange remove NAME");
  const std::string& name = p.positional[0];  // any name the store holds, even one not made here
  if (!ctx.store().remove_ip_range(name))
    throw CommandError("IP range '" + name + "' does not exist (see 'portcullis iprange list')");
  ctx.out << "removed IP range " << name << '\n';
  return 0;
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "iprange list");
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : ctx.store().list_ip_ranges())  // highest priority first
    rows.push_back({r.name, r.cidr, action_name(r.action), "priority=" + std::to_string(r.priority),
                    (r.expires != 0 && r.expires <= now ? "expired=" : "expires=") + expires_text(r.expires), r.note});
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

int cmd_iprange(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "iprange");
  if (sub == "add") return add(ctx, std::move(args));
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  throw UsageError("iprange: unknown subcommand '" + sub + "' (add, remove, list)");
}

}  // namespace portcullis::cli
