// Auto-ban: counts each client's failures in memory and bans a client that fails too often
// (hMailServer's auto-ban; fail2ban inside the daemon). A failure is an invalid command, a
// relay attempt (RCPT refused as relay), a failed AUTH, or a session closed for too many
// errors. max_failures failures within `window` (a sliding window: the last max_failures
// failure times are kept) make a ban of `ban_for`; the client's count then starts over.
//
// Clients are keyed by client_key (IPv4 address, IPv6 /64). The exemption predicate
// (loopback, relay networks, trusted IP ranges: the caller decides) is asked first: exempt
// clients are never counted. Memory is bounded: at most max_tracked clients are counted;
// beyond that the one whose last failure is oldest is forgotten.
//
// AutoBan only decides. The caller puts the ban in the BanCache at once and writes it to the
// store (checks/reputation/ban_store.hpp) so that other gateways see it. Not thread-safe: one
// per io_context (the daemon runs one).
#pragma once
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.hpp"

namespace portcullis::checks::reputation {

enum class Failure { invalid_command, relay_attempt, auth_failed, too_many_errors };
std::string_view to_string(Failure failure);

inline constexpr unsigned kMaxFailuresCap = 1000;  // max_failures is capped at this

struct AutoBanSettings {
  unsigned max_failures = 5;              // 0 = auto-ban off
  std::chrono::seconds window{600};       // failures counted within this
  std::chrono::seconds ban_for{3600};     // how long a ban lasts
  std::size_t max_tracked = 100000;       // clients counted at most
  unsigned ipv6_prefix = 64;              // IPv6 clients counted by this network
};

class AutoBan {
 public:
  using Exempt = std::function<bool(const boost::asio::ip::address&)>;
  explicit AutoBan(AutoBanSettings settings, Exempt exempt = {});

  // Records one failure of `client` at `now` (unix seconds). Returns the ban to add when this
  // failure is the max_failures-th within the window: ip = client_key, until = now + ban_for,
  // created = now, reason naming the count and this failure. nullopt otherwise.
  std::optional<store::Ban> record(const boost::asio::ip::address& client, Failure failure, std::int64_t now);

  // Failures of the client's key still inside the window at `now`.
  unsigned failures(const boost::asio::ip::address& client, std::int64_t now) const;
  std::size_t tracked() const { return clients_.size(); }
  const AutoBanSettings& settings() const { return settings_; }
  // New settings (a policy reload); counts kept, trimmed to the new bounds.
  void reconfigure(AutoBanSettings settings);

 private:
  struct Client {
    std::deque<std::int64_t> times;  // oldest first, at most max_failures
    std::list<std::string>::iterator order;
  };
  void trim(Client& c, std::int64_t now) const;
  void evict();

  AutoBanSettings settings_;
  Exempt exempt_;
  std::unordered_map<std::string, Client> clients_;
  std::list<std::string> order_;  // most recently failed first
};

}  // namespace portcullis::checks::reputation
