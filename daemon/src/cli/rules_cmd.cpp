// portcullis rules check | test: the Lua rules folder, checked or tried on a message file.
//   rules check [--dir DIR]
//   rules test FILE.eml --from ADDRESS --rcpt ADDRESS [--rcpt ADDRESS...] [--client IP]
//              [--helo NAME] [--dir DIR]
// `test` runs the verdict pipeline as a session would (connect, HELO, MAIL, each RCPT with
// the store's recipient decision, then DATA) and prints every hook decision, effect, symbol
// and the final verdict; nothing is sent or queued. kv calls reach the real store.
#include <boost/asio/ip/address.hpp>
#include <fstream>
#include <ostream>
#include <sstream>

#include "cli/args.hpp"
#include "core/text.hpp"
#include "cli/commands.hpp"
#include "hooks/engine.hpp"
#include "mail/address.hpp"
#include "mail/headers.hpp"
#include "policy/relay.hpp"
#include "policy/snapshot.hpp"
#include "smtp/message_edits.hpp"
#include "store/store.hpp"

namespace portcullis::cli {
namespace {

hooks::EngineOptions engine_options(Context& ctx, const Parsed& p) {
  hooks::EngineOptions o;
  o.rules_dir = p.option("dir") ? std::filesystem::path(*p.option("dir")) : ctx.config.rules.dir;
  o.workers = 0;
  o.limits.instructions = ctx.config.rules.instructions;
  o.limits.memory = ctx.config.rules.memory_mb * 1024 * 1024;
  o.limits.wall = ctx.config.rules.time_limit;
  o.on_failure = ctx.config.rules.failure_tempfails ? hooks::FailurePolicy::tempfail : hooks::FailurePolicy::continue_;
  return o;
}

int rules_check(Context& ctx, const std::vector<std::string>& args) {
  const auto p = parse_options(args, {"dir"});
  expect_positionals(p, 0, 0, "rules check [--dir DIR]");
  const auto o = engine_options(ctx, p);
  const hooks::LoadReport report = hooks::load_rules(o.rules_dir, o.limits);
  if (!report.rules) {
    for (const auto& e : report.errors) ctx.out << e << "\n";
    throw CommandError(std::to_string(report.errors.size()) + " error(s) in " + o.rules_dir.string() +
                       ": the running rules stay in force until they are fixed");
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& s : report.rules->scripts) {
    std::string handlers;
    for (std::size_t k = 0; k < hooks::kEventKinds; ++k)
      if (s.handles[k]) handlers += (handlers.empty() ? "" : " ") + std::string(hooks::handler_name(static_cast<hooks::EventKind>(k)));
    rows.push_back({s.name, handlers.empty() ? "(no handlers)" : handlers});
  }
  print_table(ctx.out, rows);
  ctx.out << "ok: " << report.rules->scripts.size() << " script(s) in " << o.rules_dir.string() << "\n";
  return 0;
}

void print_outcome(std::ostream& out, const std::string& step, const hooks::Outcome& o) {
  for (const auto& t : o.trace) {
    out << step << "  " << (t.script.empty() ? "-" : t.script) << "  on_" << t.event << "  " << t.decision << "\n";
    for (const auto& e : t.effects) out << step << "      " << e << "\n";
  }
}

// The outcome's refusal, printed; true if the pipeline stops here.
bool refused(std::ostream& out, const std::string& step, const hooks::Outcome& o) {
  if (o.action != hooks::Action::reject && o.action != hooks::Action::tempfail) return false;
  out << "verdict  " << hooks::action_name(o.action) << " at " << step << ": " << o.reply << "\n";
  return true;
}

int rules_test(Context& ctx, std::vector<std::string> args) {
  // --rcpt may be given more than once: collect those before the common parser.
  std::vector<std::string> rcpts, rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--rcpt" && i + 1 < args.size()) {
      rcpts.push_back(args[++i]);
    } else if (args[i].starts_with("--rcpt=")) {
      rcpts.push_back(args[i].substr(7));
    } else {
      rest.push_back(args[i]);
    }
  }
  const auto p = parse_options(rest, {"dir", "client", "helo", "from"});
  const std::string synopsis = "rules test FILE --from ADDRESS --rcpt ADDRESS... [--client IP] [--helo NAME] [--dir DIR]";
  expect_positionals(p, 1, 1, synopsis);
  if (rcpts.empty() || !p.option("from")) throw UsageError(synopsis);
  const std::string client = p.option("client").value_or("192.0.2.1");
  boost::system::error_code ec;
  const auto client_addr = boost::asio::ip::make_address(client, ec);
  if (ec) throw UsageError("--client: '" + client + "' is not an IP address");
  const std::string from = *p.option("from");
  std::optional<mail::Mailbox> sender;
  if (from != "<>" && !from.empty()) {
    sender = mail::parse_mailbox(from);
    if (!sender) throw UsageError("--from: '" + from + "' is not an address (or <> for the null sender)");
  }
  const auto text = core::read_file(p.positional[0]);
  if (!text) throw CommandError("cannot read " + p.positional[0]);
  const std::string& message = *text;

  auto options = engine_options(ctx, p);
  const std::string uri = ctx.store_uri;
  const std::string password = ctx.config.store_password_file.string();
  options.open_store = [uri, password] { return store::open_store(uri, password); };
  hooks::Engine engine(options);
  const hooks::LoadReport report = engine.reload();
  if (!report.rules) {
    for (const auto& e : report.errors) ctx.out << e << "\n";
    throw CommandError(std::to_string(report.errors.size()) + " error(s) in " + options.rules_dir.string());
  }
  const auto snapshot = policy::Snapshot::load(ctx.store());
  std::ostream& out = ctx.out;

  hooks::EventData e;
  e.client_ip = client_addr.to_string();
  e.client_port = 25;
  e.listener = "inbound";
  e.policy = snapshot;
  std::vector<hooks::Symbol> symbols;
  auto step = [&](hooks::EventKind kind, const std::string& label) {
    e.kind = kind;
    e.symbols = symbols;
    e.score = 0;
    for (const auto& s : symbols) e.score += s.score;
    hooks::Outcome o = engine.run_here(e);
    print_outcome(out, label, o);
    symbols.insert(symbols.end(), o.symbols.begin(), o.symbols.end());
    return o;
  };
  if (refused(out, "connect", step(hooks::EventKind::connect, "connect"))) return 0;
  e.helo = p.option("helo").value_or("client.example");
  if (refused(out, "helo", step(hooks::EventKind::helo, "helo"))) return 0;
  e.null_sender = !sender;
  e.sender = sender ? sender->str() : std::string();
  if (refused(out, "mail", step(hooks::EventKind::mail, "mail"))) return 0;
  std::string route;
  for (const auto& r : rcpts) {
    auto mb = mail::parse_mailbox(r);
    if (!mb) throw UsageError("--rcpt: '" + r + "' is not an address");
    const auto d = policy::decide_recipient(*snapshot, *mb, client_addr);
    out << "rcpt     " << mb->str() << "  policy: " << d.reply << "\n";
    if (d.reply.empty() || d.reply[0] != '2') continue;
    e.rcpt = mb->str();
    const hooks::Outcome o = step(hooks::EventKind::rcpt, "rcpt");
    if (o.action == hooks::Action::reject || o.action == hooks::Action::tempfail) {
      out << "rcpt     " << mb->str() << "  rule: " << o.reply << "\n";
      continue;
    }
    for (const auto& t : smtp::edited_recipients(d.deliver_to, o))
      if (std::find(e.recipients.begin(), e.recipients.end(), t) == e.recipients.end()) e.recipients.push_back(t);
    if (!o.route.empty()) route = o.route;
  }
  e.rcpt.clear();
  if (e.recipients.empty()) {
    out << "verdict  reject at rcpt: no recipient accepted\n";
    return 0;
  }
  const mail::HeaderSection headers = mail::parse_headers(message);
  e.headers = &headers;
  e.size = message.size();
  e.route = route;
  e.read_message = [&message](std::size_t off, std::size_t len) {
    return off >= message.size() ? std::string() : message.substr(off, len);
  };
  const hooks::Outcome o = step(hooks::EventKind::data, "data");
  if (refused(out, "data", o)) return 0;
  const auto final_rcpts = smtp::edited_recipients(e.recipients, o);
  if (!o.route.empty()) route = o.route;
  queue::Amendment amend;
  smtp::header_amendment(o.header_edits, headers, amend);
  double score = 0;
  std::string names;
  for (const auto& s : symbols) {
    score += s.score;
    names += (names.empty() ? "" : " ") + s.name;
  }
  std::string list;
  for (const auto& r : final_rcpts) list += (list.empty() ? "" : " ") + r;
  const std::string verdict = o.action == hooks::Action::none ? "accept" : std::string(hooks::action_name(o.action));
  out << "verdict  " << verdict << (o.reason.empty() ? "" : " (" + o.reason + ")") << "\n";
  out << "recipients  " << list << "\n";
  if (!route.empty()) out << "route  " << route << "\n";
  out << "score  " << score << (names.empty() ? "" : "  " + names) << "\n";
  for (const auto& [off, len] : amend.drop) {
    std::string line = message.substr(off, len);
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
    out << "header-  " << line << "\n";
  }
  std::istringstream added(amend.insert_headers);
  for (std::string line; std::getline(added, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out << "header+  " << line << "\n";
  }
  return 0;
}

}  // namespace

int cmd_rules(Context& ctx, std::vector<std::string> args) {
  const std::string sub = take_subcommand(args, "rules");
  if (sub == "check") return rules_check(ctx, args);
  if (sub == "test") return rules_test(ctx, std::move(args));
  throw UsageError("unknown subcommand 'rules " + sub + "'");
}

}  // namespace portcullis::cli
