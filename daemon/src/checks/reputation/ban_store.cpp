// checks/reputation/ban_store.hpp: ban refreshes and writes on the worker pool.
#include "checks/reputation/ban_store.hpp"

#include <exception>
#include <optional>
#include <vector>

#include "core/async.hpp"

namespace portcullis::checks::reputation {

namespace asio = boost::asio;

asio::awaitable<std::string> refresh_bans(BanCache& cache, asio::thread_pool& workers, store::Store& store,
                                          std::mutex& store_mutex, std::int64_t now) {
  const std::uint64_t ticket = cache.begin_refresh();
  std::optional<std::vector<store::Ban>> bans;
  std::string error;
  try {
    auto op = core::offload(workers, [&] {
      std::lock_guard lock(store_mutex);
      return store.ban_list(now);
    });
    bans = co_await std::move(op);
  } catch (const std::exception& e) {
    error = std::string("ban list not refreshed: ") + e.what();
  }
  if (bans) cache.finish_refresh(ticket, *bans, now);
  co_return error;
}

asio::awaitable<std::string> persist_ban(BanCache& cache, asio::thread_pool& workers, store::Store& store,
                                         std::mutex& store_mutex, store::Ban ban) {
  cache.add_local(ban);
  std::string error;
  try {
    auto op = core::offload(workers, [&] {
      std::lock_guard lock(store_mutex);
      store.ban_add(ban);
    });
    co_await std::move(op);
    cache.written(ban.ip);
  } catch (const std::exception& e) {
    error = "ban of " + ban.ip + " not written to the store: " + e.what();
  }
  co_return error;
}

}  // namespace portcullis::checks::reputation
