// portcullis dnsbl add|remove|list|test — the DNS block lists the gateway asks about each client
// (store::DnsblZone). Zones and --expect patterns are checked with the daemon's own code
// (checks/dnsbl: zone_error, parse_pattern, check_zone), so what the CLI stores the daemon
// reads; `test` is in cli/dnsbl_test.cpp.
#include <charconv>
#include <cmath>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "checks/dnsbl/lookup.hpp"
#include "checks/dnsbl/pattern.hpp"
#include "checks/dnsbl/query_name.hpp"
#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/dnsbl_test.hpp"
#include "store/schema.hpp"
#include "store/spam_rules.hpp"

namespace portcullis::cli {

namespace dnsbl = checks::dnsbl;

namespace {

constexpr const char* add_synopsis =
    "dnsbl add ZONE [--expect PATTERN] [--block | --score S] [--stage connect|rcpt] [--note TEXT]";
constexpr std::size_t kMaxNote = 200;
constexpr std::size_t kMaxPattern = 255;  // the store's limit (store/spam_rules.hpp)
constexpr double kMaxScore = 1000;

store::Store& dnsbl_store(Context& ctx) {
  auto& s = ctx.store();
  if (s.latest_schema_version() < store::kSchemaSpam)
    throw CommandError("this build's schema (version " + std::to_string(s.latest_schema_version()) +
                       ") has no DNSBL zones");
  return s;
}

// The answers that count, parsed by the daemon's parser (checks/dnsbl/pattern.hpp): "" (any
// answer in 127.0.0.0/8) or comma-separated patterns of four octets. Returned without blanks
// (the store refuses spaces; the parser allows them around the commas only), at most 255
// characters (the store's limit).
std::string expect_arg(const std::string& text) {
  std::string compact;
  for (const char c : text)
    if (c != ' ' && c != '\t') compact += c;
  if (compact.size() > kMaxPattern) throw UsageError("--expect: the pattern is longer than 255 characters");
  const auto parsed = dnsbl::parse_pattern(text);
  if (parsed.pattern) return compact;
  constexpr const char* shape =
      " (a pattern is four octets, each a number 0-255, '*' or a range A-B or [A..B]: 127.0.0.2, 127.0.0.*, "
      "127.0.0.2-11; several are separated by commas)";
  const std::string item = "--expect: '" + parsed.item + "'";
  switch (parsed.fault) {
    case dnsbl::PatternFault::not_127:
      throw UsageError(item + " is outside 127.0.0.0/8, where DNSBL answers are (RFC 5782): its first octet must be "
                       "127");
    case dnsbl::PatternFault::bad_octet:
      throw UsageError(item + " is not a pattern: " + parsed.why);
    case dnsbl::PatternFault::few_octets:
    case dnsbl::PatternFault::many_octets:
    case dnsbl::PatternFault::empty_item:
      throw UsageError(item + " is not a pattern: " + parsed.why + shape);
    case dnsbl::PatternFault::too_long:
    case dnsbl::PatternFault::too_many:
    case dnsbl::PatternFault::none:
      break;
  }
  throw UsageError("--expect: " + parsed.error);
}

double score_arg(const std::string& text) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v) ||
      std::fabs(v) > kMaxScore)
    throw UsageError("--score: expected a number from -1000 to 1000 (not '" + text + "')");
  return v;
}

std::string number_text(double v) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::to_string(v);
}

std::string action_text(const store::DnsblZone& z) {
  return z.action == "block" ? "block" : "score=" + number_text(z.score);
}

int add(Context& ctx, std::vector<std::string> args) {
  const bool block = take_flag(args, "block");
  const auto p = parse_options(args, {"expect", "score", "stage", "note"});
  expect_positionals(p, 1, 1, add_synopsis);
  if (block && p.option("score")) throw UsageError("--block and --score exclude each other");
  store::DnsblZone z;
  z.zone = dnsbl_zone_arg(p.positional[0]);
  z.expect = expect_arg(p.option("expect").value_or(""));
  if (const auto score = p.option("score")) {
    z.action = "score";
    z.score = score_arg(*score);
  } else {
    z.action = "block";  // a block list blocks unless told to score
  }
  z.stage = p.option("stage").value_or("connect");
  if (z.stage != "connect" && z.stage != "rcpt")
    throw UsageError("--stage: expected connect or rcpt (not '" + z.stage + "')");
  z.note = p.option("note").value_or("");
  if (z.note.size() > kMaxNote || !store::is_one_line(z.note))
    throw UsageError("--note: expected one line of text, at most 200 octets");
  // What the daemon will check before it queries the zone (smtp/reputation): always true here.
  dnsbl::Zone checked;
  checked.zone = z.zone;
  checked.expect = z.expect;
  if (const std::string error = dnsbl::check_zone(checked); !error.empty())
    throw UsageError("DNSBL zone " + z.zone + ": " + error);
  dnsbl_store(ctx).add_dnsbl_zone(z);
  ctx.out << "added DNSBL zone " << z.zone << ": ";
  if (z.action == "block")
    ctx.out << "listed clients are refused at " << (z.stage == "connect" ? "connect" : "RCPT TO");
  else
    ctx.out << "listed clients' messages score " << number_text(z.score) << " (looked up at " << z.stage << ")";
  ctx.out << ", answers " << (z.expect.empty() ? "any of 127.0.0.0/8" : z.expect) << '\n';
  return 0;
}

int remove(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {});
  expect_positionals(p, 1, 1, "dnsbl remove ZONE");
  const std::string zone = dnsbl_zone_arg(p.positional[0]);
  if (!dnsbl_store(ctx).remove_dnsbl_zone(zone))
    throw CommandError("DNSBL zone " + zone + " does not exist (see 'portcullis dnsbl list')");
  ctx.out << "removed DNSBL zone " << zone << '\n';
  return 0;
}

int list(Context& ctx, const std::vector<std::string>& args) {
  expect_positionals(parse_options(args, {}), 0, 0, "dnsbl list");
  std::vector<std::vector<std::string>> rows;
  for (const auto& z : dnsbl_store(ctx).list_dnsbl_zones())
    rows.push_back({z.zone, action_text(z), z.stage, z.expect.empty() ? "any" : z.expect, z.note});
  print_table(ctx.out, rows);
  return 0;
}

}  // namespace

// A zone: a DNS name of two labels or more, lower-cased, one trailing dot dropped, that the
// daemon can query (dnsbl::zone_error: short enough to hold an IPv6 query name).
std::string dnsbl_zone_arg(const std::string& text) {
  std::string_view name = text;
  if (name.ends_with('.')) name.remove_suffix(1);
  const std::string zone = domain_argument(name);
  if (zone.find('.') == std::string::npos)
    throw UsageError("'" + text + "' is not a DNSBL zone (expected a DNS name such as zen.spamhaus.org)");
  if (const std::string error = dnsbl::zone_error(zone); !error.empty())
    throw UsageError("'" + text + "' is not a DNSBL zone: " + error);
  return zone;
}

int cmd_dnsbl(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "dnsbl");
  if (sub == "add") return add(ctx, std::move(args));
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  if (sub == "test") return dnsbl_test(ctx, args, [&ctx] { return dnsbl_store(ctx).list_dnsbl_zones(); });
  throw UsageError("dnsbl: unknown subcommand '" + sub + "' (add, remove, list, test)");
}

}  // namespace portcullis::cli
