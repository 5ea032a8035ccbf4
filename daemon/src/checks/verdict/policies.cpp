#include "checks/verdict/policies.hpp"

#include "policy/names.hpp"

namespace portcullis::checks::verdict {

Policies::Policies() {
  builtin_.name = "default";
  // Greylisting delays every first message from a new sender by minutes: an admin's choice
  // (a policy with greylisting on), not a surprise of the built-in default.
  builtin_.greylisting = false;
}

Policies::Policies(const std::vector<store::SpamPolicy>& policies,
                   const std::vector<store::SpamPolicyTarget>& targets)
    : Policies() {
  for (const auto& p : policies) by_name_.emplace(p.name, p);
  for (const auto& t : targets) {
    const auto it = by_name_.find(t.policy);
    if (it != by_name_.end()) by_target_[policy::lower_ascii(t.target)] = &it->second;  // the store refuses dangling ones
  }
}

const store::SpamPolicy& Policies::for_recipient(std::string_view recipient) const {
  const std::string address = policy::lower_ascii(std::string(recipient));
  if (const auto it = by_target_.find(address); it != by_target_.end()) return *it->second;
  if (const auto at = address.rfind('@'); at != std::string::npos) {
    if (const auto it = by_target_.find(std::string_view(address).substr(at)); it != by_target_.end()) return *it->second;
  }
  if (const auto it = by_target_.find("*"); it != by_target_.end()) return *it->second;
  return builtin_;
}

}  // namespace portcullis::checks::verdict
