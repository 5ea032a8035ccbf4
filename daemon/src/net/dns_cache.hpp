// A small DNS cache in front of a DnsSource (the c-ares Resolver in the daemon): answers are
// kept for their TTL (RFC 2181 8; negative answers for the SOA's negative TTL, RFC 2308 5),
// capped by max_ttl / max_negative_ttl, so that the sender-authentication checks of a burst of
// messages from one domain ask the network once. Temporary failures and answers without a TTL
// are never kept. At most max_entries answers are held; the oldest goes first.
//
// Not thread-safe: like the Resolver, it belongs to one executor (the daemon's main loop).
#pragma once
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <variant>

#include "net/dns_source.hpp"

namespace portcullis::net {

struct DnsCacheOptions {
  std::size_t max_entries = 20000;
  std::chrono::seconds max_ttl{std::chrono::hours(24)};
  std::chrono::seconds max_negative_ttl{std::chrono::minutes(15)};
};

class DnsCache final : public DnsSource {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  // `upstream` must outlive the cache; `clock` defaults to steady_clock::now (tests inject one).
  explicit DnsCache(DnsSource& upstream, DnsCacheOptions options = {}, Clock clock = {});

  boost::asio::awaitable<TxtResult> txt(std::string name) override;
  boost::asio::awaitable<AddressResult> a(std::string name) override;
  boost::asio::awaitable<AddressResult> aaaa(std::string name) override;
  boost::asio::awaitable<MxResult> mx(std::string name) override;
  boost::asio::awaitable<PtrResult> ptr(boost::asio::ip::address ip) override;

  struct Stats {
    std::size_t hits = 0;
    std::size_t misses = 0;
    std::size_t entries = 0;
  };
  Stats stats() const;

 private:
  using Answer = std::variant<TxtResult, AddressResult, MxResult, PtrResult>;
  struct Entry {
    Answer answer;
    std::chrono::steady_clock::time_point expires;
    std::list<std::string>::iterator age;  // its place in `order_`
  };
  template <class R>
  boost::asio::awaitable<R> through(std::string key, boost::asio::awaitable<R> fetch);
  const Answer* fresh(const std::string& key);
  void keep(const std::string& key, const Answer& answer, DnsStatus status, std::uint32_t ttl);

  DnsSource& upstream_;
  DnsCacheOptions options_;
  Clock clock_;
  std::unordered_map<std::string, Entry> entries_;
  std::list<std::string> order_;  // oldest first
  std::size_t hits_ = 0;
  std::size_t misses_ = 0;
};

}  // namespace portcullis::net
