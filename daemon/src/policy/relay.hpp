// The RCPT TO decision: is this recipient ours (and known), may this client relay to it, or
// neither? Pure: reads only the Snapshot it is given. Open-relay-proof by construction:
// nothing is accepted for a domain that is not ours unless the client is in the relay
// networks or authenticated, and routing tricks are refused for every client.
//
// Rules, in order (all replies carry the recipient as <local@domain>):
//  a. Routing tricks and unroutable forms: a local part containing '%', '!' or '@' (quoted or
//     not), an empty local part, an address literal ("[192.0.2.1]"), an empty or malformed
//     domain (leading/trailing dot, empty label, an ASCII octet other than letter, digit, '-'
//     or '.'), a control character anywhere (the parser refuses these already) -> bad_address,
//     "554 5.7.1 <addr>: Relay access denied". Even from relay networks or authenticated.
//  b. Domain ours (exact, case-insensitive, whole name: no subdomains, no suffixes): alias
//     expansion (aliases.hpp). Mode all -> accept_inbound. Mode specified -> accept_inbound if
//     the address is an internal recipient or matched an alias (exact or catch-all), else
//     unknown_user, "550 5.1.1 <addr>: Recipient address rejected: User unknown".
//     An alias loop, more than 8 hops or a malformed alias -> tempfail,
//     "451 4.3.0 <addr>: alias loop" / "...: alias expansion too deep" /
//     "...: alias misconfigured". Chosen over 550 because it is an admin's mistake that will be
//     fixed: the sender keeps the message and retries, nothing bounces (design: fail soft for
//     mail). It is also logged as a warning.
//  c. Domain not ours, client in relay networks or authenticated -> accept_outbound.
//  d. Otherwise relay_denied, "554 5.7.1 <addr>: Relay access denied".
// Accepted recipients get "250 2.1.5 Ok" and deliver_to (non-empty) holds the final
// recipients: the alias expansion, or the address itself.
// Domains are compared as ASCII; a U-label domain never matches (ours are A-labels).
#pragma once
#include <string>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "mail/address.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::policy {

enum class RcptVerdict {
  accept_inbound,   // 250: for one of our domains
  accept_outbound,  // 250: relayed for a relay network / authenticated client
  relay_denied,     // 554 5.7.1
  unknown_user,     // 550 5.1.1
  bad_address,      // 554 5.7.1: routing trick or unroutable form, refused for every client
  tempfail,         // 451 4.3.0: policy cannot be decided (alias loop or misconfiguration)
};

struct RcptDecision {
  RcptVerdict verdict = RcptVerdict::relay_denied;
  std::vector<std::string> deliver_to;  // final recipients after alias expansion, local@domain
  std::string reply;                    // full SMTP reply line, without CRLF
  bool accepted() const { return verdict == RcptVerdict::accept_inbound || verdict == RcptVerdict::accept_outbound; }
};

RcptDecision decide_recipient(const Snapshot& snapshot, const mail::Mailbox& rcpt,
                              const boost::asio::ip::address& client, bool authenticated = false);

// RCPT TO:<Postmaster> (no domain): MUST be accepted (RFC 5321 4.5.1). Delivers to setting
// "postmaster", else setting "admin-email" (a setting that is not local@domain is skipped with
// a warning), expanding aliases when the address is in one of our domains (apply_postmaster
// aliases postmaster@D to admin-email). Neither set -> unknown_user,
// "550 5.1.1 <Postmaster>: no postmaster address configured (set postmaster or admin-email)".
RcptDecision decide_bare_postmaster(const Snapshot& snapshot);

}  // namespace portcullis::policy
