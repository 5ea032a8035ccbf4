// portcullis dnsbl add|remove|list — the DNS block lists the gateway asks about each client
// (store::DnsblZone). The --expect pattern is checked here by a small validator of its syntax;
// the daemon's own parser (checks/dnsbl) reads it.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "store/schema.hpp"
#include "store/spam_rules.hpp"

namespace portcullis::cli {
namespace {

constexpr const char* add_synopsis =
    "dnsbl add ZONE [--expect PATTERN] [--block | --score S] [--stage connect|rcpt] [--note TEXT]";
constexpr std::size_t kMaxNote = 200;
constexpr std::size_t kMaxPattern = 255;
constexpr double kMaxScore = 1000;

store::Store& dnsbl_store(Context& ctx) {
  auto& s = ctx.store();
  if (s.latest_schema_version() < store::kSchemaSpam)
    throw CommandError("this build's schema (version " + std::to_string(s.latest_schema_version()) +
                       ") has no DNSBL zones");
  return s;
}

// A zone: a DNS name of two labels or more, lower-cased, one trailing dot dropped.
std::string zone_arg(const std::string& text) {
  std::string_view name = text;
  if (name.ends_with('.')) name.remove_suffix(1);
  const std::string zone = domain_argument(name);
  if (zone.find('.') == std::string::npos)
    throw UsageError("'" + text + "' is not a DNSBL zone (expected a DNS name such as zen.spamhaus.org)");
  return zone;
}

// A decimal 0-255 without leading zeros.
bool octet(std::string_view text, int& value) {
  if (text.empty() || text.size() > 3 || (text.size() > 1 && text[0] == '0')) return false;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size() && value >= 0 && value <= 255;
}

// One octet of a pattern: N, '*' or A-B (A <= B).
bool octet_pattern(std::string_view text) {
  if (text == "*") return true;
  int a = 0;
  int b = 0;
  const auto dash = text.find('-');
  if (dash == std::string_view::npos) return octet(text, a);
  return octet(text.substr(0, dash), a) && octet(text.substr(dash + 1), b) && a <= b;
}

// The answers that count: "" (any in 127.0.0.0/8), or comma-separated IPv4 patterns of four
// octets, each a number, '*' or a range; the first octet is 127 (RFC 5782 2.1).
std::string expect_arg(const std::string& text) {
  if (text.empty()) return text;
  if (text.size() > kMaxPattern) throw UsageError("--expect: the pattern is longer than 255 characters");
  std::string_view rest = text;
  for (;;) {
    const auto comma = rest.find(',');
    const std::string_view item = rest.substr(0, comma);
    std::vector<std::string_view> octets;
    std::string_view part = item;
    for (;;) {
      const auto dot = part.find('.');
      octets.push_back(part.substr(0, dot));
      if (dot == std::string_view::npos) break;
      part.remove_prefix(dot + 1);
    }
    if (octets.size() != 4 || !std::all_of(octets.begin(), octets.end(), octet_pattern))
      throw UsageError("--expect: '" + std::string(item) +
                       "' is not a pattern (four octets, each a number 0-255, '*' or a range A-B: 127.0.0.2, "
                       "127.0.0.*, 127.0.0.2-11; several separated by commas)");
    if (octets[0] != "127")
      throw UsageError("--expect: '" + std::string(item) + "' is outside 127.0.0.0/8, where DNSBL answers are "
                       "(RFC 5782)");
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return text;
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
  z.zone = zone_arg(p.positional[0]);
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
  const std::string zone = zone_arg(p.positional[0]);
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

int cmd_dnsbl(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "dnsbl");
  if (sub == "add") return add(ctx, std::move(args));
  if (sub == "remove") return remove(ctx, args);
  if (sub == "list") return list(ctx, args);
  throw UsageError("dnsbl: unknown subcommand '" + sub + "' (add, remove, list)");
}

}  // namespace portcullis::cli
