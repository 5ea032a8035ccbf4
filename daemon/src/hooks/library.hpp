// The small safe library given to rule scripts instead of io/os/package:
//   log.debug|info|warn|error(message [, fields])   one log line: event=lua script=... msg=...
//   addr.parse(a) -> {localpart=, domain=} | nil     addr.domain(a), addr.localpart(a)
//   addr.is_valid(a)    addr.in_domain(a_or_domain, domain)   (domain or one of its subdomains)
//   ip.is_valid(s)      ip.version(s) -> 4 | 6 | nil          ip.in_cidr(ip, cidr_or_list)
//   kv.get(key) -> value | nil      kv.set(key, value [, ttl_seconds])
//   kv.incr(key [, delta [, ttl_seconds]]) -> new value       kv.delete(key)
// kv is the Store's key/value table (shared by every gateway on the same database); keys
// get the prefix "lua:". A store failure returns nil plus an error message instead of raising.
#pragma once
#include <functional>
#include <string>

#include <lua.hpp>

#include "store/store.hpp"

namespace portcullis::hooks {

// What the library needs from its worker; lives as long as the Lua state.
struct HostServices {
  // The worker's store connection, or nullptr when none can be had (kv then fails softly).
  std::function<store::Store*()> store;
};

void add_library(lua_State* L, int env_index, const std::string& script, HostServices* host);

}  // namespace portcullis::hooks
