#include "smtp/reputation.hpp"

#include <algorithm>
#include <ctime>

#include "core/log.hpp"
#include "checks/greylist/greylist_store.hpp"

namespace portcullis::smtp {
namespace dnsbl = checks::dnsbl;
namespace rep = checks::reputation;

namespace {

// Findings as the rules and the verdict see them, and as the log names them.
std::string add_symbols(const std::vector<rep::Symbol>& found, std::vector<hooks::Symbol>& symbols) {
  std::string names;
  for (const auto& f : found) {
    symbols.push_back(hooks::Symbol{f.name, f.score});
    names += (names.empty() ? "" : " ") + f.name + (f.detail.empty() ? "" : "(" + f.detail + ")");
  }
  return names;
}

}  // namespace

boost::asio::awaitable<ConnectVerdict> check_connection(const ReputationPolicy& rep, ClientGuard& guard,
                                                        net::DnsSource* dns, boost::asio::ip::address client,
                                                        std::string client_text, std::string hostname) {
  ConnectVerdict v;
  v.trusted = rep.snapshot && rep.snapshot->in_relaynets(client);
  const auto range = rep.ranges.decide(client, std::time(nullptr));
  if (range.decision == rep::RangeDecision::deny && !v.trusted) {
    v.refused = std::string(rep::kDenyReply);
    log::info("connection_refused", {{"client", client_text}, {"reason", "ip range " + range.name}});
    co_return v;
  }
  if (range.decision == rep::RangeDecision::allow) v.trusted = true;
  if (v.trusted) co_return v;
  v.refused = guard.at_connect(client, client_text, rep, hostname);  // a ban, the connection rate
  if (!v.refused.empty() || dns == nullptr || rep.connect_zones.empty()) co_return v;
  dnsbl::Settings ds;
  ds.hostname = std::move(hostname);
  auto op = dnsbl::lookup(*dns, client, rep.connect_zones, dnsbl::Stage::connect, ds);
  const dnsbl::Outcome out = co_await std::move(op);
  for (const auto& h : out.hits) v.symbols.push_back(hooks::Symbol{h.symbol, h.score});
  if (!out.hits.empty() || !out.problems.empty())
    log::info("dnsbl", {{"client", client_text}, {"stage", "connect"}, {"listed", std::to_string(out.hits.size())},
                        {"blocked", out.blocked ? "yes" : "no"}, {"problems", std::to_string(out.problems.size())}});
  if (out.blocked) {
    v.refused = out.reply;
    log::info("connection_refused", {{"client", client_text}, {"reason", "dnsbl"}});
  }
  co_return v;
}

boost::asio::awaitable<std::string> check_helo_name(const ReputationPolicy& rep, net::DnsSource* dns,
                                                    std::string helo, boost::asio::ip::address client,
                                                    std::string client_text, std::vector<hooks::Symbol>& symbols) {
  // A new HELO replaces what the last one found.
  std::erase_if(symbols, [](const hooks::Symbol& s) { return s.name.rfind("HELO_", 0) == 0; });
  if (rep.helo == CheckMode::off) co_return std::string();
  rep::HeloOutcome out;
  if (dns != nullptr) {
    auto op = rep::check_helo(*dns, helo, client, rep.helo_settings);
    out = co_await std::move(op);
  } else {
    out = rep::check_helo_syntax(helo, client, rep.helo_settings);
  }
  const std::string found = add_symbols(out.symbols, symbols);
  if (!found.empty() || !out.dns_problem.empty())
    log::info("helo_check", {{"client", client_text}, {"helo", helo}, {"symbols", found},
                             {"refused", out.reject ? "yes" : "no"}, {"dns_problem", out.dns_problem}});
  co_return out.reject ? out.reply : std::string();
}

boost::asio::awaitable<std::string> check_sender(const ReputationPolicy& rep, net::DnsSource* dns,
                                                 std::string sender, std::string client_text,
                                                 std::vector<hooks::Symbol>& symbols) {
  if (rep.sender_domain == CheckMode::off || dns == nullptr || sender.empty()) co_return std::string();
  auto op = rep::check_sender_domain(*dns, sender, rep.sender_settings);
  const rep::SenderDomainOutcome out = co_await std::move(op);
  const std::string found = add_symbols(out.symbols, symbols);
  if (!found.empty() || !out.dns_problem.empty())
    log::info("sender_domain_check", {{"client", client_text}, {"from", sender}, {"symbols", found},
                                      {"refused", out.reject ? "yes" : out.tempfail ? "tempfail" : "no"},
                                      {"dns_problem", out.dns_problem}});
  co_return (out.reject || out.tempfail) ? out.reply : std::string();
}

boost::asio::awaitable<std::string> check_recipient(RcptContext ctx, std::string sender, std::string rcpt,
                                                    bool postmaster) {
  if (ctx.dns != nullptr) {
    if (!ctx.rcpt_dnsbl) {
      ctx.rcpt_dnsbl.emplace();
      if (!ctx.rep.rcpt_zones.empty()) {
        dnsbl::Settings ds;
        ds.hostname = ctx.hostname;
        auto op = dnsbl::lookup(*ctx.dns, ctx.client, ctx.rep.rcpt_zones, dnsbl::Stage::rcpt, ds);
        ctx.rcpt_dnsbl = co_await std::move(op);
      }
      for (const auto& h : ctx.rcpt_dnsbl->hits) ctx.session_symbols.push_back(hooks::Symbol{h.symbol, h.score});
      if (!ctx.rcpt_dnsbl->hits.empty())
        log::info("dnsbl", {{"client", ctx.client_text}, {"stage", "rcpt"},
                            {"listed", std::to_string(ctx.rcpt_dnsbl->hits.size())},
                            {"blocked", ctx.rcpt_dnsbl->blocked ? "yes" : "no"}});
    }
    // postmaster is always reachable (RFC 5321 4.5.1): a listed client can still ask why.
    if (ctx.rcpt_dnsbl->blocked && !postmaster) co_return ctx.rcpt_dnsbl->reply;
  }
  if (ctx.state == nullptr || !ctx.rep.snapshot) co_return std::string();
  if (!ctx.policies) ctx.policies.emplace(ctx.rep.snapshot->spam_policies, ctx.rep.snapshot->spam_policy_targets);
  if (!ctx.policies->for_recipient(rcpt).greylisting) co_return std::string();
  checks::greylist::Request req{ctx.client, sender, rcpt, ctx.spf_pass};
  auto op = checks::greylist::check(ctx.workers, *ctx.state, *ctx.state_mutex, std::move(req), ctx.rep.greylist,
                                    std::time(nullptr));
  const checks::greylist::Decision g = co_await std::move(op);
  if (g.action != checks::greylist::Action::defer) co_return std::string();
  log::info("greylisted", {{"client", ctx.client_text}, {"from", sender.empty() ? "<>" : sender}, {"rcpt", rcpt}});
  co_return g.reply;
}

}  // namespace portcullis::smtp
