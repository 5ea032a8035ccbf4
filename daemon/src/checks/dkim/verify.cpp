// checks/dkim/verify.hpp: the key lookups, in parallel, around VerificationCore.
#include "checks/dkim/verify.hpp"

#include <atomic>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <map>
#include <utility>

namespace portcullis::checks::dkim {

namespace {

// Every name looked up at once; resumes with the results in the order of `names` (a lookup
// that throws counts as a temporary failure). `dns` and `names` must outlive the call, which
// the awaiting caller guarantees.
boost::asio::awaitable<std::vector<net::TxtResult>> lookup_all(net::DnsSource& dns,
                                                               const std::vector<std::string>& names) {
  // The initiation captures pointers only (GCC 12 destroys owning captures of lambdas in
  // co_await expressions twice); the shared state lives in the lookups' completions.
  net::DnsSource* source = &dns;
  const std::vector<std::string>* list = &names;
  auto initiation = [source, list](auto handler) {
    using Handler = decltype(handler);
    struct State {
      explicit State(Handler h, std::size_t n) : handler(std::move(h)), results(n), pending(n) {}
      Handler handler;
      std::vector<net::TxtResult> results;
      std::atomic<std::size_t> pending;
    };
    auto ex = boost::asio::get_associated_executor(handler);
    auto state = std::make_shared<State>(std::move(handler), list->size());
    for (std::size_t i = 0; i < list->size(); ++i) {
      boost::asio::co_spawn(ex, source->txt((*list)[i]), [state, i, ex](std::exception_ptr error, net::TxtResult r) {
        if (!error) state->results[i] = std::move(r);
        if (state->pending.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
        boost::asio::post(ex, [state]() mutable { std::move(state->handler)(std::move(state->results)); });
      });
    }
  };
  co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                 void(std::vector<net::TxtResult>)>(initiation,
                                                                                     boost::asio::use_awaitable);
}

}  // namespace

boost::asio::awaitable<std::map<std::string, net::TxtResult>> fetch_key_records(net::DnsSource& dns,
                                                                                 const std::vector<std::string>& names) {
  std::map<std::string, net::TxtResult> keys;
  if (names.size() == 1) {
    auto lookup = dns.txt(names.front());  // (GCC 12: the argument is not built inside co_await)
    keys[names.front()] = co_await std::move(lookup);
  } else if (!names.empty()) {
    std::vector<net::TxtResult> results = co_await lookup_all(dns, names);
    for (std::size_t i = 0; i < names.size(); ++i) keys[names[i]] = std::move(results[i]);
  }
  co_return keys;
}

boost::asio::awaitable<std::vector<SignatureResult>> Verifier::finish(net::DnsSource& dns, std::time_t now) {
  core_.finish_message(now);
  const std::vector<std::string> names = core_.key_names();
  auto lookups = fetch_key_records(dns, names);
  const std::map<std::string, net::TxtResult> keys = co_await std::move(lookups);
  co_return core_.complete(keys);
}

}  // namespace portcullis::checks::dkim
