// A DnsSource that serves zone data held in memory: for unit tests (the SPF conformance
// suite, DKIM and DMARC examples) and fuzz targets. No network, no time: every lookup
// completes at once.
//
// A name with no record of any kind does not exist (nxdomain); a name with records of other
// types only answers nodata. A name that is not a well-formed DNS name (valid_dns_name) is a
// perm_failure, as from the real Resolver. `timeout(name, type)` makes lookups of that type
// at that name a temp_failure; `timeout(name)` makes every lookup there one. CNAMEs are
// followed (up to 8 deep) for every type. Names compare case-insensitively, without the
// final dot.
#pragma once
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "net/dns_source.hpp"

namespace portcullis::net {

enum class RrType { txt, a, aaaa, mx, ptr, cname };
std::string_view to_string(RrType type);

class StaticDns final : public DnsSource {
 public:
  void add_txt(std::string_view name, std::string value);
  // `name` can hold an A or an AAAA record: the address decides.
  void add_address(std::string_view name, const boost::asio::ip::address& ip);
  void add_mx(std::string_view name, std::uint16_t preference, std::string_view host);
  void add_ptr(const boost::asio::ip::address& ip, std::string_view host);
  void add_cname(std::string_view name, std::string_view target);
  // Makes `name` exist with no records (nodata for every type).
  void add_empty(std::string_view name);
  void timeout(std::string_view name, RrType type);
  void timeout(std::string_view name);
  // The TTL every answer (and every nxdomain/nodata) carries; 300 unless set.
  void set_ttl(std::uint32_t seconds) { ttl_ = seconds; }

  // Every lookup made, as "TYPE name" ("TXT example.com"), in order.
  const std::vector<std::string>& queries() const { return queries_; }
  void clear_queries() { queries_.clear(); }

  boost::asio::awaitable<TxtResult> txt(std::string name) override;
  boost::asio::awaitable<AddressResult> a(std::string name) override;
  boost::asio::awaitable<AddressResult> aaaa(std::string name) override;
  boost::asio::awaitable<MxResult> mx(std::string name) override;
  boost::asio::awaitable<PtrResult> ptr(boost::asio::ip::address ip) override;

 private:
  struct Node {
    std::vector<std::string> txt;
    std::vector<boost::asio::ip::address> a, aaaa;
    std::vector<MxRecord> mx;
    std::vector<std::string> ptr;
    std::string cname;
    std::set<RrType> timeouts;
    bool timeout_all = false;
  };
  // The node a lookup of `type` at `name` ends at (CNAMEs followed), and the status when
  // there is none or the lookup fails.
  struct Found {
    const Node* node = nullptr;
    DnsStatus status = DnsStatus::ok;
  };
  Found find(std::string_view name, RrType type);
  Node& node(std::string_view name);
  template <class R, class T>
  R answer(std::string_view name, RrType type, std::vector<T> Node::*records, std::vector<T> R::*out);

  std::map<std::string, Node> zone_;
  std::vector<std::string> queries_;
  std::uint32_t ttl_ = 300;
};

}  // namespace portcullis::net
