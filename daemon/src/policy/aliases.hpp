// Alias expansion over a Snapshot: turns one address of ours into its final recipients.
//
// Lookup of an address of one of our domains, in order:
//   1. the exact alias "local@domain";
//   2. if the address is an internal recipient, it is final (a catch-all never swallows a
//      listed recipient);
//   3. the domain's catch-all alias "@domain";
//   4. otherwise the address is final.
// Targets are expanded recursively. A target equal to the address being expanded is final
// (the "keep a copy" idiom a@d -> a@d, b@d, and a catch-all whose target is in its own
// domain). Addresses outside our domains are final (admin-configured forwarding). Finals are
// de-duplicated case-insensitively, in first-seen order. Work is linear in the size of the
// alias table: an address reached twice by different paths is expanded once.
//
// Errors, all configuration mistakes: a loop (a@d -> b@d -> a@d), more than max_alias_depth
// hops, or an alias with no targets or a target that is not local@domain. The caller answers
// them with a 4xx (see relay.hpp) so no mail is lost while the admin fixes the table.
#pragma once
#include <string>
#include <vector>

#include "policy/snapshot.hpp"

namespace portcullis::policy {

inline constexpr int max_alias_depth = 8;

struct Expansion {
  enum class Status { ok, loop, too_deep, bad_target };
  Status status = Status::ok;
  bool aliased = false;                // the starting address matched an alias (exact or catch-all)
  std::vector<std::string> finals;     // local@domain, domain lower-cased; empty unless ok
  std::string problem;                 // the offending address or target, when not ok
};

// `address` is local@domain as it should be delivered if no alias applies (its domain is
// lower-cased in the result); `key` is what it is looked up by (see names.hpp lookup_key).
Expansion expand_aliases(const Snapshot& snapshot, const std::string& key, const std::string& address);
// Same, with key = the lower-cased address (for addresses taken from settings or the CLI).
Expansion expand_aliases(const Snapshot& snapshot, const std::string& address);

}  // namespace portcullis::policy
