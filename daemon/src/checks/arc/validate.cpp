// checks/arc/validate.hpp: the key lookups around ValidationCore.
#include "checks/arc/validate.hpp"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "checks/dkim/verify.hpp"

namespace portcullis::checks::arc {

boost::asio::awaitable<ChainResult> Validator::finish(net::DnsSource& dns, std::time_t now) {
  core_.finish_message(now);
  const std::vector<std::string> names = core_.key_names();
  auto lookups = dkim::fetch_key_records(dns, names);
  const std::map<std::string, net::TxtResult> keys = co_await std::move(lookups);
  co_return core_.complete(keys);
}

}  // namespace portcullis::checks::arc
