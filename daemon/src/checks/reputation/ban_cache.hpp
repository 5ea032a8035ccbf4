// The bans in force, in memory, so that the connect check never asks the database: a copy of
// the store's ban list (every gateway sharing the store writes there), refreshed by the daemon
// on a timer (ban_store.hpp: refresh_bans), plus the bans this gateway has just decided, which
// count at once.
//
// A local ban stays in the cache until a refresh that began after the store confirmed its
// write no longer lists it (an admin removed it: `portcullis ban remove`), or it expires. A
// ban whose write failed (store down) keeps counting here until it expires. find() matches
// the client's key (client_key: IPv4 address, IPv6 /64) and, for IPv6, the exact address too
// (an admin may ban a single host). Bounded: at most max_entries bans are held; beyond that
// the one ending first is dropped. Not thread-safe: used on the io_context only.
#pragma once
#include <boost/asio/ip/address.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"

namespace portcullis::checks::reputation {

class BanCache {
 public:
  explicit BanCache(std::size_t max_entries = 100000, unsigned ipv6_prefix = 64);

  // The ban in force for `client` at `now` (unix seconds), if any.
  std::optional<store::Ban> find(const boost::asio::ip::address& client, std::int64_t now) const;

  // A ban decided here (AutoBan::record): in force at once, pending until written.
  void add_local(const store::Ban& ban);
  // The store has the ban of `key` (ban.ip): from now on a refresh may drop it.
  void written(const std::string& key);

  // A refresh: take a ticket before reading ban_list(now) from the store, then hand the list
  // over. A failed read just skips finish_refresh (the cache keeps what it has).
  std::uint64_t begin_refresh();
  void finish_refresh(std::uint64_t ticket, const std::vector<store::Ban>& bans, std::int64_t now);

  // Drops expired bans (finish_refresh does it too).
  void prune(std::int64_t now);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    store::Ban ban;
    bool local = false;              // decided here, not yet seen in a refresh
    bool confirmed = false;          // the store has it
    std::uint64_t confirmed_at = 0;  // generation when the write was confirmed
  };
  void insert(std::string key, Entry entry);

  std::size_t max_entries_;
  unsigned ipv6_prefix_;
  std::unordered_map<std::string, Entry> entries_;
  std::uint64_t generation_ = 0;
};

// The reply to a banned client: "421 4.7.0 HOST Too many failures from your address, try again
// in N minutes" (HOST left out when empty). A ban is temporary, so the code is 4xx: a
// misconfigured but honest server retries later instead of bouncing its mail.
std::string ban_reply(const store::Ban& ban, std::int64_t now, std::string_view hostname = {});

}  // namespace portcullis::checks::reputation
