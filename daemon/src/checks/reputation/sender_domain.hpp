// The MAIL FROM domain check: a domain that sends mail must be able to receive the replies
// (bounces), so it needs an MX record or, failing that, an address (RFC 5321 5.1's implicit
// MX: A/AAAA). One MX lookup, then A and AAAA at once when there is no MX; each step bounded
// by `timeout`.
//
//   MX with hosts, or no MX but A/AAAA    passes (no symbol)
//   null MX "MX 0 ." (RFC 7505)            SENDER_NULL_MX     550 5.7.27 (RFC 7505 4.2)
//   NXDOMAIN                               SENDER_NXDOMAIN    550 5.1.8
//   exists, no MX and no A/AAAA            SENDER_NO_ADDRESS  550 5.1.8
//   a single label ("user@localhost")      SENDER_NOT_FQDN    504 5.5.2 (not looked up)
//   DNS failure or timeout                 no symbol; 451 4.1.8 when `tempfail` is set, else
//                                          nothing (dns_problem says why)
// Each finding is scored; it is refused only when its rule says reject. The null sender <>
// (bounces), address-literal domains and internationalized (non-ASCII) domains are not checked.
// The caller skips trusted clients (allow ranges, relay networks, authenticated sessions).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "checks/reputation/symbol.hpp"
#include "net/dns_source.hpp"

namespace portcullis::checks::reputation {

struct SenderDomainSettings {
  Rule null_mx{true, 5.0};
  Rule nxdomain{true, 5.0};
  Rule no_address{true, 3.0};
  Rule not_fqdn{false, 1.0};
  bool tempfail = false;  // a DNS failure answers 451 4.1.8 (else the check is skipped)
  std::chrono::milliseconds timeout{5000};
};

struct SenderDomainOutcome {
  bool checked = false;     // false: null sender, literal, internationalized (skipped)
  std::string domain;       // lower-cased
  std::vector<Symbol> symbols;
  double score = 0;
  bool reject = false;      // a 5xx
  bool tempfail = false;    // a 4xx
  std::string reply;        // when reject or tempfail
  std::string dns_problem;  // DNS gave no verdict: why
};

// The domain of a reverse-path (without <>): after the last '@'; "" for the null sender.
std::string sender_domain(std::string_view reverse_path);

// `dns` must outlive its lookups (core/gather.hpp), `settings` the call.
boost::asio::awaitable<SenderDomainOutcome> check_sender_domain(net::DnsSource& dns, std::string reverse_path,
                                                                const SenderDomainSettings& settings);

}  // namespace portcullis::checks::reputation
