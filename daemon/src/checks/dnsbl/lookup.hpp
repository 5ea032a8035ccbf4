// DNSBL lookups of an SMTP client (RFC 5782): every configured zone of a stage queried at once,
// the A answers judged by each zone's expected-result pattern (checks/dnsbl/pattern.hpp), and
// the hits turned into scored symbols or a refusal.
//
// Per zone (in the order given):
//   - NXDOMAIN or no A record: not listed;
//   - an A answer the pattern accepts: a hit (symbol symbol_for(zone), the zone's score; a
//     "block" zone makes the whole outcome blocked, with a 554 5.7.1 reply naming the zone);
//   - answers the pattern does not accept: not listed; answers outside 127.0.0.0/8 or in
//     127.255.255.0/24 (the list refused the query) are never listings and are reported as a
//     problem, so the admin sees a list that stopped working;
//   - no answer within Settings::timeout, SERVFAIL or any other DNS failure, a bad zone or
//     pattern: not listed, reported as a problem (the check never fails the connection).
// For hits the list's TXT record is asked (same time bound) when Settings::fetch_reason is set:
// it becomes the hit's reason, reduced to printable ASCII and cut to kMaxReason characters.
//
// Admins can check that a zone works with probe(): RFC 5782 5 asks every IPv4 list to list the
// test point 127.0.0.2 and never 127.0.0.1 (IPv6 lists: ::FFFF:7F00:2 and ::FFFF:7F00:1).
// checks/dnsbl/examine.hpp has the whole check (IPv6 test points, one address, every answer
// kept) that `portcullis dnsbl test` prints; probe() is its IPv4 verdict in one sentence.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "net/dns_source.hpp"

namespace portcullis::checks::dnsbl {

inline constexpr std::size_t kMaxReason = 200;

enum class Action { block, score };
enum class Stage { connect, rcpt };

// One configured list (the lead maps store::DnsblZone onto it).
struct Zone {
  std::string zone;             // "zen.spamhaus.org"
  std::string expect;           // expected-result pattern; "" = any answer in 127.0.0.0/8
  Action action = Action::score;
  double score = 0;             // added for a hit (also for a block zone, for the log)
  Stage stage = Stage::connect;
  std::string note = {};
};

// An empty string if the zone and its pattern are usable, else what is wrong (for the CLI).
std::string check_zone(const Zone& zone);

struct Settings {
  std::chrono::milliseconds timeout{5000};  // for all the zones' A lookups together, and again for TXT
  bool fetch_reason = true;                 // ask the TXT record of listed entries
  std::string hostname = {};                // ours, for the reply ("" = left out)
};

struct Hit {
  std::string zone;
  std::string answer;  // the matching answers, comma-separated ("127.0.0.2,127.0.0.4")
  std::string reason;  // the list's TXT text (printable ASCII), "" if none or not asked
  std::string symbol;  // symbol_for(zone)
  double score = 0;
  bool blocks = false;
};

// A zone that gave no verdict, or answered oddly: for the log.
struct Problem {
  std::string zone;
  std::string what;  // "no answer within 5000 ms", "temporary DNS failure", "answer 127.255.255.254: ..."
};

struct Outcome {
  std::vector<Hit> hits;
  std::vector<Problem> problems;
  std::size_t queried = 0;   // zones of the stage that were queried
  bool blocked = false;      // a hit of a "block" zone
  double score = 0;          // the hits' scores added up
  std::string reply;         // when blocked: "554 5.7.1 ... blocked using <zone>[; reason]"
};

// Queries the zones of `stage` for `client`. `dns` must outlive every lookup (see
// core/gather.hpp); `zones` and `settings` are references kept by the coroutine: they
// must outlive the call (the client address is copied).
boost::asio::awaitable<Outcome> lookup(net::DnsSource& dns, boost::asio::ip::address client,
                                       const std::vector<Zone>& zones, Stage stage, const Settings& settings);

struct ProbeResult {
  bool working = false;  // 127.0.0.2 listed and 127.0.0.1 not
  std::string detail;    // what was seen, in a sentence
};

// The RFC 5782 test points of one zone (IPv4), within `timeout`: working when assess()
// (examine.hpp) finds no problem; detail is its first problem, or its ok finding (and warning).
boost::asio::awaitable<ProbeResult> probe(net::DnsSource& dns, const Zone& zone, std::chrono::milliseconds timeout);

}  // namespace portcullis::checks::dnsbl
