// checks/reputation/client_key.hpp: client addresses as counter and ban keys.
#include "checks/reputation/client_key.hpp"

#include "policy/cidr.hpp"

namespace portcullis::checks::reputation {

namespace ip = boost::asio::ip;

std::string client_key(const ip::address& addr, unsigned ipv6_prefix) {
  const ip::address a = unmapped(addr);
  if (a.is_v4()) return a.to_string();
  if (ipv6_prefix == 0) ipv6_prefix = 64;
  // Without a scope id: fe80::1%eth0 and fe80::1 are one client.
  const ip::address v6 = ip::make_address_v6(a.to_v6().to_bytes());
  if (ipv6_prefix >= 128) return v6.to_string();
  const auto net = policy::Cidr::parse(v6.to_string() + "/" + std::to_string(ipv6_prefix));
  return net ? net->text() : v6.to_string();
}

}  // namespace portcullis::checks::reputation
