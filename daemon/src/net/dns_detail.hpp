// Internal to net/dns (dns.cpp, dns_answer.cpp, dns_names.cpp) and its tests: turning c-ares
// answers (status + raw DNS message) into the result types of net/dns.hpp, and checking the
// server list. Pure functions, so they can be tested without a network.
#pragma once
#include <ares.h>

#include <cstddef>
#include <string>
#include <vector>

#include "net/dns_types.hpp"

namespace portcullis::net::detail {

// What one c-ares query produced: its status (ARES_SUCCESS, ARES_ENOTFOUND...) and, if any,
// the raw answer message.
struct DnsReply {
  int status = ARES_ETIMEOUT;
  std::vector<unsigned char> message;
};

DnsStatus status_of(int ares_status);

// The status c-ares' ares_query would report for an answer to a query sent with ares_send:
// the rcode (NXDOMAIN -> ENOTFOUND, ...) and an empty answer section (ENODATA).
int answer_status(int ares_status, const unsigned char* message, std::size_t size);
// How long an answer may be cached (RFC 2181 8, RFC 2308 5): the smallest TTL of the answer
// section's records; without any, the negative TTL of the authority section's SOA (the
// smaller of its TTL and its MINIMUM field); 0 when there is neither or the message is
// malformed.
std::uint32_t answer_ttl(const DnsReply& reply);
// The AD bit of an answer (false for a missing or short message).
bool authenticated(const DnsReply& reply);
// Builds the query c-ares sends for (name, type): recursion desired, EDNS(0) with our UDP
// size, and the AD bit set so that the resolver reports its DNSSEC verdict (RFC 6840 5.7).
// Empty if c-ares refuses the name.
std::vector<unsigned char> make_query(const std::string& name, int type, int udp_size);

MxResult parse_mx(const DnsReply& reply);
AddressResult parse_addresses(const DnsReply& a, const DnsReply& aaaa);
TxtResult parse_txt(const DnsReply& reply);
PtrResult parse_ptr(const DnsReply& reply);
// Our own reader (c-ares 1.18 has no TLSA parser): every IN TLSA record of the answer section.
TlsaResult parse_tlsa(const DnsReply& reply);

// ResolverOptions::servers ("IP", "IP:PORT", "[IPv6]", "[IPv6]:PORT", bare IPv6) as the
// "IP:PORT,[IPv6]:PORT" list c-ares takes; throws std::runtime_error on a bad entry.
std::string servers_csv(const std::vector<std::string>& servers);

}  // namespace portcullis::net::detail
