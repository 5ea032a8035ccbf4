// HELO/EHLO checks: what the client calls itself, judged for syntax, for claims it cannot make,
// and (when asked) against DNS. Each finding is a scored symbol; a finding whose rule says
// `reject` also gives the reply (the first such finding, in the order below, decides it).
//
//   HELO_SYNTAX            not a host name (LDH labels, RFC 1035 2.3.1; one final dot is
//                          tolerated) nor a valid address literal       501 5.5.2
//   HELO_BARE_IP           an IP address without brackets (RFC 5321 4.1.3 wants [1.2.3.4] or
//                          [IPv6:...])                                   504 5.5.2
//   HELO_NOT_FQDN          a single label ("exchange01")                 504 5.5.2
//   HELO_LOCALHOST         "localhost", "localhost.localdomain", "*.localhost"   504 5.5.2
//   HELO_IS_US             our host name or one of our addresses, from a client that is not
//                          one of our addresses                          550 5.7.1
//   HELO_LITERAL_MISMATCH  an address literal that is not the client's address   550 5.7.1
//   HELO_NO_FCRDNS         (check_dns) the name has no A (IPv4 client) / AAAA (IPv6 client)
//                          record holding the client's address           550 5.7.1
// The DNS check runs only for a syntactically good FQDN that is not ours, with one lookup of
// the client's address family bounded by `timeout`. A temporary DNS failure or a timeout is
// never a finding (it is reported in dns_problem): only a definite answer is.
// The caller skips trusted clients (allow ranges, relay networks, authenticated sessions).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "checks/reputation/symbol.hpp"
#include "net/dns_source.hpp"

namespace portcullis::checks::reputation {

struct HeloSettings {
  Rule syntax{false, 2.0};
  Rule bare_ip{false, 1.0};
  Rule not_fqdn{false, 1.0};
  Rule localhost{false, 2.0};
  Rule is_us{false, 3.0};
  Rule literal_mismatch{false, 1.0};
  Rule no_fcrdns{false, 1.0};
  bool check_dns = false;                                   // HELO_NO_FCRDNS
  std::vector<std::string> our_names = {};                  // our host names (any case)
  std::vector<boost::asio::ip::address> our_addresses = {};
  std::chrono::milliseconds timeout{5000};
};

struct HeloOutcome {
  std::vector<Symbol> symbols;
  double score = 0;
  bool reject = false;
  std::string reply;        // when reject
  std::string dns_problem;  // the DNS check gave no verdict: why ("" otherwise)
};

// Everything but the DNS check: no I/O.
HeloOutcome check_helo_syntax(std::string_view helo, const boost::asio::ip::address& client,
                              const HeloSettings& settings);

// check_helo_syntax, then the DNS check when settings.check_dns. `dns` must outlive its
// lookups (core/gather.hpp) and `settings` the call; helo and client are copied.
boost::asio::awaitable<HeloOutcome> check_helo(net::DnsSource& dns, std::string helo, boost::asio::ip::address client,
                                               const HeloSettings& settings);

}  // namespace portcullis::checks::reputation
