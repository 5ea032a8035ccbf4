#include "smtp/message_end.hpp"

#include <algorithm>
#include <cstdio>
#include <exception>

#include "checks/attachments/parser.hpp"
#include "checks/verdict/verdict.hpp"
#include "core/async.hpp"
#include "core/log.hpp"
#include "core/text.hpp"
#include "smtp/content_scan.hpp"
#include "smtp/message_edits.hpp"
#include "smtp/rule_calls.hpp"
#include "smtp/server.hpp"
#include "smtp/verdict_copies.hpp"

namespace portcullis::smtp {
namespace asio = boost::asio;

namespace {

double total(const std::vector<hooks::Symbol>& symbols) {
  double t = 0;
  for (const auto& s : symbols) t += s.score;
  return t;
}

std::string symbol_list(const std::vector<hooks::Symbol>& symbols) {
  std::string out;
  for (const auto& s : symbols) out += (out.empty() ? "" : " ") + s.name;
  return out;
}

std::string score_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

}  // namespace

asio::awaitable<MessageEnd> Server::end_message(Transaction& tx, const MessageContext& m) {
  const Envelope& env = m.envelope;
  const std::string& client = m.client;
  hooks::Engine* const engine = deps_.hooks;
  const std::string from = env.null_sender ? "<>" : env.sender.str();
  if (!tx.writer) co_return MessageEnd{"451 4.3.0 Error: queue file write error, try again later"};
  std::unique_ptr<queue::SpoolWriter> w = std::move(tx.writer);
  const std::string id = w->id();
  const auto size = w->size();
  queue::Amendment amend;
  std::vector<std::string> rcpts = tx.deliver_to;
  std::string route = tx.route;
  std::string quarantine;
  std::string arc_state;  // for the sealer at delivery
  std::vector<hooks::Symbol> symbols = m.session_symbols;
  symbols.insert(symbols.end(), tx.symbols.begin(), tx.symbols.end());
  const mail::HeaderSection section = tx.headers ? tx.headers->finish() : mail::HeaderSection{};
  if (tx.auth) {
    co_await tx.auth->finish(*deps_.dns, deps_.psl, section);
    for (const auto& sym : tx.auth->symbols()) {
      symbols.push_back(hooks::Symbol{sym.name, sym.score});
      tx.symbols.push_back(hooks::Symbol{sym.name, sym.score});  // the rules see them
    }
    const auto verdict = tx.auth->verdict();
    if (deps_.on_dmarc) {
      if (auto row = tx.auth->report_row(id, w->envelope().received)) deps_.on_dmarc(std::move(*row));
    }
    if (verdict.action == checks::AuthVerdict::Action::reject) {
      w->abort();
      const auto al = tx.auth->log_fields();
      log::info("message_rejected", {{"queue_id", id}, {"client", client}, {"helo", env.helo}, {"from", from},
                                     {"rcpts", core::join(tx.deliver_to, ",")}, {"size", std::to_string(size)},
                                     {"verdict", "reject"}, {"score", score_text(total(symbols))},
                                     {"symbols", symbol_list(symbols)}, {"reason", verdict.reason},
                                     {"spf", al.spf}, {"dkim", al.dkim}, {"dmarc", al.dmarc}, {"arc", al.arc}});
      co_return MessageEnd{verdict.reply};
    }
    if (verdict.action == checks::AuthVerdict::Action::quarantine) quarantine = verdict.reason;
    arc_state = tx.auth->arc_state();
    amend.insert_headers += tx.auth->results_field();
    for (const auto& range : checks::forged_results(section, tx.auth->settings().authserv_id))
      amend.drop.push_back(range);
  }
  // Spam and malware (docs/spam.md): the attachment rules and the scanners the recipients'
  // policies ask for, before the rules so that these see what they found.
  if (!tx.policies) {  // made at RCPT when greylisting asked; else now
    if (m.snap) tx.policies.emplace(m.snap->spam_policies, m.snap->spam_policy_targets);
    else tx.policies.emplace();
  }
  const checks::verdict::Policies& policies = *tx.policies;
  checks::verdict::Findings findings;
  // Attachments: blocked parts found while the data streamed; how to take them out.
  const std::vector<queue::Replacement> removal = tx.mime ? check_attachments(*tx.mime, findings)
                                                          : std::vector<queue::Replacement>{};
  const ScanWanted scanned = scans_wanted(policies, rcpts);
  auto scan_op = scan_message(scanners_, deps_.workers, *w, size - tx.prefix_size, scanned.clamd, scanned.spamd,
                              findings);
  ScanLog scan = co_await std::move(scan_op);
  if (tx.headers && engine != nullptr && engine->handles(hooks::EventKind::data)) {
    hooks::EventData e = m.event_for(hooks::EventKind::data);
    const std::size_t before = e.symbols.size();
    scanner_symbols(findings, e.symbols);
    for (std::size_t i = before; i < e.symbols.size(); ++i) e.score += e.symbols[i].score;
    e.queue_id = id;
    e.size = m.message_bytes;
    e.headers = &section;
    e.route = tx.route;
    queue::SpoolWriter* wp = w.get();
    e.read_message = [wp](std::size_t off, std::size_t len) { return wp->read(off, len); };
    const hooks::Outcome out = co_await run_rules(engine, e);
    symbols.insert(symbols.end(), out.symbols.begin(), out.symbols.end());
    const std::string r = refusal(out);
    const bool discard = out.action == hooks::Action::discard;
    if (!r.empty() || discard) {
      w->abort();
      log::info(discard ? "message_discarded" : "message_rejected",
                {{"queue_id", id}, {"client", client}, {"helo", env.helo}, {"from", from},
                 {"rcpts", core::join(tx.deliver_to, ",")}, {"size", std::to_string(size)},
                 {"verdict", hooks::action_name(out.action)}, {"score", score_text(total(symbols))},
                 {"symbols", symbol_list(symbols)}, {"reason", discard ? "" : "rule"},
                 {"script", out.decided_by}});
      // A discarded message looks accepted to the sender (that is the point of discarding).
      co_return MessageEnd{discard ? "250 2.0.0 Ok: queued as " + id : r};
    }
    if (out.action == hooks::Action::quarantine) quarantine = out.reason;
    header_amendment(out.header_edits, section, amend);
    rcpts = edited_recipients(rcpts, out);
    if (!out.route.empty()) route = out.route;
  }
  std::sort(amend.drop.begin(), amend.drop.end());  // forged results and rules' removals, once each
  amend.drop.erase(std::unique(amend.drop.begin(), amend.drop.end()), amend.drop.end());

  // Spam and malware (docs/spam.md), the scanners' part: the ones the recipients' policies
  // ask for, before the rules so that these see what they found.
  const ScanWanted wanted = scans_wanted(policies, rcpts);
  if ((wanted.clamd && !scanned.clamd) || (wanted.spamd && !scanned.spamd)) {  // a rule added recipients
    auto more_op = scan_message(scanners_, deps_.workers, *w, size - tx.prefix_size, wanted.clamd && !scanned.clamd,
                                wanted.spamd && !scanned.spamd, findings);
    const ScanLog more = co_await std::move(more_op);
    if (!more.clamd.empty()) scan.clamd = more.clamd;
    if (!more.spamd.empty()) scan.spamd = more.spamd;
  }
  // Each recipient's verdict; recipients under different outcomes get copies of their own.
  for (const auto& sym : symbols) findings.symbols.push_back({sym.name, sym.score});
  const checks::verdict::MessageDecision decision = checks::verdict::decide_message(rcpts, policies, findings);
  if (decision.reply != checks::verdict::MessageDecision::Reply::accept) {
    w->abort();
    const bool rejected = decision.reply == checks::verdict::MessageDecision::Reply::reject;
    const auto al = tx.auth ? tx.auth->log_fields() : checks::MessageAuth::LogFields{};
    log::info("message_rejected", {{"queue_id", id}, {"client", client}, {"helo", env.helo}, {"from", from},
                                   {"rcpts", core::join(rcpts, ",")}, {"size", std::to_string(size)},
                                   {"verdict", rejected ? "reject" : "tempfail"},
                                   {"score", score_text(total(symbols) + findings.spamd_score.value_or(0))},
                                   {"symbols", symbol_list(symbols)}, {"reason", decision.reason},
                                   {"clamd", scan.clamd}, {"spamd", scan.spamd},
                                   {"spf", al.spf}, {"dkim", al.dkim}, {"dmarc", al.dmarc}, {"arc", al.arc}});
    co_return MessageEnd{decision.text};
  }
  queue::EnvelopeRecord envelope = w->envelope();
  envelope.recipients = rcpts;
  envelope.route = route;
  envelope.arc = arc_state;
  std::vector<Copy> copies = plan_copies(decision, findings, amend, envelope, section, removal, quarantine);
  if (copies.empty()) {  // every recipient's policy discards it
    w->abort();
    log::info("message_discarded", {{"queue_id", id}, {"client", client}, {"helo", env.helo}, {"from", from},
                                    {"rcpts", core::join(rcpts, ",")}, {"size", std::to_string(size)},
                                    {"verdict", "discard"}, {"reason", decision.groups.front().outcome.reason},
                                    {"clamd", scan.clamd}, {"spamd", scan.spamd}});
    co_return MessageEnd{"250 2.0.0 Ok: queued as " + id};
  }
  std::string error;
  try {
    co_await core::offload(deps_.workers, [&w, &copies] {
      for (std::size_t i = 1; i < copies.size(); ++i) w->commit_copy(copies[i].amendment);
      // The first copy keeps the file: an envelope as received is no change (a large
      // message already on disk is then not rewritten).
      queue::Amendment first = copies.front().amendment;
      if (first.envelope && *first.envelope == w->envelope()) first.envelope.reset();
      w->commit(first);
    });
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) {
    log::error("message_commit_failed", {{"queue_id", id}, {"client", client}, {"error", error}});
    co_return MessageEnd{"451 4.3.0 Error: queue file write error, try again later"};
  }
  const auto al = tx.auth ? tx.auth->log_fields() : checks::MessageAuth::LogFields{};
  for (const auto& c : copies) {
    const auto& cenv = *c.amendment.envelope;
    const auto& o = c.group->outcome;
    log::info("queued", {{"queue_id", cenv.id}, {"client", client}, {"helo", env.helo},
                         {"tls", m.tls ? m.tls->brief() : std::string()},
                         {"from", from},
                         {"rcpts", core::join(cenv.recipients, ",")}, {"size", std::to_string(size)},
                         {"verdict", cenv.quarantine.empty() ? "accept" : "quarantine"},
                         {"score", score_text(o.score)}, {"symbols", symbol_list(symbols)},
                         {"route", route}, {"quarantine", cenv.quarantine}, {"policy", o.policy},
                         {"spam", o.spam ? "yes" : "no"}, {"clamd", scan.clamd}, {"spamd", scan.spamd},
                         {"spf", al.spf}, {"dkim", al.dkim}, {"dmarc", al.dmarc}, {"arc", al.arc}});
    if (!cenv.quarantine.empty()) {
      if (deps_.on_quarantined)
        deps_.on_quarantined(quarantine_rows(c, section, size, config_.hostname, quarantine_retention(m.snap)));
    } else if (deps_.on_queued) {
      deps_.on_queued(cenv.id);
    }
  }
  co_return MessageEnd{"250 2.0.0 Ok: queued as " + id, true};
}

}  // namespace portcullis::smtp
