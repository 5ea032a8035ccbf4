// Checking that a DNSBL zone works (portcullis dnsbl test): the RFC 5782 section 5 test points
// and, if asked, the lookup of one address, with everything the zone answered kept.
//
// examine() makes the lookups (one DnsSource, all at once under one time bound):
//   - 2.0.0.127.ZONE (test point 127.0.0.2): every IPv4 list MUST list it;
//   - 1.0.0.127.ZONE (test point 127.0.0.1): no list may list it;
//   - with ipv6, the IPv6 test points ::FFFF:7F00:2 and ::FFFF:7F00:1 queried as nibbles
//     (RFC 5782 2.4): an IPv6-capable list lists the first and not the second; many lists are
//     IPv4 only, so these say how the zone treats IPv6 clients rather than whether it works;
//   - with an address, that address as the gateway would ask it, and (when it is listed) its
//     TXT record, under a second time bound of the same length.
// assess() turns what was seen into findings (pure, so unit-tested without DNS):
//   problem  the zone does not work as the gateway needs: no answer in time, a DNS failure
//            (SERVFAIL, REFUSED, network), test point 127.0.0.2 not listed, 127.0.0.1 (or
//            ::FFFF:7F00:1) listed — the zone answers every query —, a refusal code
//            (127.255.255.x: public resolver, over quota, typing error) or an answer outside
//            127.0.0.0/8, for a test point or the address;
//   warning  works, but the zone's expected-result pattern matches none of 127.0.0.2's answers;
//   ok       127.0.0.2 listed and 127.0.0.1 not;
//   info     the IPv6 test points, and the address: listed or not, its answers, whether they
//            match the pattern, the TXT reason.
// A zone is healthy when no finding is a problem.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "checks/dnsbl/lookup.hpp"
#include "checks/dnsbl/pattern.hpp"
#include "net/dns_source.hpp"
#include "net/dns_types.hpp"

namespace portcullis::checks::dnsbl {

// One A answer as the zone's pattern sees it.
struct SeenAnswer {
  std::string address;  // "127.0.0.2"
  AnswerKind kind = AnswerKind::listing_range;
  bool counts = false;  // the zone's pattern accepts it: the gateway counts it as a listing
};

// One A lookup at a zone (and its TXT record when it was asked).
struct Seen {
  std::string name;        // the name queried: "2.0.0.127.zen.example"
  bool answered = false;   // false: no answer within the time bound
  net::DnsStatus status = net::DnsStatus::temp_failure;
  std::vector<SeenAnswer> answers;  // the A answers, in answer order
  std::string reason = {};          // the TXT record, printable ASCII, at most kMaxReason; "" if none

  bool listed() const;   // an answer in 127.0.0.0/8 that is no refusal code (whatever the pattern)
  bool counted() const;  // an answer the zone's pattern accepts
};

// What an A lookup gave (nullopt: no answer in time), judged by `pattern`.
Seen see(std::string name, const std::optional<net::AddressResult>& result, const AnswerPattern& pattern);

struct ExamineOptions {
  std::chrono::milliseconds timeout{5000};  // the A lookups together; again for the TXT record
  bool ipv6 = true;                         // also the IPv6 test points
  std::optional<boost::asio::ip::address> address = {};  // also look this client address up
};

// What examine() saw of one zone.
struct ZoneCheck {
  std::string zone;
  std::string expect;                  // the zone's pattern ("" = any answer in 127.0.0.0/8)
  std::string error = {};              // the zone or its pattern is unusable: nothing was asked
  std::chrono::milliseconds timeout{0};
  std::optional<Seen> listed_point = {};     // 127.0.0.2
  std::optional<Seen> unlisted_point = {};   // 127.0.0.1
  std::optional<Seen> listed_point6 = {};    // ::FFFF:7F00:2 (with ExamineOptions::ipv6)
  std::optional<Seen> unlisted_point6 = {};  // ::FFFF:7F00:1
  std::optional<boost::asio::ip::address> address = {};  // as asked (v4-mapped given as IPv4)
  std::optional<Seen> lookup = {};                       // its lookup
};

enum class Level { ok, info, warning, problem };

struct Finding {
  Level level = Level::info;
  std::string text;  // one line, printable ASCII
};

struct Assessment {
  bool healthy = false;  // no problem
  std::vector<Finding> findings;
};

Assessment assess(const ZoneCheck& check);

// The lookups described above. `dns` must outlive every lookup (core/gather.hpp);
// `zone` must outlive the call.
boost::asio::awaitable<ZoneCheck> examine(net::DnsSource& dns, const Zone& zone, ExamineOptions options);

}  // namespace portcullis::checks::dnsbl
