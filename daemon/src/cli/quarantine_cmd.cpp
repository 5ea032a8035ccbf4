// portcullis quarantine list|show|release|delete (docs/spam.md): the messages held by the
// checks, the rules or DMARC. The index is in the store (shared by gateways); the messages are
// in the spool's quarantine area of the gateway that received them (its host name is in the
// index), so show, release and delete work on that gateway. release moves a message into the
// queue and asks the queue manager to pick it up (the file SPOOL/rescan, read every second).
#include <algorithm>
#include <ctime>
#include <fstream>
#include <ostream>
#include <set>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "core/time_format.hpp"
#include "queue/spool.hpp"

namespace portcullis::cli {
namespace {

std::string utc(int64_t t) { return core::format_utc(t, core::TimeStyle::plain); }

std::string score_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

int list(Context& ctx, const Parsed& p) {
  store::QuarantineQuery q;
  if (auto r = p.option("rcpt")) q.recipient = *r;
  if (auto g = p.option("gateway")) q.gateway = *g;
  if (auto s = p.option("since")) q.since = parse_time_option(*s, "--since", std::time(nullptr));
  if (auto l = p.option("limit")) {
    try {
      q.limit = static_cast<std::size_t>(std::stoul(*l));
    } catch (const std::exception&) {
      throw UsageError("--limit: expected a number");
    }
    if (q.limit == 0 || q.limit > 100000) throw UsageError("--limit: expected 1-100000");
  }
  const auto rows = ctx.store().quarantine_list(q);
  std::vector<std::vector<std::string>> table;
  for (const auto& r : rows)
    table.push_back({r.id, utc(r.received), r.recipient, r.sender.empty() ? "<>" : r.sender, score_text(r.score),
                     r.reason, r.subject});
  print_table(ctx.out, table);
  ctx.out << rows.size() << " held message recipient(s)\n";
  return 0;
}

std::vector<store::QuarantineEntry> index_of(Context& ctx, const std::string& id) {
  store::QuarantineQuery q;
  q.id = id;
  q.limit = 100000;
  return ctx.store().quarantine_list(q);
}

// The index rows of `id`, which must be held on this gateway: CommandError otherwise.
std::vector<store::QuarantineEntry> held_here(Context& ctx, const queue::Spool& spool, const std::string& id) {
  auto rows = index_of(ctx, id);
  const bool here = std::filesystem::exists(spool.quarantine_path(id));
  if (here) return rows;
  if (rows.empty()) throw CommandError("no message " + id + " in the quarantine");
  throw CommandError("message " + id + " is held on gateway " + rows.front().gateway +
                     "; run the command there");
}

int show(Context& ctx, const queue::Spool& spool, const std::string& id) {
  const auto rows = index_of(ctx, id);
  const auto held = spool.load_quarantined(id);
  if (rows.empty() && !held) throw CommandError("no message " + id + " in the quarantine");
  if (!held) throw CommandError("message " + id + " is held on gateway " + rows.front().gateway + "; run the command there");
  const auto& e = held->envelope;
  ctx.out << "id:        " << e.id << "\n"
          << "arrived:   " << utc(e.received) << " UTC\n"
          << "client:    " << e.client_ip << " (" << e.helo << ")\n"
          << "sender:    " << (e.sender.empty() ? "<>" : e.sender) << "\n"
          << "size:      " << held->message.size() << "\n"
          << "reason:    " << e.quarantine << "\n";
  if (!rows.empty()) ctx.out << "expires:   " << utc(rows.front().expires) << " UTC\n";
  std::vector<std::vector<std::string>> table{{"RECIPIENT"}};
  for (const auto& r : e.recipients) table.push_back({r});
  print_table(ctx.out, table);
  const auto end = held->message.find("\r\n\r\n");
  ctx.out << "\n" << held->message.substr(0, end == std::string::npos ? held->message.size() : end + 2);
  return 0;
}

}  // namespace

int cmd_quarantine(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "quarantine");
  if (sub == "help" || sub == "--help") {
    ctx.out << "usage:\n"
               "  portcullis quarantine list [--rcpt ADDRESS|@DOMAIN] [--since TIME] [--gateway HOST] [--limit N]\n"
               "  portcullis quarantine show ID\n"
               "  portcullis quarantine release ID...\n"
               "  portcullis quarantine delete ID...\n\n"
               "Messages held by the spam and virus checks, the attachment rules, DMARC or a Lua rule.\n"
               "list prints one line per held recipient, newest first: ID, arrival (UTC), recipient,\n"
               "sender, score, reason, subject. show prints the envelope and the headers. release\n"
               "delivers a message to its recipients (the checks are not run again); delete removes it\n"
               "for good. show, release and delete run on the gateway that holds the message.\n";
    return 0;
  }
  Parsed p = parse_options(args, {"rcpt", "since", "gateway", "limit"});
  queue::Spool spool(ctx.config.spool_dir);
  if (sub == "list") {
    expect_positionals(p, 0, 0, "quarantine list");
    return list(ctx, p);
  }
  if (!p.options.empty()) throw UsageError("quarantine " + sub + ": options are for 'list' only");
  if (sub == "show") {
    expect_positionals(p, 1, 1, "quarantine show ID");
    return show(ctx, spool, p.positional[0]);
  }
  if (sub == "release" || sub == "delete") {
    expect_positionals(p, 1, 1000, "quarantine " + sub + " ID...");
    int failed = 0;
    bool released = false;
    for (const auto& id : p.positional) {
      try {
        const auto rows = held_here(ctx, spool, id);
        const bool done = sub == "release" ? spool.release(id) : spool.remove_quarantined(id);
        if (!done) throw CommandError("no message " + id + " in the quarantine");
        ctx.store().quarantine_remove(id);
        released = released || sub == "release";
        ctx.out << (sub == "release" ? "released " : "deleted ") << id << "\n";
      } catch (const CommandError& e) {
        ctx.err << "portcullis: error: " << e.what() << "\n";
        ++failed;
      }
    }
    if (released) std::ofstream(spool.dir() / "rescan") << "rescan\n";  // the queue manager picks them up
    return failed ? 1 : 0;
  }
  throw UsageError("quarantine: unknown subcommand \"" + sub + "\" (list, show, release, delete)");
}

}  // namespace portcullis::cli
