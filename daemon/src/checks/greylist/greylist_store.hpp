// Greylisting against the store: the bypasses, then greylist_get, decide and greylist_put for
// the triplet in one go on the worker pool (core::offload), under the caller's store mutex
// (the store is used by one worker at a time). Nothing blocks the event loop.
// Fails open: when the store cannot be read or written the recipient passes, and the decision
// says so (failed_open, reason with the store's error) for the log. Greylisting delays mail;
// it must never lose or block it because the database is down.
//
// GCC 12: make the awaitable first, then co_await std::move(op) (the request is taken by value).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <mutex>

#include "checks/greylist/greylist.hpp"
#include "store/store.hpp"

namespace portcullis::checks::greylist {

// `settings` must outlive the call.
boost::asio::awaitable<Decision> check(boost::asio::thread_pool& workers, store::Store& store, std::mutex& store_mutex,
                                       Request request, const Settings& settings, std::int64_t now);

}  // namespace portcullis::checks::greylist
