// SPF check_host() (RFC 7208 4-6) as coroutines over net::DnsSource: the MAIL FROM identity
// (postmaster@HELO for the null sender, 2.4) and the HELO identity (2.3).
//
// Every lookup goes through the DnsSource (TXT only for records, 4.4); nothing blocks and
// nothing throws out of a check (bad records and DNS data give permerror, DNS failures
// temperror). The work is bounded by RFC 7208 4.6.4 and by caps of our own:
//   - at most 10 terms that query DNS (include a mx ptr exists redirect, and each %{p}),
//     more is a permerror; at most 2 void lookups (NXDOMAIN or no answer), more is a permerror;
//   - an mx term with more than 10 MX names is a permerror; a ptr term or %{p} looks at the
//     first 10 PTR names only;
//   - records longer than kMaxRecordLength are a permerror, macro expansions longer than
//     kMaxExpansion too; include/redirect nesting is capped (the 10-term limit comes first).
// The caller still bounds the elapsed time (RFC 7208 4.6.4 asks for at least 20 s) and maps
// running out of it to temperror.
//
// The explanation (6.2) is looked up only for a fail, from the exp= of the record that decided
// (a redirect's target, never an include's), expanded with every macro letter; any problem
// with it (DNS, several or no TXT records, bad syntax, non-ASCII) gives kDefaultExplanation.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <string>
#include <string_view>

#include "checks/spf/result.hpp"
#include "net/dns_source.hpp"

namespace portcullis::checks::spf {

inline constexpr int kMaxDnsTerms = 10;
inline constexpr int kMaxVoidLookups = 2;
inline constexpr int kMaxMxNames = 10;
inline constexpr int kMaxPtrNames = 10;
inline constexpr std::size_t kMaxExplanation = 512;  // longer expansions give the default
inline constexpr std::string_view kDefaultExplanation = "not authorized by the sender domain's SPF policy";

struct Request {
  boost::asio::ip::address client;  // the SMTP client's address (v4-mapped v6 = v4)
  std::string mail_from;            // reverse-path without <>; empty for the null sender
  std::string helo;                 // the EHLO/HELO argument
  std::string receiver;             // our host name (%{r})
};

struct Outcome {
  Result result = Result::none;
  std::string identity;     // "mailfrom" or "helo" (what was checked, for Authentication-Results)
  std::string domain;       // the domain checked (without a final dot)
  std::string sender;       // the sender checked (local@domain)
  std::string mechanism;    // the term that matched as written ("ip4:192.0.2.0/24", "-all"),
                            // "default" if none did; for errors the term being evaluated
  std::string explanation;  // for fail: the exp= text, or kDefaultExplanation
  std::string problem;      // for permerror/temperror/none: why, in a few words
  int dns_lookups = 0;      // DNS-querying terms counted against the limit
  int void_lookups = 0;
};

// `dns` must outlive the check; the request is copied into the coroutine.
//
// The MAIL FROM identity (or postmaster@HELO when mail_from is empty), RFC 7208 2.4.
// A reverse-path without '@' or whose domain is not a fully qualified domain name: none (4.3).
boost::asio::awaitable<Outcome> check_mail_from(net::DnsSource& dns, Request request);
// The HELO identity, RFC 7208 2.3: postmaster@HELO. A HELO that is not a fully qualified
// domain name (an address literal, a single label): none.
boost::asio::awaitable<Outcome> check_helo(net::DnsSource& dns, Request request);

}  // namespace portcullis::checks::spf
