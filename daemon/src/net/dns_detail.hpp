// Internal to net/dns (dns.cpp, dns_answer.cpp, dns_names.cpp) and its tests: turning c-ares
// answers (status + raw DNS message) into the result types of net/dns.hpp, and checking the
// server list. Pure functions, so they can be tested without a network.
#pragma once
#include <ares.h>

#include <string>
#include <vector>

#include "net/dns.hpp"

namespace portcullis::net::detail {

// What one c-ares query produced: its status (ARES_SUCCESS, ARES_ENOTFOUND...) and, if any,
// the raw answer message.
struct DnsReply {
  int status = ARES_ETIMEOUT;
  std::vector<unsigned char> message;
};

DnsStatus status_of(int ares_status);

MxResult parse_mx(const DnsReply& reply);
AddressResult parse_addresses(const DnsReply& a, const DnsReply& aaaa);
TxtResult parse_txt(const DnsReply& reply);
PtrResult parse_ptr(const DnsReply& reply);

// ResolverOptions::servers ("IP", "IP:PORT", "[IPv6]", "[IPv6]:PORT", bare IPv6) as the
// "IP:PORT,[IPv6]:PORT" list c-ares takes; throws std::runtime_error on a bad entry.
std::string servers_csv(const std::vector<std::string>& servers);

}  // namespace portcullis::net::detail
