// Greylisting (hMailServer/Postgrey style): the first delivery attempt of an unknown triplet
// (client network, sender, recipient) is deferred with a 451; a retry after `delay` and within
// `retry_window` of the first attempt passes, and from then on the triplet passes at once (the
// auto-whitelist, while it is used at least every `passed_lifetime`). Real MTAs retry; most
// spam bots do not.
//
// The triplet: the client's /24 (IPv4) or /64 (IPv6) as CIDR text, so a sender's pool of
// outgoing servers counts as one; the sender and the recipient lower-cased (the null sender
// is ""). Pure functions here (no I/O); checks/greylist/greylist_store.hpp runs them against
// the store on the worker pool.
//
// decide(), for the stored entry of the triplet (nullopt: none) at `now` (unix seconds):
//   none, or a passed entry unused for passed_lifetime   defer, write {now, now, 0}
//   passed > 0                                           pass,  write last_seen = now, passed + 1
//   first_seen more than retry_window ago                defer, write {now, now, 0} (starts over)
//   first_seen less than delay ago (an early retry)      defer, write nothing
//   else                                                 pass,  write last_seen = now, passed = 1
// Bypasses (checked first, nothing read or written): SPF pass (when bypass_spf_pass), a listed
// sender or recipient ("user@example.com" or "@example.com"), a listed client network.
#pragma once
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/cidr.hpp"
#include "store/store.hpp"

namespace portcullis::checks::greylist {

struct Settings {
  std::chrono::seconds delay{300};                  // a retry passes this long after the first attempt
  std::chrono::seconds retry_window{24 * 3600};     // ... if it comes within this of the first attempt
  std::chrono::seconds passed_lifetime{36 * 24 * 3600};  // an auto-whitelisted triplet unused this long starts over
  bool bypass_spf_pass = false;                     // SPF pass for the sender: no greylisting
  std::vector<std::string> bypass_senders = {};     // "user@example.com" | "@example.com", any case
  std::vector<std::string> bypass_recipients = {};  // same forms
  std::vector<policy::Cidr> bypass_networks = {};
};

struct Request {
  boost::asio::ip::address client;
  std::string sender;     // the reverse-path without <> ("" = null sender)
  std::string recipient;  // the forward-path without <>
  bool spf_pass = false;  // the SPF result of the MAIL FROM identity was pass
};

struct Triplet {
  std::string client_net;  // "192.0.2.0/24", "2001:db8:1:2::/64"
  std::string sender;      // lower-cased, "" for the null sender
  std::string recipient;   // lower-cased
};
Triplet triplet(const boost::asio::ip::address& client, std::string_view sender, std::string_view recipient);

enum class Action { pass, defer };

struct Decision {
  Action action = Action::pass;
  std::optional<store::GreylistEntry> write = {};  // what to store (nullopt: nothing)
  std::string reason = {};                         // for the log
  std::string reply = {};                          // defer: the 451 reply
  std::int64_t retry_in = 0;                       // defer: seconds until a retry passes
  bool bypassed = false;                           // a bypass applied (reason says which)
  bool failed_open = false;                        // the store failed: passed unchecked
};

// "" if no bypass applies, else which one ("SPF pass", "sender listed (@example.com)", ...).
std::string bypass_reason(const Request& request, const Settings& settings);

Decision decide(const Triplet& key, const std::optional<store::GreylistEntry>& entry, std::int64_t now,
                const Settings& settings);

// "451 4.7.1 Greylisted: ... please try again in N seconds".
std::string defer_reply(std::int64_t retry_in);

// The bounds for Store::greylist_expire(unused_before, used_before) at `now`: entries never
// passed (passed == 0) first seen before unused_before are dead (a retry now would start
// over anyway); passed entries last seen before used_before have left the auto-whitelist.
struct ExpiryBounds {
  std::int64_t unused_before = 0;
  std::int64_t used_before = 0;
};
ExpiryBounds expiry_bounds(std::int64_t now, const Settings& settings);

}  // namespace portcullis::checks::greylist
