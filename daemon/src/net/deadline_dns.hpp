// A DnsSource that bounds the time a whole check may spend on DNS: once the deadline has
// passed, every further lookup answers temp_failure at once (without asking). Each lookup is
// itself bounded by the resolver's timeout x tries, so a check that makes many lookups (SPF
// may make 20 and more) ends within deadline + one lookup. RFC 7208 4.6.4 asks for at least
// 20 s for SPF.
#pragma once
#include <chrono>

#include "net/dns_source.hpp"

namespace portcullis::net {

class DeadlineDns final : public DnsSource {
 public:
  DeadlineDns(DnsSource& upstream, std::chrono::steady_clock::time_point deadline)
      : upstream_(upstream), deadline_(deadline) {}

  boost::asio::awaitable<TxtResult> txt(std::string name) override;
  boost::asio::awaitable<AddressResult> a(std::string name) override;
  boost::asio::awaitable<AddressResult> aaaa(std::string name) override;
  boost::asio::awaitable<MxResult> mx(std::string name) override;
  boost::asio::awaitable<PtrResult> ptr(boost::asio::ip::address ip) override;

  bool expired() const { return std::chrono::steady_clock::now() >= deadline_; }

 private:
  DnsSource& upstream_;
  std::chrono::steady_clock::time_point deadline_;
};

}  // namespace portcullis::net
