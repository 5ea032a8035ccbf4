// DANE lookups for a delivery (RFC 7672 2.2): for each next-hop host whose address records came
// DNSSEC-validated, its TLSA records at _PORT._tcp.HOST, and what they demand (tls::DaneHost).
// An insecure MX RRset does not stop this (RFC 7672 2.2.1 allows it: a signed provider's hosts
// protect unsigned hosted domains); an insecure address or TLSA answer makes the host a
// non-DANE host. Only worth doing with a local validating resolver (Resolver::servers_local).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <map>
#include <optional>
#include <string>

#include "net/dns.hpp"
#include "queue/route.hpp"
#include "tls/dane.hpp"

namespace portcullis::queue {

// The demand of one validated host's TLSA answer; nullopt: DANE does not apply to it (no
// records, or the answer was not validated).
std::optional<tls::DaneHost> dane_host(const net::TlsaResult& answer, const std::string& name);

// Looks up every validated host of `route` (in parallel is not needed: a handful of hosts, each
// lookup bounded by the resolver's deadline) and returns the hosts DANE applies to.
boost::asio::awaitable<std::map<std::string, tls::DaneHost>> dane_hosts(net::Resolver& resolver, const Route& route);

}  // namespace portcullis::queue
