// What the sender-authentication checks (checks/spf, checks/dkim, checks/dmarc, checks/arc) ask
// of DNS, as an interface: the daemon answers it with a TTL-honouring cache over the c-ares
// Resolver (net/dns_cache.hpp), unit tests and fuzz targets with zone data held in memory
// (net/static_dns.hpp).
//
// The results and their statuses are those of net/dns_types.hpp. A and AAAA are separate
// lookups here (SPF's a and mx mechanisms query the client's address family only, RFC 7208
// 5.3), and no lookup throws.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <string>

#include "net/dns_types.hpp"

namespace portcullis::net {

class DnsSource {
 public:
  virtual ~DnsSource() = default;
  virtual boost::asio::awaitable<TxtResult> txt(std::string name) = 0;
  virtual boost::asio::awaitable<AddressResult> a(std::string name) = 0;     // IPv4 only
  virtual boost::asio::awaitable<AddressResult> aaaa(std::string name) = 0;  // IPv6 only
  virtual boost::asio::awaitable<MxResult> mx(std::string name) = 0;
  virtual boost::asio::awaitable<PtrResult> ptr(boost::asio::ip::address ip) = 0;
};

}  // namespace portcullis::net
