// checks/reputation/rate_limit.hpp: token buckets per client.
#include "checks/reputation/rate_limit.hpp"

#include <algorithm>
#include <cmath>

#include "checks/reputation/client_key.hpp"

namespace portcullis::checks::reputation {

namespace {

std::string refusal(RateKind kind, const std::string& hostname) {
  switch (kind) {
    case RateKind::connection:
      return "421 4.7.0 " + (hostname.empty() ? std::string() : hostname + " ") +
             "Error: too many connections from your address, try again later";
    case RateKind::message:
      return "451 4.7.1 Error: too many messages from your address, try again later";
    case RateKind::recipient:
      return "451 4.7.1 Error: too many recipients from your address, try again later";
  }
  return "451 4.7.1 Error: rate limit exceeded, try again later";
}

}  // namespace

RateLimiter::RateLimiter(RateLimitSettings settings, Clock clock)
    : settings_(std::move(settings)), clock_(std::move(clock)) {
  if (settings_.max_tracked == 0) settings_.max_tracked = 1;
}

void RateLimiter::reconfigure(RateLimitSettings settings) {
  settings_ = std::move(settings);
  if (settings_.max_tracked == 0) settings_.max_tracked = 1;
  while (clients_.size() > settings_.max_tracked) {
    clients_.erase(order_.back());
    order_.pop_back();
  }
}

unsigned RateLimiter::limit(RateKind kind) const {
  switch (kind) {
    case RateKind::connection: return settings_.connections_per_minute;
    case RateKind::message: return settings_.messages_per_minute;
    case RateKind::recipient: return settings_.recipients_per_minute;
  }
  return 0;
}

RateVerdict RateLimiter::take(const boost::asio::ip::address& client, RateKind kind, unsigned count) {
  RateVerdict v;
  v.key = client_key(client, settings_.ipv6_prefix);
  const unsigned max = limit(kind);
  if (max == 0 || count == 0) return v;
  const double wanted = std::min(count, max);
  const double per_second = max / 60.0;
  const auto now = clock_();

  auto it = clients_.find(v.key);
  if (it == clients_.end()) {
    while (clients_.size() >= settings_.max_tracked) {
      clients_.erase(order_.back());
      order_.pop_back();
    }
    order_.push_front(v.key);
    it = clients_.emplace(v.key, Client{}).first;
    it->second.order = order_.begin();
  } else {
    order_.splice(order_.begin(), order_, it->second.order);
  }
  Bucket& b = it->second.buckets[static_cast<std::size_t>(kind)];
  if (!b.used) {
    b.tokens = max;
  } else {
    const double elapsed = std::chrono::duration<double>(now - b.updated).count();
    b.tokens = std::min<double>(max, b.tokens + std::max(elapsed, 0.0) * per_second);
  }
  b.used = true;
  b.updated = now;
  // A hair of tolerance: refills computed from floating-point seconds.
  if (b.tokens + 1e-9 >= wanted) {
    b.tokens = std::max(0.0, b.tokens - wanted);
    return v;
  }
  v.allowed = false;
  v.reply = refusal(kind, settings_.hostname);
  const double wait = std::ceil((wanted - b.tokens) * 60.0 / max - 1e-9);
  v.retry_after = std::chrono::seconds(std::max<long long>(1, static_cast<long long>(wait)));
  return v;
}

}  // namespace portcullis::checks::reputation
