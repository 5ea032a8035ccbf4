#include "smtp/reputation.hpp"

#include <cstdlib>
#include <ctime>

#include "core/log.hpp"
#include "checks/greylist/greylist_store.hpp"
#include "checks/reputation/ip_ranges.hpp"
#include "policy/names.hpp"

namespace portcullis::smtp {
namespace dnsbl = checks::dnsbl;

std::vector<dnsbl::Zone> dnsbl_zones(const policy::Snapshot& snap, dnsbl::Stage stage) {
  std::vector<dnsbl::Zone> out;
  for (const auto& z : snap.dnsbl_zones) {
    dnsbl::Zone zone{z.zone, z.expect, z.action == "block" ? dnsbl::Action::block : dnsbl::Action::score, z.score,
                     z.stage == "rcpt" ? dnsbl::Stage::rcpt : dnsbl::Stage::connect, z.note};
    if (zone.stage != stage) continue;
    if (const std::string error = dnsbl::check_zone(zone); !error.empty()) {
      log::warn("dnsbl_zone_invalid", {{"zone", z.zone}, {"error", error}, {"action", "skipped"}});
      continue;
    }
    out.push_back(std::move(zone));
  }
  return out;
}

checks::greylist::Settings greylist_settings(const policy::Snapshot& snap) {
  checks::greylist::Settings s;
  s.bypass_spf_pass = true;
  if (const auto v = snap.setting("greylist-delay")) s.delay = std::chrono::seconds(std::strtoll(v->c_str(), nullptr, 10));
  if (const auto v = snap.setting("greylist-bypass-spf")) s.bypass_spf_pass = *v != "off";
  if (const auto v = snap.setting("greylist-allow")) {
    for (const auto& item : policy::split_names(*v)) {
      if (item.find('@') != std::string::npos) {
        s.bypass_senders.push_back(item);
      } else if (auto cidr = policy::Cidr::parse(item)) {
        s.bypass_networks.push_back(*cidr);
      }
    }
  }
  return s;
}

boost::asio::awaitable<ConnectVerdict> check_connection(const policy::Snapshot& snap, net::DnsSource* dns,
                                                        boost::asio::ip::address client, std::string client_text,
                                                        std::string hostname) {
  ConnectVerdict v;
  v.trusted = snap.in_relaynets(client);
  const auto range = checks::reputation::IpRanges(snap.ip_ranges).decide(client, std::time(nullptr));
  if (range.decision == checks::reputation::RangeDecision::deny && !v.trusted) {
    v.refused = std::string(checks::reputation::kDenyReply);
    log::info("connection_refused", {{"client", client_text}, {"reason", "ip range " + range.name}});
    co_return v;
  }
  if (range.decision == checks::reputation::RangeDecision::allow) v.trusted = true;
  if (v.trusted || dns == nullptr) co_return v;
  const auto zones = dnsbl_zones(snap, dnsbl::Stage::connect);
  if (zones.empty()) co_return v;
  dnsbl::Settings ds;
  ds.hostname = std::move(hostname);
  auto op = dnsbl::lookup(*dns, client, zones, dnsbl::Stage::connect, ds);
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

boost::asio::awaitable<std::string> check_recipient(RcptContext ctx, std::string sender, std::string rcpt,
                                                    bool postmaster) {
  if (ctx.dns != nullptr) {
    if (!ctx.rcpt_dnsbl) {
      ctx.rcpt_dnsbl.emplace();
      const auto zones = dnsbl_zones(ctx.snap, dnsbl::Stage::rcpt);
      if (!zones.empty()) {
        dnsbl::Settings ds;
        ds.hostname = ctx.hostname;
        auto op = dnsbl::lookup(*ctx.dns, ctx.client, zones, dnsbl::Stage::rcpt, ds);
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
  if (ctx.state == nullptr) co_return std::string();
  if (!ctx.policies) ctx.policies.emplace(ctx.snap.spam_policies, ctx.snap.spam_policy_targets);
  if (!ctx.policies->for_recipient(rcpt).greylisting) co_return std::string();
  checks::greylist::Request req{ctx.client, sender, rcpt, ctx.spf_pass};
  const auto gs = greylist_settings(ctx.snap);
  auto op = checks::greylist::check(ctx.workers, *ctx.state, *ctx.state_mutex, std::move(req), gs, std::time(nullptr));
  const checks::greylist::Decision g = co_await std::move(op);
  if (g.action != checks::greylist::Action::defer) co_return std::string();
  log::info("greylisted", {{"client", ctx.client_text}, {"from", sender.empty() ? "<>" : sender}, {"rcpt", rcpt}});
  co_return g.reply;
}

}  // namespace portcullis::smtp
