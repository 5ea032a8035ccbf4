// DNS answers come from the network (a resolver, or whoever forges its packets): untrusted.
// Our own reader (TLSA, the header) and the c-ares parsers we feed must never crash, and what
// they return must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "net/dns_detail.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace portcullis::net;
  const int status = detail::answer_status(ARES_SUCCESS, data, size);
  const detail::DnsReply reply{status, std::vector<unsigned char>(data, data + size)};
  const TlsaResult tlsa = detail::parse_tlsa(reply);
  if ((tlsa.status == DnsStatus::ok) == tlsa.records.empty()) __builtin_trap();
  if (tlsa.authenticated != (size >= 12 && (data[3] & 0x20) != 0)) __builtin_trap();
  for (const auto& r : tlsa.records) {
    if (r.data.size() > size) __builtin_trap();
  }
  const MxResult mx = detail::parse_mx(reply);
  if (mx.status != DnsStatus::ok && !mx.records.empty()) __builtin_trap();
  for (const auto& rec : mx.records) {
    if (rec.host.empty()) __builtin_trap();  // the null MX target is never listed
  }
  const TxtResult txt = detail::parse_txt(reply);
  if ((txt.status == DnsStatus::ok) == txt.records.empty()) __builtin_trap();
  const PtrResult ptr = detail::parse_ptr(reply);
  if ((ptr.status == DnsStatus::ok) == ptr.names.empty()) __builtin_trap();
  const AddressResult addresses = detail::parse_addresses(reply, reply);
  if ((addresses.status == DnsStatus::ok) == addresses.addresses.empty()) __builtin_trap();
  return 0;
}
