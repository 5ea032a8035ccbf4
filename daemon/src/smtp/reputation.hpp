// The connection-level checks' settings as the policy snapshot holds them (docs/spam.md):
// DNS block list zones (portcullis dnsbl) and greylisting (settings greylist-delay,
// greylist-bypass-spf, greylist-allow; on or off per recipient by the spam policies).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/thread_pool.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "checks/verdict/policies.hpp"
#include "hooks/event.hpp"
#include "net/dns_source.hpp"
#include "store/store.hpp"

#include "checks/dnsbl/lookup.hpp"
#include "checks/greylist/greylist.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::smtp {

// The zones of `stage` (ones the checks/dnsbl validation refuses are left out).
std::vector<checks::dnsbl::Zone> dnsbl_zones(const policy::Snapshot& snap, checks::dnsbl::Stage stage);
checks::greylist::Settings greylist_settings(const policy::Snapshot& snap);

struct ConnectVerdict {
  std::string refused;  // the reply instead of a greeting ("" = greet)
  bool trusted = false;  // a relay network or an allowed range
  std::vector<hooks::Symbol> symbols;  // DNSBL hits that score
};

// At connect. dns nullptr: no block lists.
boost::asio::awaitable<ConnectVerdict> check_connection(const policy::Snapshot& snap, net::DnsSource* dns,
                                                        boost::asio::ip::address client, std::string client_text,
                                                        std::string hostname);

// What a session needs for the RCPT-stage checks; `rcpt_dnsbl` keeps the lists' answer for the
// session, `policies` the transaction's spam policies (made when first needed).
struct RcptContext {
  const policy::Snapshot& snap;
  net::DnsSource* dns = nullptr;        // nullptr: no block lists
  store::Store* state = nullptr;        // nullptr: no greylisting
  std::mutex* state_mutex = nullptr;
  boost::asio::thread_pool& workers;
  boost::asio::ip::address client;
  std::string client_text;
  std::string hostname;
  bool spf_pass = false;                // the MAIL FROM identity's SPF passed
  std::optional<checks::dnsbl::Outcome>& rcpt_dnsbl;
  std::optional<checks::verdict::Policies>& policies;
  std::vector<hooks::Symbol>& session_symbols;  // DNSBL hits go here
};

// At RCPT for an accepted recipient (`rcpt`: the address as given, or "postmaster"; `sender`:
// "" for <>): the refusal reply, "" if it passes.
boost::asio::awaitable<std::string> check_recipient(RcptContext ctx, std::string sender, std::string rcpt,
                                                    bool postmaster);

}  // namespace portcullis::smtp
