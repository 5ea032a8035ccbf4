// Unit tests of coroutine code: run_async runs one awaitable on a fresh io_context to its end;
// run_until runs an io_context in short slices until a condition holds (bounded).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <utility>

namespace portcullis::testing {

template <class T>
T run_async(boost::asio::awaitable<T> op) {
  boost::asio::io_context io;
  std::optional<T> out;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { out = co_await std::move(op); },
                        boost::asio::detached);
  io.run();
  if (!out) throw std::runtime_error("the operation did not complete");
  return std::move(*out);
}

// Runs `io` in slices of 20 ms until `done()`, at most `slices` of them (default: 5 s); false
// if it never held.
template <class F>
bool run_until(boost::asio::io_context& io, F done, int slices = 250) {
  for (int i = 0; i < slices; ++i) {
    io.restart();
    io.run_for(std::chrono::milliseconds(20));
    if (done()) return true;
  }
  return false;
}

}  // namespace portcullis::testing
