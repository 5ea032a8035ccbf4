// net/deadline_dns.hpp
#include "net/deadline_dns.hpp"

namespace portcullis::net {

namespace asio = boost::asio;

namespace {

template <class R>
asio::awaitable<R> timed_out() {
  R r;
  r.status = DnsStatus::temp_failure;
  co_return r;
}

}  // namespace

asio::awaitable<TxtResult> DeadlineDns::txt(std::string name) {
  return expired() ? timed_out<TxtResult>() : upstream_.txt(std::move(name));
}

asio::awaitable<AddressResult> DeadlineDns::a(std::string name) {
  return expired() ? timed_out<AddressResult>() : upstream_.a(std::move(name));
}

asio::awaitable<AddressResult> DeadlineDns::aaaa(std::string name) {
  return expired() ? timed_out<AddressResult>() : upstream_.aaaa(std::move(name));
}

asio::awaitable<MxResult> DeadlineDns::mx(std::string name) {
  return expired() ? timed_out<MxResult>() : upstream_.mx(std::move(name));
}

asio::awaitable<PtrResult> DeadlineDns::ptr(asio::ip::address ip) {
  return expired() ? timed_out<PtrResult>() : upstream_.ptr(ip);
}

}  // namespace portcullis::net
