#include "smtp/reputation_settings.hpp"

#include <cstdlib>

#include "core/log.hpp"
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

}  // namespace portcullis::smtp
