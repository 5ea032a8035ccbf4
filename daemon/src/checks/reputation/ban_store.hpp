// Bans and the store: the BanCache refresh (the daemon calls it on its timer) and the write of
// a ban this gateway decided. Store calls block, so they run on the worker pool
// (core::offload), one at a time under the caller's store mutex (the store is used by one
// worker at a time); the cache is touched on the caller's executor only. A store error is
// returned as text for the log, never thrown: the cache keeps what it had, a local ban keeps
// counting until it expires.
//
// GCC 12: make the awaitable first, then co_await std::move(op) (the ban is taken by value).
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <mutex>
#include <string>

#include "checks/reputation/ban_cache.hpp"
#include "store/store.hpp"

namespace portcullis::checks::reputation {

// Reads ban_list(now) and hands it to the cache. Returns "" or the error.
boost::asio::awaitable<std::string> refresh_bans(BanCache& cache, boost::asio::thread_pool& workers,
                                                 store::Store& store, std::mutex& store_mutex, std::int64_t now);

// Puts `ban` in the cache at once, then writes it with ban_add. Returns "" or the error.
boost::asio::awaitable<std::string> persist_ban(BanCache& cache, boost::asio::thread_pool& workers,
                                                store::Store& store, std::mutex& store_mutex, store::Ban ban);

}  // namespace portcullis::checks::reputation
