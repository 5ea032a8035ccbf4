// checks/greylist/greylist_store.hpp: the decision with the store, on the worker pool.
#include "checks/greylist/greylist_store.hpp"

#include <exception>
#include <optional>
#include <string>

#include "core/async.hpp"

namespace portcullis::checks::greylist {

boost::asio::awaitable<Decision> check(boost::asio::thread_pool& workers, store::Store& store, std::mutex& store_mutex,
                                       Request request, const Settings& settings, std::int64_t now) {
  if (std::string why = bypass_reason(request, settings); !why.empty()) {
    Decision d;
    d.bypassed = true;
    d.reason = "not greylisted: " + why;
    co_return d;
  }
  const Triplet key = triplet(request.client, request.sender, request.recipient);
  std::optional<Decision> decided;
  std::string error;
  try {
    auto op = core::offload(workers, [&] {
      std::lock_guard lock(store_mutex);
      Decision d = decide(key, store.greylist_get(key.client_net, key.sender, key.recipient), now, settings);
      if (d.write) store.greylist_put(*d.write);
      return d;
    });
    decided = co_await std::move(op);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (decided) co_return std::move(*decided);
  Decision d;
  d.failed_open = true;
  d.reason = "not greylisted, the store is unavailable: " + error;
  co_return d;
}

}  // namespace portcullis::checks::greylist
