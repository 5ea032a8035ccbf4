// portcullis queue list|show|flush|delete: the spool seen from the CLI. Reads the queue files
// directly; flush asks the running daemon over its control socket, or leaves a request file
// the daemon's queue manager picks up within a second.
#include <ctime>
#include <fstream>
#include <ostream>

#include "cli/args.hpp"
#include "cli/commands.hpp"
#include "cli/control_client.hpp"
#include "core/time_format.hpp"
#include "queue/spool.hpp"

namespace portcullis::cli {
namespace {

std::string utc(int64_t t) { return t <= 0 ? std::string("now") : core::format_utc(t, core::TimeStyle::plain); }

const char* status_name(queue::RcptStatus s) {
  switch (s) {
    case queue::RcptStatus::pending: return "pending";
    case queue::RcptStatus::delivered: return "delivered";
    case queue::RcptStatus::failed: return "failed";
  }
  return "pending";
}

int list(Context& ctx, queue::Spool& spool) {
  std::vector<std::vector<std::string>> rows;  // no header row, like the other list commands
  for (const auto& id : spool.list()) {
    auto m = spool.load(id);
    if (!m) continue;  // delivered meanwhile
    std::size_t pending = 0;
    for (const auto& r : m->envelope.recipients) {
      auto it = m->state.rcpts.find(r);
      if (it == m->state.rcpts.end() || it->second.status == queue::RcptStatus::pending) ++pending;
    }
    rows.push_back({id, utc(m->envelope.received), std::to_string(m->message.size()),
                    m->envelope.sender.empty() ? "<>" : m->envelope.sender,
                    std::to_string(pending) + "/" + std::to_string(m->envelope.recipients.size()),
                    std::to_string(m->state.attempts), utc(m->state.next_attempt)});
  }
  print_table(ctx.out, rows);
  ctx.out << rows.size() << " message(s)\n";
  return 0;
}

int show(Context& ctx, queue::Spool& spool, const std::string& id) {
  auto m = spool.load(id);
  if (!m) throw CommandError("no message " + id + " in the queue");
  const auto& e = m->envelope;
  ctx.out << "id:        " << e.id << "\n"
          << "arrived:   " << utc(e.received) << " UTC\n"
          << "client:    " << e.client_ip << " (" << e.helo << ")\n"
          << "sender:    " << (e.sender.empty() ? "<>" : e.sender) << "\n"
          << "size:      " << m->message.size() << "\n"
          << "attempts:  " << m->state.attempts << ", next " << utc(m->state.next_attempt) << "\n";
  std::vector<std::vector<std::string>> rows{{"RECIPIENT", "STATUS", "LAST REPLY"}};
  for (const auto& r : e.recipients) {
    auto it = m->state.rcpts.find(r);
    rows.push_back({r, it == m->state.rcpts.end() ? "pending" : status_name(it->second.status),
                    it == m->state.rcpts.end() ? "" : it->second.reply});
  }
  print_table(ctx.out, rows);
  const auto end = m->message.find("\r\n\r\n");
  ctx.out << "\n" << m->message.substr(0, end == std::string::npos ? m->message.size() : end + 2);
  return 0;
}

}  // namespace

int cmd_queue(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "queue");
  if (sub == "help" || sub == "--help") {
    ctx.out << "usage:\n"
               "  portcullis queue list\n"
               "  portcullis queue show ID\n"
               "  portcullis queue flush\n"
               "  portcullis queue delete ID...\n\n"
               "The mail queue in spool_dir. list prints one line per message: ID, arrival, size,\n"
               "sender, pending/total recipients, attempts, next retry. show prints the envelope,\n"
               "each recipient's status and last reply, and the message headers. flush asks the\n"
               "running daemon to retry every deferred message now. delete removes messages for good.\n";
    return 0;
  }
  Parsed p = parse_options(args, {});
  queue::Spool spool(ctx.config.spool_dir);
  if (sub == "list") {
    expect_positionals(p, 0, 0, "queue list");
    return list(ctx, spool);
  }
  if (sub == "show") {
    expect_positionals(p, 1, 1, "queue show ID");
    return show(ctx, spool, p.positional[0]);
  }
  if (sub == "flush") {
    expect_positionals(p, 0, 0, "queue flush");
    try {  // the running daemon, at once; else a request file it picks up when it runs
      ControlClient(ctx.config.control_socket).request("queue flush");
      ctx.out << "flushing: the daemon is retrying every deferred message now\n";
      return 0;
    } catch (const CommandError&) {
    }
    std::ofstream(spool.dir() / "flush") << "flush\n";
    ctx.out << "flush requested: the daemon retries every deferred message within a second\n";
    return 0;
  }
  if (sub == "delete") {
    expect_positionals(p, 1, 1000000, "queue delete ID...");
    int missing = 0;
    for (const auto& id : p.positional) {
      if (spool.remove(id)) {
        ctx.out << "deleted " << id << "\n";
      } else {
        ctx.err << "portcullis: error: no message " << id << " in the queue\n";
        ++missing;
      }
    }
    return missing ? 1 : 0;
  }
  throw UsageError("queue: unknown subcommand \"" + sub + "\" (list, show, flush, delete)");
}

}  // namespace portcullis::cli
