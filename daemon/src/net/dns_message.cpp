// Raw DNS messages for net/dns (see dns_detail.hpp): building our queries (with the AD bit),
// reading an answer's header, and the TLSA parser c-ares 1.18 lacks. Everything here reads
// untrusted bytes: every offset is checked against the message size before use
// (tests/fuzz/fuzz_dns_answer.cpp).
#include <arpa/nameser.h>

#include <cstdint>
#include <algorithm>
#include <memory>
#include <optional>

#include "net/dns_detail.hpp"

namespace portcullis::net::detail {

namespace {

constexpr std::size_t header_size = 12;
constexpr unsigned char ad_bit = 0x20;  // byte 3 of the header: RA Z AD CD RCODE

std::uint16_t u16(const unsigned char* p) { return static_cast<std::uint16_t>((p[0] << 8) | p[1]); }

// Skips an encoded name starting at `pos`; false if it runs past the end or is malformed.
// A compression pointer ends the name (we never follow it: we only need to step over it).
bool skip_name(const std::vector<unsigned char>& m, std::size_t& pos) {
  for (int labels = 0; labels < 128; ++labels) {
    if (pos >= m.size()) return false;
    const unsigned char len = m[pos];
    if (len == 0) {
      ++pos;
      return true;
    }
    if ((len & 0xC0) == 0xC0) {
      if (pos + 2 > m.size()) return false;
      pos += 2;
      return true;
    }
    if ((len & 0xC0) != 0) return false;  // the 01 and 10 label types are obsolete / unused
    pos += 1 + len;
  }
  return false;
}

struct CaresString {
  void operator()(unsigned char* p) const { ares_free_string(p); }
};

}  // namespace

int answer_status(int ares_status, const unsigned char* message, std::size_t size) {
  if (ares_status != ARES_SUCCESS) return ares_status;
  if (message == nullptr || size < header_size) return ARES_EBADRESP;
  switch (message[3] & 0x0F) {
    case ns_r_noerror:
      return u16(message + 6) > 0 ? ARES_SUCCESS : ARES_ENODATA;
    case ns_r_formerr:
      return ARES_EFORMERR;
    case ns_r_servfail:
      return ARES_ESERVFAIL;
    case ns_r_nxdomain:
      return ARES_ENOTFOUND;
    case ns_r_notimpl:
      return ARES_ENOTIMP;
    case ns_r_refused:
      return ARES_EREFUSED;
    default:
      return ARES_EBADRESP;
  }
}

std::uint32_t answer_ttl(const DnsReply& reply) {
  const auto& m = reply.message;
  if (m.size() < header_size) return 0;
  const std::uint16_t questions = u16(m.data() + 4);
  const std::uint16_t answers = u16(m.data() + 6);
  const std::uint16_t authority = u16(m.data() + 8);
  std::size_t pos = header_size;
  for (std::uint16_t i = 0; i < questions; ++i) {
    if (!skip_name(m, pos) || pos + 4 > m.size()) return 0;
    pos += 4;
  }
  std::optional<std::uint32_t> smallest;
  std::optional<std::uint32_t> negative;
  const unsigned total = static_cast<unsigned>(answers) + authority;
  for (unsigned i = 0; i < total; ++i) {
    if (!skip_name(m, pos) || pos + 10 > m.size()) return 0;
    const std::uint16_t type = u16(m.data() + pos);
    const std::uint32_t ttl = (static_cast<std::uint32_t>(u16(m.data() + pos + 4)) << 16) | u16(m.data() + pos + 6);
    const std::uint16_t rdlength = u16(m.data() + pos + 8);
    pos += 10;
    if (pos + rdlength > m.size()) return 0;
    if (i < answers) {
      smallest = std::min(smallest.value_or(ttl), ttl);
    } else if (type == ns_t_soa && rdlength >= 20) {
      // MINIMUM is the last of the five 32-bit fields after MNAME and RNAME.
      const unsigned char* min_field = m.data() + pos + rdlength - 4;
      const std::uint32_t minimum = (static_cast<std::uint32_t>(u16(min_field)) << 16) | u16(min_field + 2);
      negative = std::min(ttl, minimum);
    }
    pos += rdlength;
  }
  // A TTL with the top bit set is treated as zero (RFC 2181 8).
  const std::uint32_t ttl = answers > 0 ? smallest.value_or(0) : negative.value_or(0);
  return ttl > 0x7FFFFFFFu ? 0 : ttl;
}

bool authenticated(const DnsReply& reply) {
  return reply.message.size() >= header_size && (reply.message[3] & ad_bit) != 0;
}

std::vector<unsigned char> make_query(const std::string& name, int type, int udp_size) {
  unsigned char* raw = nullptr;
  int len = 0;
  const int rc = ares_create_query(name.c_str(), ns_c_in, type, 0, 1, &raw, &len, udp_size);
  std::unique_ptr<unsigned char, CaresString> buf(raw);
  if (rc != ARES_SUCCESS || len < static_cast<int>(header_size)) return {};
  std::vector<unsigned char> query(buf.get(), buf.get() + len);
  query[3] |= ad_bit;
  return query;
}

TlsaResult parse_tlsa(const DnsReply& reply) {
  TlsaResult out;
  out.authenticated = authenticated(reply);
  if (reply.status != ARES_SUCCESS) {
    out.status = status_of(reply.status);
    return out;
  }
  const auto& m = reply.message;
  out.status = DnsStatus::temp_failure;  // until the whole answer section has been read
  if (m.size() < header_size) return out;
  const std::uint16_t questions = u16(m.data() + 4);
  const std::uint16_t answers = u16(m.data() + 6);
  std::vector<TlsaRecord> records;  // handed out only once the whole answer has been read
  std::size_t pos = header_size;
  for (std::uint16_t i = 0; i < questions; ++i) {
    if (!skip_name(m, pos) || pos + 4 > m.size()) return out;
    pos += 4;  // type, class
  }
  for (std::uint16_t i = 0; i < answers; ++i) {
    if (!skip_name(m, pos) || pos + 10 > m.size()) return out;
    const std::uint16_t type = u16(m.data() + pos);
    const std::uint16_t cls = u16(m.data() + pos + 2);
    const std::uint16_t rdlength = u16(m.data() + pos + 8);
    pos += 10;
    if (pos + rdlength > m.size()) return out;
    if (type == 52 && cls == ns_c_in) {  // TLSA
      if (rdlength < 3) return out;      // usage, selector, mtype are mandatory
      TlsaRecord r;
      r.usage = m[pos];
      r.selector = m[pos + 1];
      r.mtype = m[pos + 2];
      r.data.assign(m.begin() + static_cast<std::ptrdiff_t>(pos + 3),
                    m.begin() + static_cast<std::ptrdiff_t>(pos + rdlength));
      records.push_back(std::move(r));
    }
    pos += rdlength;  // CNAMEs of the chain and anything else are stepped over
  }
  out.status = records.empty() ? DnsStatus::nodata : DnsStatus::ok;
  out.records = std::move(records);
  return out;
}

}  // namespace portcullis::net::detail
