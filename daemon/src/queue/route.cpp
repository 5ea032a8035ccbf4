#include "queue/route.hpp"

#include <boost/asio/use_awaitable.hpp>
#include <charconv>

namespace portcullis::queue {
namespace asio = boost::asio;
using asio::ip::tcp;

std::string route_key(const policy::Snapshot* snapshot, const std::string& domain, uint16_t mx_port) {
  if (snapshot) {
    if (const auto* d = snapshot->find_domain(domain))
      return "relay:" + d->destination_host + ":" + std::to_string(d->destination_port);
  }
  return "mx:" + domain + ":" + std::to_string(mx_port);
}

namespace {

asio::awaitable<Route> host_route(net::Resolver& resolver, const std::string& host, uint16_t port, bool mx_host) {
  Route r;
  r.name = host;
  if (auto ip = net::parse_ip_literal(host)) {
    r.add(tcp::endpoint(*ip, port), host);
    co_return r;
  }
  auto a = co_await resolver.addresses(host);
  switch (a.status) {
    case net::DnsStatus::ok:
      for (const auto& ip : a.addresses) r.add(tcp::endpoint(ip, port), host);
      if (a.authenticated) r.validated.insert(host);
      break;
    case net::DnsStatus::nxdomain:
    case net::DnsStatus::nodata:
    case net::DnsStatus::perm_failure:
      r.status = mx_host ? RouteStatus::temp_failure : RouteStatus::perm_failure;
      r.error = mx_host ? "451 4.4.4 host " + host + " has no address"
                        : "550 5.4.4 host " + host + " not found in DNS";
      break;
    case net::DnsStatus::temp_failure:
      r.status = RouteStatus::temp_failure;
      r.error = "451 4.4.3 DNS lookup of " + host + " failed temporarily";
      break;
  }
  co_return r;
}

}  // namespace

std::string override_key(const std::string& dest) { return "route:" + dest; }

asio::awaitable<Route> resolve_override(net::Resolver& resolver, const std::string& dest) {
  std::string host = dest;
  uint16_t port = 25;
  const std::size_t close = dest.rfind(']');
  const std::size_t colon = dest.rfind(':');
  if (colon != std::string::npos && (close == std::string::npos || colon > close)) {
    host = dest.substr(0, colon);
    unsigned p = 0;
    const char* first = dest.data() + colon + 1;
    const char* last = dest.data() + dest.size();
    auto [end, ec] = std::from_chars(first, last, p);
    if (ec != std::errc() || end != last || p == 0 || p > 65535)
      co_return Route{RouteStatus::temp_failure, dest, {}, "451 4.3.5 bad route " + dest, {}, {}};
    port = static_cast<uint16_t>(p);
  }
  Route r = co_await host_route(resolver, host, port, false);
  if (r.status == RouteStatus::perm_failure) r.status = RouteStatus::temp_failure;  // the admin's rule can be fixed
  co_return r;
}

asio::awaitable<Route> resolve_route(net::Resolver& resolver, const policy::Snapshot* snapshot,
                                     const std::string& domain, uint16_t mx_port) {
  if (snapshot) {
    if (const auto* d = snapshot->find_domain(domain)) {
      // A protected domain: its configured destination, never the public MX (that is us).
      Route r = co_await host_route(resolver, d->destination_host, d->destination_port, false);
      if (r.status == RouteStatus::perm_failure) r.status = RouteStatus::temp_failure;  // admin can fix DNS
      co_return r;
    }
  }
  if (auto ip = net::parse_ip_literal(domain)) {
    co_return Route{RouteStatus::ok, domain, {tcp::endpoint(*ip, mx_port)}, {}, {domain}, {}};
  }
  auto mx = co_await resolver.mx(domain);
  if (mx.status == net::DnsStatus::ok) {
    if (mx.null_mx) {
      co_return Route{RouteStatus::perm_failure, domain, {},
                      "556 5.1.10 domain " + domain + " does not accept mail (null MX)", {}, {}};
    }
    Route all;
    all.name = domain;
    std::string last_error;
    bool any_temp = false;
    for (const auto& rec : mx.records) {
      Route h = co_await host_route(resolver, rec.host, mx_port, true);
      if (h.status != RouteStatus::ok) {
        any_temp = true;
        last_error = h.error;
        continue;
      }
      if (all.endpoints.empty()) all.name = rec.host;
      for (std::size_t i = 0; i < h.endpoints.size(); ++i) all.add(h.endpoints[i], h.hosts[i]);
      all.validated.insert(h.validated.begin(), h.validated.end());
    }
    if (all.endpoints.empty()) {
      all.status = any_temp ? RouteStatus::temp_failure : RouteStatus::perm_failure;
      all.error = last_error.empty() ? "451 4.4.4 no usable MX host for " + domain : last_error;
    }
    co_return all;
  }
  if (mx.status == net::DnsStatus::nodata) {  // implicit MX: the domain's own address
    Route r = co_await host_route(resolver, domain, mx_port, false);
    if (r.status == RouteStatus::perm_failure) r.error = "550 5.1.2 domain " + domain + " has no MX and no address";
    co_return r;
  }
  if (mx.status == net::DnsStatus::nxdomain) {
    co_return Route{RouteStatus::perm_failure, domain, {}, "550 5.1.2 domain " + domain + " does not exist", {}, {}};
  }
  if (mx.status == net::DnsStatus::perm_failure) {
    co_return Route{RouteStatus::perm_failure, domain, {}, "550 5.1.2 bad domain " + domain, {}, {}};
  }
  co_return Route{RouteStatus::temp_failure, domain, {}, "451 4.4.3 DNS lookup of MX for " + domain + " failed", {}, {}};
}

}  // namespace portcullis::queue
