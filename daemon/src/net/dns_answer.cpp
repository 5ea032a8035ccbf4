// c-ares answer parsing for net/dns (see dns_detail.hpp).
#include "net/dns_detail.hpp"

#include <netdb.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <random>
#include <string>

namespace portcullis::net::detail {

namespace {

struct DataFree {
  void operator()(void* p) const { ares_free_data(p); }
};
struct HostentFree {
  void operator()(hostent* p) const { ares_free_hostent(p); }
};
using HostentPtr = std::unique_ptr<hostent, HostentFree>;

const unsigned char* data_of(const DnsReply& r) { return r.message.data(); }
int size_of(const DnsReply& r) { return static_cast<int>(r.message.size()); }

// The status of a parse that followed a successful query: no records of the type in the
// answer (only CNAMEs, say) is NODATA; a message c-ares cannot read is a temporary failure.
DnsStatus parse_status(int rc) { return rc == ARES_ENODATA ? DnsStatus::nodata : DnsStatus::temp_failure; }

std::string without_dot(const char* name) {
  std::string s = name ? name : "";
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

std::mt19937& rng() {
  thread_local std::mt19937 engine{std::random_device{}()};
  return engine;
}

struct Family {
  DnsStatus status = DnsStatus::temp_failure;
  std::vector<boost::asio::ip::address> addresses;
};

template <int Type>
Family parse_family(const DnsReply& r) {
  Family f;
  if (r.status != ARES_SUCCESS) {
    f.status = status_of(r.status);
    return f;
  }
  hostent* raw = nullptr;
  int rc = Type == AF_INET ? ares_parse_a_reply(data_of(r), size_of(r), &raw, nullptr, nullptr)
                           : ares_parse_aaaa_reply(data_of(r), size_of(r), &raw, nullptr, nullptr);
  HostentPtr host(raw);
  if (rc != ARES_SUCCESS) {
    f.status = parse_status(rc);
    return f;
  }
  for (char** p = host->h_addr_list; p && *p; ++p) {
    if constexpr (Type == AF_INET) {
      boost::asio::ip::address_v4::bytes_type bytes;
      std::memcpy(bytes.data(), *p, bytes.size());
      f.addresses.emplace_back(boost::asio::ip::address_v4(bytes));
    } else {
      boost::asio::ip::address_v6::bytes_type bytes;
      std::memcpy(bytes.data(), *p, bytes.size());
      f.addresses.emplace_back(boost::asio::ip::address_v6(bytes));
    }
  }
  f.status = f.addresses.empty() ? DnsStatus::nodata : DnsStatus::ok;
  return f;
}

}  // namespace

DnsStatus status_of(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:
      return DnsStatus::ok;
    case ARES_ENODATA:
      return DnsStatus::nodata;
    case ARES_ENOTFOUND:
      return DnsStatus::nxdomain;
    case ARES_EBADNAME:
    case ARES_EBADQUERY:
      return DnsStatus::perm_failure;
    default:  // ETIMEOUT, ESERVFAIL, EREFUSED, ECONNREFUSED, EBADRESP, EDESTRUCTION...
      return DnsStatus::temp_failure;
  }
}

MxResult parse_mx(const DnsReply& reply) {
  MxResult out;
  if (reply.status != ARES_SUCCESS) {
    out.status = status_of(reply.status);
    return out;
  }
  ares_mx_reply* raw = nullptr;
  int rc = ares_parse_mx_reply(data_of(reply), size_of(reply), &raw);
  std::unique_ptr<ares_mx_reply, DataFree> head(raw);
  if (rc != ARES_SUCCESS) {
    out.status = parse_status(rc);
    return out;
  }
  std::size_t total = 0;
  for (const ares_mx_reply* mx = head.get(); mx; mx = mx->next) {
    ++total;
    std::string host = without_dot(mx->host);
    if (host.empty()) continue;  // "." : the null MX target, never a host to connect to
    out.records.push_back(MxRecord{mx->priority, std::move(host)});
  }
  if (total == 0) {
    out.status = DnsStatus::nodata;
    return out;
  }
  out.status = DnsStatus::ok;
  out.null_mx = out.records.empty();
  std::shuffle(out.records.begin(), out.records.end(), rng());
  std::stable_sort(out.records.begin(), out.records.end(),
                   [](const MxRecord& a, const MxRecord& b) { return a.preference < b.preference; });
  return out;
}

AddressResult parse_addresses(const DnsReply& a, const DnsReply& aaaa) {
  const std::array<Family, 2> families{parse_family<AF_INET>(a), parse_family<AF_INET6>(aaaa)};
  AddressResult out;
  auto any = [&](DnsStatus s) {
    return std::any_of(families.begin(), families.end(), [s](const Family& f) { return f.status == s; });
  };
  if (any(DnsStatus::ok)) {
    out.status = DnsStatus::ok;
    for (const Family& f : families) out.addresses.insert(out.addresses.end(), f.addresses.begin(), f.addresses.end());
  } else if (any(DnsStatus::temp_failure)) {
    out.status = DnsStatus::temp_failure;
  } else if (any(DnsStatus::perm_failure)) {
    out.status = DnsStatus::perm_failure;
  } else if (any(DnsStatus::nxdomain)) {
    out.status = DnsStatus::nxdomain;
  } else {
    out.status = DnsStatus::nodata;
  }
  return out;
}

TxtResult parse_txt(const DnsReply& reply) {
  TxtResult out;
  if (reply.status != ARES_SUCCESS) {
    out.status = status_of(reply.status);
    return out;
  }
  ares_txt_ext* raw = nullptr;
  int rc = ares_parse_txt_reply_ext(data_of(reply), size_of(reply), &raw);
  std::unique_ptr<ares_txt_ext, DataFree> head(raw);
  if (rc != ARES_SUCCESS) {
    out.status = parse_status(rc);
    return out;
  }
  for (const ares_txt_ext* t = head.get(); t; t = t->next) {
    if (t->record_start || out.records.empty()) out.records.emplace_back();
    out.records.back().append(reinterpret_cast<const char*>(t->txt), t->length);
  }
  out.status = out.records.empty() ? DnsStatus::nodata : DnsStatus::ok;
  return out;
}

PtrResult parse_ptr(const DnsReply& reply) {
  PtrResult out;
  if (reply.status != ARES_SUCCESS) {
    out.status = status_of(reply.status);
    return out;
  }
  hostent* raw = nullptr;
  const std::array<unsigned char, 4> unused{};  // c-ares copies it into the hostent; we ignore it
  int rc = ares_parse_ptr_reply(data_of(reply), size_of(reply), unused.data(), static_cast<int>(unused.size()),
                                AF_INET, &raw);
  HostentPtr host(raw);
  if (rc != ARES_SUCCESS) {
    out.status = parse_status(rc);
    return out;
  }
  auto add = [&out](const char* name) {
    std::string n = without_dot(name);
    if (!n.empty() && std::find(out.names.begin(), out.names.end(), n) == out.names.end()) out.names.push_back(n);
  };
  // c-ares lists every PTR target among the aliases and repeats the last one as h_name.
  for (char** p = host->h_aliases; p && *p; ++p) add(*p);
  add(host->h_name);
  out.status = out.names.empty() ? DnsStatus::nodata : DnsStatus::ok;
  return out;
}

}  // namespace portcullis::net::detail
