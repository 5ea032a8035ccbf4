// Small Asio helpers shared by the rooms that do I/O:
//  - offload(pool, fn): run a blocking function (fsync, SQLite) on a worker pool and resume the
//    calling coroutine on its own executor with the result (or the exception).
//    Give it a lambda that captures by reference only ([&], [this]): the caller's frame outlives
//    the call, and GCC 12 destroys owning captures of a lambda written inside a co_await
//    expression twice (seen as an ASan double-free).
//  - Deadline: arms a timer that cancels an I/O object when an operation takes too long.
#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

namespace portcullis::core {

namespace detail {
template <class R>
struct Boxed {
  std::optional<R> value;
};
template <>
struct Boxed<void> {};
}  // namespace detail

template <class F, class R = std::invoke_result_t<F>>
boost::asio::awaitable<R> offload(boost::asio::thread_pool& pool, F fn) {
  using Box = detail::Boxed<R>;
  // The function stays in this coroutine's frame (suspended until the work is done); the
  // initiation and the posted work capture only pointers. GCC 12 destroys some objects captured
  // by value in a co_await expression twice, so nothing with a destructor is captured there.
  F* work = &fn;
  boost::asio::thread_pool* workers = &pool;
  auto initiation = [work, workers](auto handler) {
    auto ex = boost::asio::get_associated_executor(handler);
    boost::asio::post(*workers, [work, handler = std::move(handler), ex]() mutable {
      std::exception_ptr error;
      Box result;
      try {
        if constexpr (std::is_void_v<R>) {
          (*work)();
        } else {
          result.value.emplace((*work)());
        }
      } catch (...) {
        error = std::current_exception();
      }
      boost::asio::post(ex, [handler = std::move(handler), error, result = std::move(result)]() mutable {
        std::move(handler)(error, std::move(result));
      });
    });
  };
  auto box = co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable),
                                                  void(std::exception_ptr, Box)>(initiation,
                                                                                 boost::asio::use_awaitable);
  if constexpr (!std::is_void_v<R>) co_return std::move(*box.value);
}

// Cancels `target` (anything with cancel()) if the deadline passes before disarm/destruction.
// Usage: { Deadline d(ex, 30s, [&]{ socket.cancel(); }); co_await socket.async_read_some(...); }
class Deadline {
 public:
  Deadline(boost::asio::any_io_executor ex, std::chrono::steady_clock::duration after, std::function<void()> on_expiry)
      : timer_(std::move(ex)), state_(std::make_shared<State>()) {
    timer_.expires_after(after);
    // The handler may already be queued when the Deadline goes away: it checks `alive`
    // so on_expiry never touches an object that no longer exists.
    timer_.async_wait([state = state_, fn = std::move(on_expiry)](const boost::system::error_code& ec) {
      if (!ec && state->alive) {
        state->expired = true;
        fn();
      }
    });
  }
  ~Deadline() {
    state_->alive = false;
    timer_.cancel();
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  bool expired() const { return state_->expired; }

 private:
  struct State {
    bool alive = true;
    bool expired = false;
  };
  boost::asio::steady_timer timer_;
  std::shared_ptr<State> state_;
};

}  // namespace portcullis::core
