// Steps "domain", "addresses", "relaynets" and "telemetry": the mail policy in the store, as
// Hermes SEG's getting-started sequence sets it — the protected domain with its destination
// server, the postmaster (with postmaster@, abuse@ and root@ aliased to the admin's mailbox),
// and the networks that may relay out.
#include <algorithm>

#include "cli/args.hpp"
#include "policy/postmaster.hpp"
#include "steps/step.hpp"

namespace portcullis::firstboot {

void apply_domain(StepContext& ctx) {
  const auto& a = ctx.answers;
  store::Domain d{a.mail_domain, a.destination_host, a.destination_port,
                  a.recipients_specified ? store::RecipientMode::specified : store::RecipientMode::all};
  auto& s = ctx.store();
  if (s.find_domain(d.name)) s.update_domain(d);
  else s.add_domain(d);
  ctx.target.log() << "  domain " << d.name << " -> " << cli::format_destination(d.destination_host, d.destination_port)
                   << " (recipients: " << (a.recipients_specified ? "specified" : "all") << ")\n";
}

void apply_addresses(StepContext& ctx) {
  auto& s = ctx.store();
  s.set_setting("admin-email", ctx.answers.admin_email);
  policy::apply_postmaster(s, ctx.answers.postmaster);
  ctx.target.log() << "  postmaster " << ctx.answers.postmaster << "; postmaster, abuse and root -> "
                   << ctx.answers.admin_email << '\n';
}

void apply_relaynets(StepContext& ctx) {
  auto& s = ctx.store();
  const auto& wanted = ctx.answers.relay_networks;
  for (const auto& n : s.list_relaynets())
    if (std::find(wanted.begin(), wanted.end(), n.cidr) == wanted.end()) s.remove_relaynet(n.cidr);
  const auto present = s.list_relaynets();
  for (const auto& cidr : wanted)
    if (std::none_of(present.begin(), present.end(), [&](const store::RelayNet& n) { return n.cidr == cidr; }))
      s.add_relaynet({cidr, "first-boot setup"});
  ctx.target.log() << "  relay networks: " << (wanted.empty() ? std::string("none") : "") ;
  for (std::size_t i = 0; i < wanted.size(); ++i) ctx.target.log() << (i ? ", " : "") << wanted[i];
  ctx.target.log() << '\n';
}

void apply_telemetry(StepContext& ctx) {
  ctx.store().set_setting("telemetry", ctx.answers.telemetry ? "on" : "off");
  ctx.target.log() << "  telemetry " << (ctx.answers.telemetry ? "on" : "off") << '\n';
}

}  // namespace portcullis::firstboot
