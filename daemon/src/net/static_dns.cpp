// net/static_dns.hpp: zone data in memory.
#include "net/static_dns.hpp"

#include <algorithm>

#include "net/dns.hpp"

namespace portcullis::net {

std::string_view to_string(RrType type) {
  switch (type) {
    case RrType::txt: return "TXT";
    case RrType::a: return "A";
    case RrType::aaaa: return "AAAA";
    case RrType::mx: return "MX";
    case RrType::ptr: return "PTR";
    case RrType::cname: return "CNAME";
  }
  return "?";
}

StaticDns::Node& StaticDns::node(std::string_view name) { return zone_[canonical_name(name)]; }

void StaticDns::add_txt(std::string_view name, std::string value) { node(name).txt.push_back(std::move(value)); }

void StaticDns::add_address(std::string_view name, const boost::asio::ip::address& ip) {
  auto& n = node(name);
  (ip.is_v4() ? n.a : n.aaaa).push_back(ip);
}

void StaticDns::add_mx(std::string_view name, std::uint16_t preference, std::string_view host) {
  node(name).mx.push_back({preference, canonical_name(host)});
}

void StaticDns::add_ptr(const boost::asio::ip::address& ip, std::string_view host) {
  node(reverse_name(ip)).ptr.push_back(canonical_name(host));
}

void StaticDns::add_cname(std::string_view name, std::string_view target) { node(name).cname = canonical_name(target); }

void StaticDns::add_empty(std::string_view name) { (void)node(name); }

void StaticDns::timeout(std::string_view name, RrType type) { node(name).timeouts.insert(type); }

void StaticDns::timeout(std::string_view name) { node(name).timeout_all = true; }

StaticDns::Found StaticDns::find(std::string_view name, RrType type) {
  queries_.push_back(std::string(to_string(type)) + " " + canonical_name(name));
  if (!valid_dns_name(name)) return {nullptr, DnsStatus::perm_failure};
  std::string key = canonical_name(name);
  for (int depth = 0; depth < 8; ++depth) {
    auto it = zone_.find(key);
    if (it == zone_.end()) return {nullptr, DnsStatus::nxdomain};
    const Node& n = it->second;
    if (n.timeout_all || n.timeouts.count(type)) return {nullptr, DnsStatus::temp_failure};
    if (n.cname.empty()) return {&n, DnsStatus::ok};
    key = n.cname;
  }
  return {nullptr, DnsStatus::temp_failure};  // a CNAME loop: SERVFAIL from a real resolver
}

template <class R, class T>
R StaticDns::answer(std::string_view name, RrType type, std::vector<T> Node::*records, std::vector<T> R::*out) {
  R r;
  const auto f = find(name, type);
  r.status = f.status;
  if (f.node) {
    r.*out = f.node->*records;
    r.status = (r.*out).empty() ? DnsStatus::nodata : DnsStatus::ok;
  }
  if (r.status != DnsStatus::temp_failure && r.status != DnsStatus::perm_failure) r.ttl = ttl_;
  return r;
}

boost::asio::awaitable<TxtResult> StaticDns::txt(std::string name) {
  co_return answer(name, RrType::txt, &Node::txt, &TxtResult::records);
}

boost::asio::awaitable<AddressResult> StaticDns::a(std::string name) {
  co_return answer(name, RrType::a, &Node::a, &AddressResult::addresses);
}

boost::asio::awaitable<AddressResult> StaticDns::aaaa(std::string name) {
  co_return answer(name, RrType::aaaa, &Node::aaaa, &AddressResult::addresses);
}

boost::asio::awaitable<MxResult> StaticDns::mx(std::string name) {
  MxResult r;
  const auto f = find(name, RrType::mx);
  r.status = f.status;
  if (f.node) {
    const auto& all = f.node->mx;
    r.null_mx = !all.empty() && std::all_of(all.begin(), all.end(), [](const MxRecord& m) { return m.host.empty(); });
    for (const auto& m : all)
      if (!m.host.empty()) r.records.push_back(m);
    std::stable_sort(r.records.begin(), r.records.end(),
                     [](const MxRecord& x, const MxRecord& y) { return x.preference < y.preference; });
    r.status = all.empty() ? DnsStatus::nodata : DnsStatus::ok;
  }
  if (r.status != DnsStatus::temp_failure && r.status != DnsStatus::perm_failure) r.ttl = ttl_;
  co_return r;
}

boost::asio::awaitable<PtrResult> StaticDns::ptr(boost::asio::ip::address ip) {
  co_return answer(reverse_name(ip), RrType::ptr, &Node::ptr, &PtrResult::names);
}

}  // namespace portcullis::net
