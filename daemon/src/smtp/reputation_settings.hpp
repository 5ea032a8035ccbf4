// The connection-level checks' settings as the policy snapshot holds them (docs/spam.md):
// DNS block list zones (portcullis dnsbl) and greylisting (settings greylist-delay,
// greylist-bypass-spf, greylist-allow; on or off per recipient by the spam policies).
#pragma once
#include <string>
#include <vector>

#include "checks/dnsbl/lookup.hpp"
#include "checks/greylist/greylist.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::smtp {

// The zones of `stage` (ones the checks/dnsbl validation refuses are left out).
std::vector<checks::dnsbl::Zone> dnsbl_zones(const policy::Snapshot& snap, checks::dnsbl::Stage stage);
checks::greylist::Settings greylist_settings(const policy::Snapshot& snap);

}  // namespace portcullis::smtp
