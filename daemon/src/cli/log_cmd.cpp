// portcullis log search: message tracking from the store's message log.
#include <charconv>
#include <chrono>
#include <ctime>
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"

namespace portcullis::cli {
namespace {

int64_t now_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string format_time(int64_t t) { return core::format_utc(t, core::TimeStyle::iso8601); }

}  // namespace

// "90s", "15m", "2h", "7d" (that long ago), a date "2026-11-23" or "2026-11-23T10:00[:00][Z]"
// (UTC), or unix seconds "@1700000000". UsageError naming `option` otherwise.
int64_t parse_time_option(const std::string& text, const std::string& option, int64_t now) {
  const auto bad = [&] {
    return UsageError("--" + option + ": expected an age such as 90s, 15m, 2h, 7d, a UTC date such as "
                      "2026-11-23 or 2026-11-23T10:00Z, or @UNIXTIME; got '" + text + "'");
  };
  if (text.empty()) throw bad();
  if (text[0] == '@') {
    int64_t v = 0;
    auto [end, ec] = std::from_chars(text.data() + 1, text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < 0) throw bad();
    return v;
  }
  const char unit = text.back();
  if (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd') {
    int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size() - 1, n);
    if (ec == std::errc() && end == text.data() + text.size() - 1 && n >= 0 && n <= 100000) {
      const int64_t mult = unit == 's' ? 1 : unit == 'm' ? 60 : unit == 'h' ? 3600 : 86400;
      return now - n * mult;
    }
  }
  std::tm tm{};
  std::string rest = text;
  if (!rest.empty() && rest.back() == 'Z') rest.pop_back();
  const char* formats[] = {"%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
  for (const char* f : formats) {
    tm = {};
    const char* end = strptime(rest.c_str(), f, &tm);
    if (end && *end == '\0') return static_cast<int64_t>(timegm(&tm));
  }
  throw bad();
}

namespace {

void print_message(std::ostream& out, const store::MessageRecord& m) {
  out << format_time(m.received) << "  " << m.queue_id << "  " << m.verdict << "  from=<" << m.sender << ">"
      << "  client=" << m.client_ip;
  if (!m.helo.empty()) out << "  helo=" << m.helo;
  out << "  size=" << m.size;
  if (!m.tls.empty()) out << "  tls=\"" << m.tls << '"';
  if (m.score != 0) out << "  score=" << m.score;
  if (!m.symbols.empty()) out << "  symbols=\"" << m.symbols << '"';
  if (!m.gateway.empty()) out << "  gateway=" << m.gateway;
  out << '\n';
  std::vector<std::vector<std::string>> rows;
  for (const auto& d : m.deliveries) {
    rows.push_back({"    " + d.recipient, d.status, d.attempts ? "attempts=" + std::to_string(d.attempts) : "",
                    d.relay.empty() ? "" : "relay=" + d.relay, d.tls.empty() ? "" : "tls=\"" + d.tls + "\"",
                    d.updated ? format_time(d.updated) : "",
                    d.reply.empty() ? "" : "\"" + d.reply + "\""});
  }
  print_table(out, rows);
}

int search(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"from", "to", "since", "until", "queue-id", "limit"});
  expect_positionals(p, 0, 0, "log search [--from ADDRESS|@DOMAIN] [--to ADDRESS|@DOMAIN] [--since TIME] "
                              "[--until TIME] [--queue-id ID] [--limit N]");
  store::MessageQuery q;
  const int64_t now = now_seconds();
  if (auto v = p.option("from")) q.sender = *v;  // "<>": the null sender
  if (auto v = p.option("to")) q.recipient = *v;
  if (auto v = p.option("since")) q.since = parse_time_option(*v, "since", now);
  if (auto v = p.option("until")) q.until = parse_time_option(*v, "until", now);
  if (auto v = p.option("queue-id")) q.queue_id = *v;
  if (auto v = p.option("limit")) {
    std::size_t n = 0;
    auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
    if (ec != std::errc() || end != v->data() + v->size() || n == 0 || n > 100000)
      throw UsageError("--limit: expected a number from 1 to 100000");
    q.limit = n;
  }
  const auto found = ctx.store().search_messages(q);
  for (const auto& m : found) print_message(ctx.out, m);
  if (found.empty()) ctx.err << "no messages found\n";
  return 0;
}

}  // namespace

int cmd_log(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "log");
  if (sub == "search") return search(ctx, args);
  if (sub == "tail") return log_tail(ctx, args);
  throw UsageError("log: unknown subcommand '" + sub + "' (search, tail)");
}

}  // namespace portcullis::cli
