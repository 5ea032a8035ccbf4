// Runs one awaitable on a fresh io_context to its end (unit tests of coroutine code).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
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

}  // namespace portcullis::testing
