// checks/reputation/ban_cache.hpp: the bans in force, in memory.
#include "checks/reputation/ban_cache.hpp"

#include <algorithm>

#include "checks/reputation/client_key.hpp"

namespace portcullis::checks::reputation {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

BanCache::BanCache(std::size_t max_entries, unsigned ipv6_prefix)
    : max_entries_(std::max<std::size_t>(max_entries, 1)), ipv6_prefix_(ipv6_prefix) {}

std::optional<store::Ban> BanCache::find(const boost::asio::ip::address& client, std::int64_t now) const {
  const auto ip = unmapped(client);
  auto look = [&](const std::string& key) -> std::optional<store::Ban> {
    const auto it = entries_.find(key);
    if (it == entries_.end() || it->second.ban.until <= now) return std::nullopt;
    return it->second.ban;
  };
  if (auto b = look(client_key(ip, ipv6_prefix_))) return b;
  if (ip.is_v6()) return look(client_key(ip, 128));
  return std::nullopt;
}

void BanCache::insert(std::string key, Entry entry) {
  entries_.insert_or_assign(std::move(key), std::move(entry));
  while (entries_.size() > max_entries_) {
    auto first_end = std::min_element(entries_.begin(), entries_.end(), [](const auto& a, const auto& b) {
      return a.second.ban.until < b.second.ban.until;
    });
    entries_.erase(first_end);
  }
}

void BanCache::add_local(const store::Ban& ban) {
  Entry e;
  e.ban = ban;
  e.ban.ip = lower(ban.ip);
  e.local = true;
  std::string key = e.ban.ip;
  insert(std::move(key), std::move(e));
}

void BanCache::written(const std::string& key) {
  const auto it = entries_.find(lower(key));
  if (it == entries_.end() || !it->second.local) return;
  it->second.confirmed = true;
  it->second.confirmed_at = generation_;
}

std::uint64_t BanCache::begin_refresh() { return ++generation_; }

void BanCache::finish_refresh(std::uint64_t ticket, const std::vector<store::Ban>& bans, std::int64_t now) {
  std::unordered_map<std::string, Entry> old;
  old.swap(entries_);
  for (const auto& b : bans) {
    if (b.until <= now) continue;
    Entry e;
    e.ban = b;
    e.ban.ip = lower(b.ip);
    std::string key = e.ban.ip;
    insert(std::move(key), std::move(e));
  }
  // Local bans the list may not show yet: not confirmed, or confirmed after the read began.
  for (auto& [key, e] : old) {
    if (!e.local || e.ban.until <= now || entries_.count(key)) continue;
    if (e.confirmed && e.confirmed_at < ticket) continue;  // written before the read: removed since
    insert(key, std::move(e));
  }
}

void BanCache::prune(std::int64_t now) {
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.ban.until <= now)
      it = entries_.erase(it);
    else
      ++it;
  }
}

std::string ban_reply(const store::Ban& ban, std::int64_t now, std::string_view hostname) {
  const std::int64_t left = std::max<std::int64_t>(ban.until - now, 1);
  const std::int64_t minutes = (left + 59) / 60;
  std::string out = "421 4.7.0 ";
  if (!hostname.empty()) out += std::string(hostname) + " ";
  out += "Too many failures from your address, try again in " + std::to_string(minutes) +
         (minutes == 1 ? " minute" : " minutes");
  return out;
}

}  // namespace portcullis::checks::reputation
