#include "queue/dane.hpp"

#include "core/log.hpp"

namespace portcullis::queue {

namespace asio = boost::asio;

std::optional<tls::DaneHost> dane_host(const net::TlsaResult& answer, const std::string& name) {
  using State = tls::DaneHost::State;
  switch (answer.status) {
    case net::DnsStatus::temp_failure:
      // The address was signed, so the zone is: a failed TLSA lookup may be an attack that
      // strips the records (a validating resolver answers SERVFAIL to bogus data).
      return tls::DaneHost{State::unusable, {}, "TLSA lookup of " + name + " failed"};
    case net::DnsStatus::ok:
      break;
    default:  // nxdomain, nodata (validated or not), perm_failure: no DANE for this host
      return std::nullopt;
  }
  if (!answer.authenticated) return std::nullopt;  // an unsigned answer proves nothing
  tls::DaneHost host{State::encrypt, {}, ""};
  for (const auto& r : answer.records) {
    tls::Tlsa t{r.usage, r.selector, r.mtype, r.data};
    if (tls::dane_usable(t)) host.records.push_back(std::move(t));
  }
  if (!host.records.empty()) host.state = State::authenticate;
  return host;
}

asio::awaitable<std::map<std::string, tls::DaneHost>> dane_hosts(net::Resolver& resolver, const Route& route) {
  std::map<std::string, tls::DaneHost> out;
  for (std::size_t i = 0; i < route.endpoints.size() && i < route.hosts.size(); ++i) {
    const std::string& host = route.hosts[i];
    if (!route.validated.contains(host) || out.contains(host)) continue;
    const std::string name = net::tlsa_name(host, route.endpoints[i].port());
    const net::TlsaResult answer = co_await resolver.tlsa(name);
    auto demand = dane_host(answer, name);
    if (!demand) continue;
    log::info("dane_host", {{"host", host},
                            {"tlsa", demand->state == tls::DaneHost::State::authenticate ? "usable"
                                     : demand->state == tls::DaneHost::State::encrypt    ? "none usable: TLS only"
                                                                                         : demand->why},
                            {"records", std::to_string(demand->records.size())}});
    out.emplace(host, std::move(*demand));
  }
  co_return out;
}

}  // namespace portcullis::queue
