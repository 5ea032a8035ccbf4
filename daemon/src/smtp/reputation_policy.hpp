// The connection-level checks' settings, read from a policy snapshot once per reload (not per
// connection): the IP ranges parsed, the DNS block list zones validated (a bad one is logged
// once and left out), greylisting, auto-ban, rate limits, and the HELO and sender-domain
// checks (docs/spam.md lists the settings and their defaults).
#pragma once
#include <boost/asio/ip/address.hpp>
#include <memory>
#include <string>
#include <vector>

#include "checks/dnsbl/lookup.hpp"
#include "checks/greylist/greylist.hpp"
#include "checks/reputation/auto_ban.hpp"
#include "checks/reputation/helo.hpp"
#include "checks/reputation/ip_ranges.hpp"
#include "checks/reputation/rate_limit.hpp"
#include "checks/reputation/sender_domain.hpp"
#include "policy/cidr.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::smtp {

// How a check's findings count: not at all, as scores, or (the severe ones) as refusals.
enum class CheckMode { off, score, reject };

struct ReputationPolicy {
  std::shared_ptr<const policy::Snapshot> snapshot;  // the snapshot this was made from
  checks::reputation::IpRanges ranges;
  std::vector<checks::dnsbl::Zone> connect_zones;
  std::vector<checks::dnsbl::Zone> rcpt_zones;
  checks::greylist::Settings greylist;
  // Never auto-banned nor rate limited (setting reputation-exempt; default the loopback
  // networks: the gateway's own tools and its upgrade health probe).
  std::vector<policy::Cidr> exempt;
  checks::reputation::AutoBanSettings auto_ban;
  checks::reputation::RateLimitSettings rates;
  CheckMode helo = CheckMode::off;
  checks::reputation::HeloSettings helo_settings;
  CheckMode sender_domain = CheckMode::off;
  checks::reputation::SenderDomainSettings sender_settings;

  bool is_exempt(const boost::asio::ip::address& client) const;
};

// `hostname` and `our_addresses` (the listeners' addresses) tell the HELO check who we are.
std::shared_ptr<const ReputationPolicy> compile_reputation(std::shared_ptr<const policy::Snapshot> snap,
                                                           const std::string& hostname,
                                                           const std::vector<boost::asio::ip::address>& our_addresses);

// The default of setting reputation-exempt.
inline constexpr const char* kDefaultExempt = "127.0.0.0/8, ::1";

}  // namespace portcullis::smtp
