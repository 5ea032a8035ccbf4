// Per-recipient spam and malware policies (Hermes SEG's "SVF policies", docs/spam.md): which
// of the store's policies applies to a recipient. The most specific assignment wins: the whole
// address, then its domain ("@example.org"), then the default ("*"); without any, the built-in
// default policy (store::SpamPolicy's own defaults, named "default", greylisting off).
#pragma once
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace portcullis::checks::verdict {

class Policies {
 public:
  Policies();  // only the built-in default
  Policies(const std::vector<store::SpamPolicy>& policies, const std::vector<store::SpamPolicyTarget>& targets);

  // The policy for `recipient` (local@domain; compared ASCII case-insensitively). The
  // reference lives as long as this object.
  const store::SpamPolicy& for_recipient(std::string_view recipient) const;
  const store::SpamPolicy& builtin() const { return builtin_; }

 private:
  store::SpamPolicy builtin_;
  std::map<std::string, store::SpamPolicy, std::less<>> by_name_;
  std::map<std::string, const store::SpamPolicy*, std::less<>> by_target_;  // lower-cased target
};

}  // namespace portcullis::checks::verdict
