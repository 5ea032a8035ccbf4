// IP address helpers shared by the rooms that look at client addresses.
#pragma once
#include <boost/asio/ip/address.hpp>

namespace portcullis::core {

// The IPv4 address an IPv4-mapped IPv6 address carries (::ffff:192.0.2.1, how a dual-stack
// socket reports an IPv4 client) -> 192.0.2.1; any other address unchanged.
inline boost::asio::ip::address unmapped(const boost::asio::ip::address& ip) {
  if (ip.is_v6() && ip.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, ip.to_v6());
  return ip;
}

}  // namespace portcullis::core
