// checks/reputation/auto_ban.hpp: failure counting and ban decisions.
#include "checks/reputation/auto_ban.hpp"

#include <algorithm>

#include "checks/reputation/client_key.hpp"

namespace portcullis::checks::reputation {

std::string_view to_string(Failure failure) {
  switch (failure) {
    case Failure::invalid_command: return "invalid command";
    case Failure::relay_attempt: return "relay attempt";
    case Failure::auth_failed: return "failed authentication";
    case Failure::too_many_errors: return "too many errors";
  }
  return "failure";
}

namespace {

AutoBanSettings bounded(AutoBanSettings s) {
  s.max_failures = std::min(s.max_failures, kMaxFailuresCap);
  if (s.max_tracked == 0) s.max_tracked = 1;
  return s;
}

}  // namespace

AutoBan::AutoBan(AutoBanSettings settings, Exempt exempt) : settings_(bounded(settings)), exempt_(std::move(exempt)) {}

void AutoBan::reconfigure(AutoBanSettings settings) {
  settings_ = bounded(settings);
  for (auto& [key, c] : clients_)
    while (c.times.size() > settings_.max_failures) c.times.pop_front();
  while (clients_.size() > settings_.max_tracked) evict();
}

void AutoBan::trim(Client& c, std::int64_t now) const {
  const std::int64_t oldest_kept = now - settings_.window.count();
  while (!c.times.empty() && c.times.front() <= oldest_kept) c.times.pop_front();
}

void AutoBan::evict() {
  if (order_.empty()) return;
  clients_.erase(order_.back());
  order_.pop_back();
}

std::optional<store::Ban> AutoBan::record(const boost::asio::ip::address& client, Failure failure, std::int64_t now) {
  if (settings_.max_failures == 0) return std::nullopt;
  const auto ip = unmapped(client);
  if (exempt_ && exempt_(ip)) return std::nullopt;
  const std::string key = client_key(ip, settings_.ipv6_prefix);

  auto it = clients_.find(key);
  if (it == clients_.end()) {
    while (clients_.size() >= settings_.max_tracked) evict();
    order_.push_front(key);
    it = clients_.emplace(key, Client{{}, order_.begin()}).first;
  } else {
    order_.splice(order_.begin(), order_, it->second.order);
  }
  Client& c = it->second;
  trim(c, now);
  c.times.push_back(now);
  if (c.times.size() < settings_.max_failures) return std::nullopt;

  store::Ban ban;
  ban.ip = key;
  ban.created = now;
  ban.until = now + settings_.ban_for.count();
  ban.reason = "auto-ban: " + std::to_string(c.times.size()) + " failures within " +
               std::to_string(settings_.window.count()) + " s (last: " + std::string(to_string(failure)) + ")";
  order_.erase(c.order);
  clients_.erase(it);
  return ban;
}

unsigned AutoBan::failures(const boost::asio::ip::address& client, std::int64_t now) const {
  const auto it = clients_.find(client_key(unmapped(client), settings_.ipv6_prefix));
  if (it == clients_.end()) return 0;
  const std::int64_t oldest_kept = now - settings_.window.count();
  return static_cast<unsigned>(std::count_if(it->second.times.begin(), it->second.times.end(),
                                             [&](std::int64_t t) { return t > oldest_kept; }));
}

}  // namespace portcullis::checks::reputation
