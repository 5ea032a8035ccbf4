// Several DNS lookups at once under one time bound (header only; the DNSBL lookups, the
// HELO/sender-domain checks and portcullis dnsbl test use it).
//
// gather(lookups, timeout) starts every lookup (awaitables from a net::DnsSource) on the
// caller's executor and resumes the caller when all have answered or when `timeout` has
// passed, whichever comes first. results[i] is lookups[i]'s answer, nullopt if it had not
// answered in time; a lookup that throws gives a default result (status temp_failure).
// DnsSource lookups cannot be cancelled (Boost 1.74 has no per-operation cancellation): one
// still running at the timeout goes on in the background, bounded by the resolver's own
// timeout, and its answer is dropped. So the DnsSource must outlive the lookups, not just the
// call (the daemon's resolver lives as long as the daemon).
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace portcullis::core {

template <class R>
boost::asio::awaitable<std::vector<std::optional<R>>> gather(std::vector<boost::asio::awaitable<R>>& lookups,
                                                             std::chrono::steady_clock::duration timeout) {
  using Results = std::vector<std::optional<R>>;
  if (lookups.empty()) co_return Results{};
  // The initiation captures a pointer and a duration only (GCC 12 destroys owning captures of
  // lambdas in co_await expressions twice); the shared state lives in the completions.
  std::vector<boost::asio::awaitable<R>>* list = &lookups;
  auto initiation = [list, timeout](auto handler) {
    using Handler = decltype(handler);
    struct State {
      State(Handler h, boost::asio::any_io_executor ex, std::size_t n)
          : handler(std::move(h)), executor(ex), timer(ex), results(n), pending(n) {}
      Handler handler;
      boost::asio::any_io_executor executor;
      boost::asio::steady_timer timer;
      Results results;
      std::size_t pending;
      bool done = false;
      static void finish(const std::shared_ptr<State>& s) {
        s->done = true;
        s->timer.cancel();
        boost::asio::post(s->executor, [s]() mutable { std::move(s->handler)(std::move(s->results)); });
      }
    };
    boost::asio::any_io_executor ex = boost::asio::get_associated_executor(handler);
    auto state = std::make_shared<State>(std::move(handler), ex, list->size());
    state->timer.expires_after(timeout);
    state->timer.async_wait([state](const boost::system::error_code& ec) {
      if (!ec && !state->done) State::finish(state);
    });
    for (std::size_t i = 0; i < list->size(); ++i) {
      boost::asio::co_spawn(ex, std::move((*list)[i]), [state, i](std::exception_ptr error, R r) {
        if (state->done) return;
        state->results[i] = error ? R{} : std::move(r);
        if (--state->pending == 0) State::finish(state);
      });
    }
  };
  co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(Results)>(
      initiation, boost::asio::use_awaitable);
}

}  // namespace portcullis::core
