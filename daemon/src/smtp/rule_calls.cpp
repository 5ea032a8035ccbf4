#include "smtp/rule_calls.hpp"

#include "core/log.hpp"

namespace portcullis::smtp {
namespace asio = boost::asio;

asio::awaitable<hooks::Outcome> run_rules(hooks::Engine* engine, const hooks::EventData& e) {
  if (engine == nullptr || !engine->handles(e.kind)) co_return hooks::Outcome{};
  hooks::Outcome out = co_await engine->run(e);
  if (out.action != hooks::Action::none || out.failed)
    log::info("rule_decision", {{"event", hooks::event_name(e.kind)},
                                {"queue_id", e.queue_id},
                                {"client", e.client_ip},
                                {"script", out.decided_by},
                                {"action", hooks::action_name(out.action)},
                                {"reply", out.reply},
                                {"reason", out.reason}});
  co_return out;
}

hooks::AuthInfo auth_info(const checks::MessageAuth& a) {
  hooks::AuthInfo info;
  if (const auto& spf = a.spf()) {
    info.spf = std::string(checks::spf::to_string(spf->result));
    info.spf_domain = spf->domain;
  }
  for (const auto& sig : a.dkim())
    info.dkim.push_back({sig.domain, sig.selector, sig.algorithm,
                         sig.result == checks::dkim::Result::pass && !sig.trusted
                             ? std::string("policy")
                             : std::string(checks::dkim::to_string(sig.result))});
  if (const auto& dmarc = a.dmarc()) {
    info.dmarc = std::string(checks::dmarc::to_string(dmarc->result));
    info.dmarc_policy = std::string(checks::dmarc::to_string(dmarc->published));
    info.from_domain = dmarc->from_domain;
  }
  if (const auto& arc = a.arc()) info.arc = std::string(checks::arc::to_string(arc->cv));
  return info;
}

std::string refusal(const hooks::Outcome& out) {
  return out.action == hooks::Action::reject || out.action == hooks::Action::tempfail ? out.reply : std::string();
}

}  // namespace portcullis::smtp
