// net/dns_cache.hpp: TTL-honouring answers in front of a DnsSource.
#include "net/dns_cache.hpp"

#include <algorithm>

#include "net/dns.hpp"

namespace portcullis::net {

namespace asio = boost::asio;

namespace {

std::string key_of(std::string_view type, std::string_view name) {
  return std::string(type) + ' ' + canonical_name(name);
}

}  // namespace

DnsCache::DnsCache(DnsSource& upstream, DnsCacheOptions options, Clock clock)
    : upstream_(upstream), options_(options), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::steady_clock::now(); };
  options_.max_entries = std::max<std::size_t>(options_.max_entries, 1);
}

const DnsCache::Answer* DnsCache::fresh(const std::string& key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return nullptr;
  if (clock_() >= it->second.expires) {
    order_.erase(it->second.age);
    entries_.erase(it);
    return nullptr;
  }
  return &it->second.answer;
}

void DnsCache::keep(const std::string& key, const Answer& answer, DnsStatus status, std::uint32_t ttl) {
  const bool positive = status == DnsStatus::ok;
  if (!positive && status != DnsStatus::nxdomain && status != DnsStatus::nodata) return;  // failures
  const auto cap = positive ? options_.max_ttl : options_.max_negative_ttl;
  const auto keep_for = std::min<std::chrono::seconds>(std::chrono::seconds(ttl), cap);
  if (keep_for.count() <= 0) return;
  if (auto it = entries_.find(key); it != entries_.end()) {
    order_.erase(it->second.age);
    entries_.erase(it);
  }
  while (entries_.size() >= options_.max_entries && !order_.empty()) {
    entries_.erase(order_.front());
    order_.pop_front();
  }
  order_.push_back(key);
  entries_.emplace(key, Entry{answer, clock_() + keep_for, std::prev(order_.end())});
}

template <class R>
asio::awaitable<R> DnsCache::through(std::string key, asio::awaitable<R> fetch) {
  if (const Answer* hit = fresh(key)) {
    ++hits_;
    co_return std::get<R>(*hit);
  }
  ++misses_;
  R result = co_await std::move(fetch);
  keep(key, Answer(result), result.status, result.ttl);
  co_return result;
}

asio::awaitable<TxtResult> DnsCache::txt(std::string name) {
  return through<TxtResult>(key_of("TXT", name), upstream_.txt(name));
}

asio::awaitable<AddressResult> DnsCache::a(std::string name) {
  return through<AddressResult>(key_of("A", name), upstream_.a(name));
}

asio::awaitable<AddressResult> DnsCache::aaaa(std::string name) {
  return through<AddressResult>(key_of("AAAA", name), upstream_.aaaa(name));
}

asio::awaitable<MxResult> DnsCache::mx(std::string name) {
  return through<MxResult>(key_of("MX", name), upstream_.mx(name));
}

asio::awaitable<PtrResult> DnsCache::ptr(asio::ip::address ip) {
  return through<PtrResult>(key_of("PTR", reverse_name(ip)), upstream_.ptr(ip));
}

DnsCache::Stats DnsCache::stats() const { return {hits_, misses_, entries_.size()}; }

}  // namespace portcullis::net
