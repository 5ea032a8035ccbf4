// An immutable in-memory view of the store's policy (domains, recipients, aliases, relay
// networks, settings, outbound TLS policies, active DKIM signing keys). The daemon loads one
// on a worker, publishes it as a shared_ptr<const Snapshot>, and every session decides on the
// snapshot it holds: no database call on the event loop, and a reload never changes the policy
// under a running transaction.
// Keys are normalised on load: domain names, recipient and alias addresses are lower-cased
// (ASCII); alias targets keep their case. The fields are public so tests can build one directly.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/ip/address.hpp>

#include "policy/cidr.hpp"
#include "store/store.hpp"

namespace portcullis::policy {

struct Snapshot {
  // policy_serial() read *before* the lists: if a change races the load, the store's serial is
  // already higher than this one and the next poll reloads.
  std::int64_t serial = 0;
  std::map<std::string, store::Domain, std::less<>> domains;  // by lower-cased name
  std::set<std::string, std::less<>> recipients;              // lower-cased local@domain
  // lower-cased local@domain, or "@domain" for a domain's catch-all -> targets as configured
  std::map<std::string, std::vector<std::string>, std::less<>> aliases;
  std::vector<Cidr> relaynets;  // unparsable entries are skipped with a warning
  std::map<std::string, std::string, std::less<>> settings;
  // Outbound TLS policies by key: "example.org" (that domain), ".example.org" (its
  // subdomains), "*" (every other domain).
  std::map<std::string, store::TlsPolicy, std::less<>> tls_policies;
  // DKIM signing keys by lower-cased domain (no trailing dot), ordered by selector. load()
  // keeps the active keys only; signing_keys_for() skips inactive ones anyway.
  std::map<std::string, std::vector<store::DkimKey>, std::less<>> dkim_keys;
  // Spam and malware protection (docs/spam.md): IP ranges (highest priority first), DNS block
  // list zones, the spam policies and who they apply to.
  std::vector<store::IpRange> ip_ranges;
  std::vector<store::DnsblZone> dnsbl_zones;
  std::vector<store::SpamPolicy> spam_policies;
  std::vector<store::SpamPolicyTarget> spam_policy_targets;

  // Reads everything from the store. Throws what the store throws (StoreError): the caller
  // keeps serving the previous snapshot.
  static std::shared_ptr<const Snapshot> load(store::Store& store);

  // Exact, case-insensitive match on the whole name (no subdomains); nullptr if not ours.
  const store::Domain* find_domain(std::string_view name) const;
  bool in_relaynets(const boost::asio::ip::address& client) const;
  // Targets of an alias key (already lower-cased), nullptr if none.
  const std::vector<std::string>* find_alias(std::string_view key) const;
  std::optional<std::string> setting(std::string_view key) const;
  // The TLS policy for mail to `domain`: exact entry, then ".parent" entries from the nearest
  // up, then "*"; nullptr: none (opportunistic, "may").
  const store::TlsPolicy* tls_policy_for(std::string_view domain) const;
  // The active keys to sign mail from `domain` with (ASCII case-insensitive, a trailing dot
  // ignored): the domain's own keys if it has any, else those of the nearest parent domain
  // that has some (d= may be a parent of the From domain under relaxed alignment, RFC 7489
  // 3.1.1); empty if none. The pointers live as long as the snapshot.
  std::vector<const store::DkimKey*> signing_keys_for(std::string_view domain) const;
};

}  // namespace portcullis::policy
