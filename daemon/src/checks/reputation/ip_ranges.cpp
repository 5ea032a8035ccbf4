// checks/reputation/ip_ranges.hpp: the deciding IP range of a client.
#include "checks/reputation/ip_ranges.hpp"

#include "checks/reputation/client_key.hpp"

namespace portcullis::checks::reputation {

IpRanges::IpRanges(const std::vector<store::IpRange>& ranges) {
  for (const auto& r : ranges) {
    if (auto net = policy::Cidr::parse(r.cidr))
      ranges_.push_back({*net, r});
    else
      skipped_.push_back(r.name);
  }
}

RangeMatch IpRanges::decide(const boost::asio::ip::address& client, std::int64_t now) const {
  const auto ip = unmapped(client);
  const Range* best = nullptr;
  for (const auto& r : ranges_) {
    if (r.source.expires != 0 && r.source.expires <= now) continue;
    if (!r.network.contains(ip)) continue;
    if (!best || r.source.priority > best->source.priority ||
        (r.source.priority == best->source.priority && r.source.action == store::RangeAction::deny &&
         best->source.action == store::RangeAction::allow))
      best = &r;
  }
  RangeMatch m;
  if (!best) return m;
  m.decision = best->source.action == store::RangeAction::deny ? RangeDecision::deny : RangeDecision::allow;
  m.name = best->source.name;
  m.cidr = best->network.text();
  m.priority = best->source.priority;
  return m;
}

RangeMatch decide_range(const boost::asio::ip::address& client, const std::vector<store::IpRange>& ranges,
                        std::int64_t now) {
  return IpRanges(ranges).decide(client, now);
}

}  // namespace portcullis::checks::reputation
