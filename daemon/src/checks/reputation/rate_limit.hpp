// Rate limits per client, in memory on each gateway: connections, messages and recipients per
// minute. Clients are keyed by client_key (IPv4 address, IPv6 /64).
//
// Each limit is a token bucket: it holds up to `limit` tokens and refills at limit per
// minute, so a client may burst up to the limit and then keeps to the rate. Every accepted
// connection/message/recipient takes a token; a refused attempt takes none (a client that
// keeps trying is let in as soon as the rate allows). A limit of 0 is no limit. Memory is
// bounded: at most max_tracked clients; beyond that the least recently seen is forgotten
// (which only ever errs towards letting a client in).
//
// The caller skips trusted clients (allow ranges, relay networks, authenticated sessions).
// The time comes from the clock given (tests pass a fake one). Not thread-safe: one per
// io_context.
#pragma once
#include <array>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>

namespace portcullis::checks::reputation {

enum class RateKind { connection, message, recipient };

struct RateLimitSettings {
  unsigned connections_per_minute = 60;   // 0 = no limit
  unsigned messages_per_minute = 120;
  unsigned recipients_per_minute = 600;
  std::size_t max_tracked = 100000;
  unsigned ipv6_prefix = 64;
  std::string hostname = {};              // ours, for the 421 reply ("" = left out)
};

struct RateVerdict {
  bool allowed = true;
  std::string reply;                 // when refused: 421 4.7.0 (connections) or 451 4.7.1
  std::chrono::seconds retry_after{0};  // when refused: until a token is back (at least 1 s)
  std::string key;                   // the client key counted
};

class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  explicit RateLimiter(RateLimitSettings settings, Clock clock = [] { return std::chrono::steady_clock::now(); });

  // Takes `count` tokens of `kind` for `client` if it has them (count is capped at the limit,
  // so one large batch can always pass once the bucket is full).
  RateVerdict take(const boost::asio::ip::address& client, RateKind kind, unsigned count = 1);

  std::size_t tracked() const { return clients_.size(); }
  void reconfigure(RateLimitSettings settings);  // a policy reload; buckets kept

 private:
  struct Bucket {
    double tokens = 0;
    bool used = false;  // false: full (never taken from)
    std::chrono::steady_clock::time_point updated = {};
  };
  struct Client {
    std::array<Bucket, 3> buckets = {};
    std::list<std::string>::iterator order = {};
  };
  unsigned limit(RateKind kind) const;

  RateLimitSettings settings_;
  Clock clock_;
  std::unordered_map<std::string, Client> clients_;
  std::list<std::string> order_;  // most recently seen first
};

}  // namespace portcullis::checks::reputation
