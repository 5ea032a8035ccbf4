// A DnsSource for timeout tests: answers from a StaticDns, but lookups of the names marked
// slow wait `delay` on a timer first (as a resolver that does not answer in time would).
// release() wakes every waiting lookup at once so a test does not sit out the delay; the woken
// lookups then answer temp_failure. Also used by tests/unit/reputation.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <set>
#include <string>

#include "net/dns.hpp"
#include "net/static_dns.hpp"

namespace portcullis::testing {

class SlowDns final : public net::DnsSource {
 public:
  explicit SlowDns(std::chrono::milliseconds delay) : delay_(delay) {}
  net::StaticDns& zone() { return zone_; }
  void slow(std::string_view name) { slow_.insert(net::canonical_name(name)); }
  void slow_all() { all_slow_ = true; }
  void release() {
    released_ = true;
    for (auto* t : waiting_) t->cancel();
  }
  std::size_t waiting() const { return waiting_.size(); }

  boost::asio::awaitable<net::TxtResult> txt(std::string name) override {
    if (co_await wait(name)) co_return net::TxtResult{};
    auto op = zone_.txt(std::move(name));
    co_return co_await std::move(op);
  }
  boost::asio::awaitable<net::AddressResult> a(std::string name) override {
    if (co_await wait(name)) co_return net::AddressResult{};
    auto op = zone_.a(std::move(name));
    co_return co_await std::move(op);
  }
  boost::asio::awaitable<net::AddressResult> aaaa(std::string name) override {
    if (co_await wait(name)) co_return net::AddressResult{};
    auto op = zone_.aaaa(std::move(name));
    co_return co_await std::move(op);
  }
  boost::asio::awaitable<net::MxResult> mx(std::string name) override {
    if (co_await wait(name)) co_return net::MxResult{};
    auto op = zone_.mx(std::move(name));
    co_return co_await std::move(op);
  }
  boost::asio::awaitable<net::PtrResult> ptr(boost::asio::ip::address ip) override {
    const std::string name = net::reverse_name(ip);
    if (co_await wait(name)) co_return net::PtrResult{};
    auto op = zone_.ptr(ip);
    co_return co_await std::move(op);
  }

 private:
  // Waits when `name` is slow; true if the wait was cut short by release().
  boost::asio::awaitable<bool> wait(const std::string& name) {
    if (released_ || (!all_slow_ && !slow_.count(net::canonical_name(name)))) co_return false;
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(delay_);
    waiting_.insert(&timer);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    waiting_.erase(&timer);
    co_return static_cast<bool>(ec);
  }

  std::chrono::milliseconds delay_;
  net::StaticDns zone_;
  std::set<std::string> slow_;
  std::set<boost::asio::steady_timer*> waiting_;
  bool all_slow_ = false;
  bool released_ = false;
};

}  // namespace portcullis::testing
