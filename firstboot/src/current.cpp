// Reading the current answers back (see current.hpp).
#include "current.hpp"

#include "cli/args.hpp"
#include "core/text.hpp"
#include "store/keys.hpp"

namespace portcullis::firstboot {
AnswerMap current_answers(StepContext& ctx) {
  const Target& t = ctx.target;
  AnswerMap m;
  m["system.hostname"] = core::first_line(core::read_file(t.path("/etc/hostname")).value_or(""));
  m["system.timezone"] = core::first_line(core::read_file(t.path("/etc/timezone")).value_or(""));
  auto& s = ctx.store();
  const std::string postmaster = s.get_setting("postmaster").value_or("");
  m["mail.postmaster"] = postmaster;
  m["admin.email"] = s.get_setting("admin-email").value_or("");
  m["system.telemetry"] = s.get_setting("telemetry").value_or("off") == "on" ? "true" : "false";
  const auto domains = s.list_domains();
  const std::string pm_domain = postmaster.substr(postmaster.rfind('@') + 1);
  const store::Domain* chosen = domains.empty() ? nullptr : &domains.front();
  for (const auto& d : domains)
    if (d.name == pm_domain) chosen = &d;
  if (chosen) {
    m["mail.domain"] = chosen->name;
    m["mail.destination"] = cli::format_destination(chosen->destination_host, chosen->destination_port);
    m["mail.recipients"] = store::mode_text(chosen->recipients);
  }
  std::string nets;
  for (const auto& n : s.list_relaynets()) nets += (nets.empty() ? "" : ",") + n.cidr;
  m["mail.relay_networks"] = nets;
  for (const auto& u : s.list_users())
    if (u.role == "admin") {
      m["admin.user"] = u.name;
      break;
    }
  std::erase_if(m, [](const auto& kv) { return kv.second.empty(); });
  return m;
}

}  // namespace portcullis::firstboot
