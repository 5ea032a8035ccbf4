// The names a DNSBL is queried at (RFC 5782 2.1, 2.4) and the symbol a zone's hits carry.
//   IPv4 192.0.2.99 in zen.example       -> "99.2.0.192.zen.example"
//   IPv6 2001:db8::1 in zen.example      -> 32 reversed nibbles, "1.0.0.0. ... .8.b.d.0.1.0.0.2.zen.example"
// An IPv4-mapped IPv6 client (::ffff:192.0.2.99, as a dual-stack socket reports it) is queried
// as the IPv4 address it is. RFC 5782 5 test points: 127.0.0.2 must be listed and 127.0.0.1
// must not (IPv6 lists: ::FFFF:7F00:2 and ::FFFF:7F00:1, queried as nibbles, see
// ipv6_reversed).
#pragma once
#include <boost/asio/ip/address.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::checks::dnsbl {

// "99.2.0.192" / 32 dot-separated nibbles (lower-case hex), without the zone.
std::string reversed(const boost::asio::ip::address& client);
// The nibble form of any IPv6 address, v4-mapped ones included (for the IPv6 test points).
std::string ipv6_reversed(const boost::asio::ip::address_v6& ip);

// An empty string if `zone` can be queried (a DNS name of LDH/underscore labels, with or
// without a final dot, short enough to hold an IPv6 query), else what is wrong.
std::string zone_error(std::string_view zone);

// "<reversed>.<zone>" (the zone without its final dot, lower-cased); nullopt when the zone is
// not valid (zone_error) or the whole name exceeds 253 characters.
std::optional<std::string> query_name(const boost::asio::ip::address& client, std::string_view zone);

// "<32 nibbles>.<zone>" for any IPv6 address, v4-mapped ones included (the IPv6 test points
// ::FFFF:7F00:2 and ::FFFF:7F00:1, which query_name would ask as IPv4); nullopt as for
// query_name.
std::optional<std::string> ipv6_query_name(const boost::asio::ip::address_v6& ip, std::string_view zone);

// "RBL_" + the zone upper-cased, every character other than a letter or digit as '_':
// "zen.spamhaus.org" -> "RBL_ZEN_SPAMHAUS_ORG".
std::string symbol_for(std::string_view zone);

}  // namespace portcullis::checks::dnsbl
