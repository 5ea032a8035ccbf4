#include "policy/aliases.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "policy/names.hpp"

namespace portcullis::policy {
namespace {

class Expander {
 public:
  explicit Expander(const Snapshot& snapshot) : snap_(snapshot) {}

  Expansion run(const std::string& key, const std::string& address) {
    const auto key_parts = split_address(key);
    const auto parts = split_address(address);
    if (!key_parts || !parts) {
      set_error(Expansion::Status::bad_target, address);
      return std::move(out_);
    }
    out_.aliased = snap_.find_domain(key_parts->domain) != nullptr && lookup(key, key_parts->domain) != nullptr;
    if (!visit(key, parts->local + "@" + lower_ascii(parts->domain), 0)) out_.finals.clear();
    return std::move(out_);
  }

 private:
  const std::vector<std::string>* lookup(const std::string& key, const std::string& domain) const {
    if (const auto* exact = snap_.find_alias(key)) return exact;
    if (snap_.recipients.contains(key)) return nullptr;
    return snap_.find_alias("@" + lower_ascii(domain));
  }

  // key: lower-cased address; address: the same with its original local-part case.
  bool visit(const std::string& key, const std::string& address, int depth) {
    const auto at = key.rfind('@');
    const std::string domain = key.substr(at + 1);
    const std::vector<std::string>* targets =
        snap_.find_domain(domain) != nullptr ? lookup(key, domain) : nullptr;
    if (targets == nullptr) {
      add_final(key, address);
      return true;
    }
    if (done_.contains(key)) return true;  // reached before by another path: finals already in
    if (depth >= max_alias_depth) return set_error(Expansion::Status::too_deep, key);
    if (targets->empty()) return set_error(Expansion::Status::bad_target, key);

    path_.push_back(key);
    for (const auto& target : *targets) {
      const auto parts = split_address(target);
      if (!parts || parts->local.find('@') != std::string::npos)
        return set_error(Expansion::Status::bad_target, target);
      const std::string t_address = parts->local + "@" + lower_ascii(parts->domain);
      const std::string t_key = lower_ascii(t_address);
      if (t_key == key) {
        add_final(t_key, t_address);
      } else if (std::find(path_.begin(), path_.end(), t_key) != path_.end()) {
        return set_error(Expansion::Status::loop, t_key);
      } else if (!visit(t_key, t_address, depth + 1)) {
        return false;
      }
    }
    path_.pop_back();
    done_.insert(key);
    return true;
  }

  void add_final(const std::string& key, const std::string& address) {
    if (final_keys_.insert(key).second) out_.finals.push_back(address);
  }

  bool set_error(Expansion::Status status, const std::string& problem) {
    out_.status = status;
    out_.problem = problem;
    return false;
  }

  const Snapshot& snap_;
  Expansion out_;
  std::vector<std::string> path_;  // keys being expanded, outermost first
  std::set<std::string> done_;     // keys fully expanded
  std::set<std::string> final_keys_;
};

}  // namespace

Expansion expand_aliases(const Snapshot& snapshot, const std::string& key, const std::string& address) {
  return Expander(snapshot).run(key, address);
}

Expansion expand_aliases(const Snapshot& snapshot, const std::string& address) {
  return Expander(snapshot).run(lower_ascii(address), address);
}

}  // namespace portcullis::policy
