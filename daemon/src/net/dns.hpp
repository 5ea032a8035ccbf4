// Asynchronous DNS on the Asio loop (c-ares): MX, A+AAAA, TXT, PTR and TLSA lookups as coroutines.
//
// A Resolver belongs to one executor (an io_context run by one thread, or a strand): create,
// use and destroy it there. c-ares' sockets are watched by the loop and its retransmissions
// driven by a timer, so a lookup never blocks and no thread is started.
//
// Every lookup ends within timeout x tries (the whole lookup, however many servers are
// configured) and yields a status rather than throwing:
//   ok            at least one usable record
//   nxdomain      the name does not exist
//   nodata        the name exists but has no record of that type
//   temp_failure  timeout, SERVFAIL, REFUSED, network error, unparsable answer, or the
//                 Resolver was destroyed while the lookup was pending ("try again later")
//   perm_failure  the name itself is malformed (empty, label > 63, illegal characters...)
// Names are queried as absolute names (no search domains, /etc/hosts is not consulted);
// CNAME chains are followed as the recursive server returns them in the answer.
//
// DNSSEC: every query asks for the resolver's validation verdict (the AD bit, RFC 6840 5.7);
// a result's `authenticated` is true when the resolver set AD on every answer it was built
// from. It is only worth trusting from a validating resolver on this host (servers_local()):
// the path to any other resolver is unsigned.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/dns_source.hpp"
#include "net/dns_types.hpp"

namespace portcullis::net {

struct ResolverOptions {
  // "IP", "IP:PORT", "[IPv6]:PORT" (a bare IPv6 address also works); empty: /etc/resolv.conf.
  std::vector<std::string> servers;
  std::chrono::milliseconds timeout{5000};  // per try; > 0
  int tries = 2;                            // 1..16
};

// Lookups are coroutines: `auto mx = co_await resolver.mx("example.com");`. They hold no
// reference to the Resolver while suspended, so it may be destroyed at any time.
class Resolver final : public DnsSource {
 public:
  // Throws std::runtime_error on bad options or if c-ares cannot be initialised.
  Resolver(boost::asio::any_io_executor ex, ResolverOptions opts);
  // Pending lookups complete with temp_failure (their coroutines resume later on their
  // executor). Must run before the io_context is destroyed.
  ~Resolver() override;
  Resolver(Resolver&&) noexcept;
  Resolver& operator=(Resolver&&) noexcept;
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  boost::asio::awaitable<MxResult> mx(std::string domain) override;
  // A and AAAA queried in parallel. `host` is a DNS name: check SMTP address literals with
  // parse_ip_literal first.
  boost::asio::awaitable<AddressResult> addresses(std::string host);
  // One family each.
  boost::asio::awaitable<AddressResult> a(std::string name) override;
  boost::asio::awaitable<AddressResult> aaaa(std::string name) override;
  boost::asio::awaitable<TxtResult> txt(std::string name) override;
  // IPv4-mapped IPv6 addresses are looked up as IPv4.
  boost::asio::awaitable<PtrResult> ptr(boost::asio::ip::address ip) override;
  // `name` as queried: "_25._tcp.mx.example.org" (tlsa_name builds it).
  boost::asio::awaitable<TlsaResult> tlsa(std::string name);

  // true if every server the resolver asks is on this host (loopback): only then is the AD
  // bit worth trusting (RFC 7672 1.3: a local validating resolver).
  bool servers_local() const;

  struct Impl;  // dns.cpp

 private:
  std::shared_ptr<Impl> impl_;
};

// SMTP address literals and bare addresses: "1.2.3.4", "[1.2.3.4]", "[IPv6:2001:db8::1]"
// ("IPv6:" in any case), and a bare "2001:db8::1". A bracketed IPv6 without the "IPv6:" tag,
// "[IPv6:1.2.3.4]", zone ids ("%eth0") and anything else give nullopt.
std::optional<boost::asio::ip::address> parse_ip_literal(std::string_view text);

// The name a PTR lookup queries: "4.3.2.1.in-addr.arpa" or the ip6.arpa nibble form.
std::string reverse_name(const boost::asio::ip::address& ip);

// "_PORT._tcp.HOST": where the TLSA records of an SMTP server are published (RFC 7672 2.2.3).
std::string tlsa_name(std::string_view host, std::uint16_t port);

// true if `name` (with or without final dot) is a well-formed DNS name for a query:
// labels of 1..63 letters, digits, '-' or '_', at most 253 characters in all.
bool valid_dns_name(std::string_view name);

// The form under which a name is compared and cached: ASCII letters lower-cased, one final
// dot removed ("Example.COM." -> "example.com").
std::string canonical_name(std::string_view name);

// A server as ResolverOptions::servers takes it (and as c-ares writes it): "192.0.2.1:53",
// "[2001:db8::1]:53".
std::string server_entry(const boost::asio::ip::address& ip, std::uint16_t port);

}  // namespace portcullis::net
