// IP ranges with priorities and expiry (hMailServer's model; store::IpRange): of the ranges
// that contain the client and have not expired (expires 0 = never, else expired once
// expires <= now), the one of highest priority decides. At equal priority a deny beats an
// allow: a conflict between two admin entries is settled the safe way. No range: none.
//   allow: a trusted client; the caller skips DNSBL, auto-ban, rate limits and greylisting.
//   deny:  refused at connect with kDenyReply (554, RFC 5321 3.1).
// Ranges whose CIDR does not parse (the CLI validates them; a hand-edited database may not)
// never match and are listed by skipped() for the log.
#pragma once
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cidr.hpp"
#include "store/store.hpp"

namespace portcullis::checks::reputation {

inline constexpr std::string_view kDenyReply =
    "554 5.7.1 Access denied: connections from your address are not accepted here";

enum class RangeDecision { none, allow, deny };

struct RangeMatch {
  RangeDecision decision = RangeDecision::none;
  std::string name;  // the deciding range (empty for none)
  std::string cidr;
  int priority = 0;
};

class IpRanges {
 public:
  IpRanges() = default;
  explicit IpRanges(const std::vector<store::IpRange>& ranges);

  RangeMatch decide(const boost::asio::ip::address& client, std::int64_t now) const;
  std::size_t size() const { return ranges_.size(); }
  const std::vector<std::string>& skipped() const { return skipped_; }  // names of unparsable ranges

 private:
  struct Range {
    policy::Cidr network;
    store::IpRange source;
  };
  std::vector<Range> ranges_;
  std::vector<std::string> skipped_;
};

// One-off form of IpRanges(ranges).decide(client, now).
RangeMatch decide_range(const boost::asio::ip::address& client, const std::vector<store::IpRange>& ranges,
                        std::int64_t now);

}  // namespace portcullis::checks::reputation
