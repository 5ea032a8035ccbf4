// How the connection-level checks name a client: the address a dual-stack socket reports as
// IPv4-mapped IPv6 is the IPv4 address it carries, and IPv6 clients are counted and banned by
// network (an IPv6 host usually owns a whole /64, RFC 6177), IPv4 clients by address.
#pragma once
#include <boost/asio/ip/address.hpp>
#include <string>

#include "core/ip.hpp"

namespace portcullis::checks::reputation {

using core::unmapped;  // ::ffff:192.0.2.1 -> 192.0.2.1 (core/ip.hpp)

// IPv4: "192.0.2.1". IPv6: the network of `ipv6_prefix` bits in CIDR text,
// "2001:db8:1:2::/64" (a prefix of 128 or more gives the bare address; 0 is taken as 64).
std::string client_key(const boost::asio::ip::address& ip, unsigned ipv6_prefix = 64);

}  // namespace portcullis::checks::reputation
