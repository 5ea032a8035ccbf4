// Where mail for a recipient domain goes: a protected domain's destination server
// (host:port from the store), or for everything else the domain's MX hosts (RFC 5321 5.1:
// MX, else the implicit MX of the domain's own address; RFC 7505 null MX is a permanent failure).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <set>
#include <string>
#include <vector>

#include "net/dns.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::queue {

enum class RouteStatus { ok, temp_failure, perm_failure };

struct Route {
  RouteStatus status = RouteStatus::ok;
  std::string name;  // for logs: "mx.example.org" or "relay host"
  std::vector<boost::asio::ip::tcp::endpoint> endpoints;  // in the order to try
  std::string error;  // full reply-like text when not ok, e.g. "550 5.1.2 ..."
  std::vector<std::string> hosts;  // parallel to endpoints: the host name each came from (SNI, TLS checks)
  // Hosts whose addresses came DNSSEC-validated (AD): their TLSA records count (queue/dane.hpp).
  std::set<std::string> validated;
  void add(boost::asio::ip::tcp::endpoint ep, const std::string& host) {
    endpoints.push_back(ep);
    hosts.push_back(host);
  }
};

// The grouping key of a domain: deliveries with the same key share connections and the
// per-destination concurrency limit.
std::string route_key(const policy::Snapshot* snapshot, const std::string& domain, uint16_t mx_port);

// A rule's route override, "HOST[:PORT]" or "[ADDRESS][:PORT]" (port 25 by default): its
// grouping key ("route:" + dest) and where it goes (the host's A/AAAA records).
std::string override_key(const std::string& dest);
boost::asio::awaitable<Route> resolve_override(net::Resolver& resolver, const std::string& dest);

boost::asio::awaitable<Route> resolve_route(net::Resolver& resolver, const policy::Snapshot* snapshot,
                                            const std::string& domain, uint16_t mx_port);

}  // namespace portcullis::queue
