// The connection-level checks of a session (docs/spam.md), on the policy compiled once per
// reload (smtp/reputation_policy.hpp) and the gateway's per-client state (smtp/client_guard):
// at connect the IP ranges, bans, the connection rate and the connect stage's block lists; at
// HELO the HELO checks; at MAIL the sender domain; at RCPT the rcpt stage's block lists and
// greylisting. Trusted clients (relay networks, allowed ranges) skip them all.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/thread_pool.hpp>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "checks/dnsbl/lookup.hpp"
#include "checks/verdict/policies.hpp"
#include "hooks/event.hpp"
#include "net/dns_source.hpp"
#include "smtp/client_guard.hpp"
#include "smtp/reputation_policy.hpp"
#include "store/store.hpp"

namespace portcullis::smtp {

struct ConnectVerdict {
  std::string refused;  // the reply instead of a greeting ("" = greet)
  bool trusted = false;  // a relay network or an allowed range
  std::vector<hooks::Symbol> symbols;  // DNSBL hits that score
};

// At connect. dns nullptr: no block lists.
boost::asio::awaitable<ConnectVerdict> check_connection(const ReputationPolicy& rep, ClientGuard& guard,
                                                        net::DnsSource* dns, boost::asio::ip::address client,
                                                        std::string client_text, std::string hostname);

// At HELO/EHLO (helo-check): the findings go into `symbols` (replacing those of an earlier
// HELO of the session); the refusal reply, "" if it passes.
boost::asio::awaitable<std::string> check_helo_name(const ReputationPolicy& rep, net::DnsSource* dns,
                                                    std::string helo, boost::asio::ip::address client,
                                                    std::string client_text, std::vector<hooks::Symbol>& symbols);

// At MAIL (sender-domain-check; `sender` "" for <>): findings into `symbols`; the refusal.
boost::asio::awaitable<std::string> check_sender(const ReputationPolicy& rep, net::DnsSource* dns,
                                                 std::string sender, std::string client_text,
                                                 std::vector<hooks::Symbol>& symbols);

// What a session needs for the RCPT-stage checks; `rcpt_dnsbl` keeps the lists' answer for the
// session, `policies` the transaction's spam policies (made when first needed).
struct RcptContext {
  const ReputationPolicy& rep;
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
