// The results of net/dns lookups (apart from the Resolver, so that the answer parsers can be
// built and fuzzed without Asio's coroutine machinery).
#pragma once
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::net {

enum class DnsStatus { ok, nxdomain, nodata, temp_failure, perm_failure };
std::string_view to_string(DnsStatus status);

struct MxRecord {
  std::uint16_t preference = 0;
  std::string host;  // without the final dot
};

struct MxResult {
  DnsStatus status = DnsStatus::temp_failure;
  // Sorted by preference; equal preferences in random order (spreads load, RFC 5321 5.1).
  // An MX whose host is the root (".") is never listed.
  std::vector<MxRecord> records;
  bool authenticated = false;  // the resolver set AD (DNSSEC-validated, or validated denial)
  // RFC 7505 null MX ("MX 0 ."): every MX of the domain points at the root. status is ok and
  // records is empty: the domain accepts no mail (do NOT fall back to its A/AAAA records).
  bool null_mx = false;
  // Seconds the answer may be kept (the smallest TTL of the records it was built from; for
  // nxdomain/nodata the SOA's negative TTL, RFC 2308 5; 0 when unknown or a failure).
  std::uint32_t ttl = 0;
};

struct AddressResult {
  DnsStatus status = DnsStatus::temp_failure;
  // IPv4 addresses first (answer order), then IPv6. ok if either family had an answer.
  std::vector<boost::asio::ip::address> addresses;
  bool authenticated = false;  // both answers (A and AAAA) carried AD
  // Seconds the answer may be kept (the smallest TTL of the records it was built from; for
  // nxdomain/nodata the SOA's negative TTL, RFC 2308 5; 0 when unknown or a failure).
  std::uint32_t ttl = 0;
};

struct TxtResult {
  DnsStatus status = DnsStatus::temp_failure;
  std::vector<std::string> records;  // one per TXT record, its strings concatenated
  // Seconds the answer may be kept (the smallest TTL of the records it was built from; for
  // nxdomain/nodata the SOA's negative TTL, RFC 2308 5; 0 when unknown or a failure).
  std::uint32_t ttl = 0;
};

// A TLSA record (RFC 6698): certificate usage, selector, matching type, association data.
struct TlsaRecord {
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t mtype = 0;
  std::vector<unsigned char> data;
  bool operator==(const TlsaRecord&) const = default;
};

struct TlsaResult {
  DnsStatus status = DnsStatus::temp_failure;
  std::vector<TlsaRecord> records;  // answer order
  bool authenticated = false;
  // Seconds the answer may be kept (the smallest TTL of the records it was built from; for
  // nxdomain/nodata the SOA's negative TTL, RFC 2308 5; 0 when unknown or a failure).
  std::uint32_t ttl = 0;
};

struct PtrResult {
  DnsStatus status = DnsStatus::temp_failure;
  std::vector<std::string> names;  // without the final dot, answer order, no duplicates
  // Seconds the answer may be kept (the smallest TTL of the records it was built from; for
  // nxdomain/nodata the SOA's negative TTL, RFC 2308 5; 0 when unknown or a failure).
  std::uint32_t ttl = 0;
};

}  // namespace portcullis::net
