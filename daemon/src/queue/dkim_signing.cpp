#include "queue/dkim_signing.hpp"

#include <set>
#include <vector>

#include "checks/dmarc/author.hpp"
#include "mail/headers.hpp"

namespace portcullis::queue {

namespace dkim = checks::dkim;

bool DkimSigning::wanted(const policy::Snapshot& snapshot, const EnvelopeRecord& envelope) {
  if (!envelope.sign && !envelope.is_bounce) return false;
  return snapshot.setting("dkim-sign").value_or("on") == "on";
}

std::shared_ptr<const dkim::SigningKey> DkimSigning::key_for(const store::DkimKey& row, std::string& error) {
  const std::string id = row.domain + '\n' + row.selector + '\n' + row.private_pem;
  std::lock_guard lock(mutex_);
  if (auto it = keys_.find(id); it != keys_.end()) return it->second;
  try {
    auto key = std::make_shared<const dkim::SigningKey>(dkim::load_signing_key(row.domain, row.selector, row.private_pem));
    // Keys removed from the policy leave the cache when it grows: rebuilt from what is asked.
    if (keys_.size() >= 256) keys_.clear();
    keys_.emplace(id, key);
    return key;
  } catch (const std::exception& e) {
    error = "key " + row.selector + "._domainkey." + row.domain + ": " + e.what();
    return nullptr;
  }
}

DkimSigning::Result DkimSigning::sign(const policy::Snapshot& snapshot, std::string_view message, std::time_t now) {
  Result out;
  const auto author = checks::dmarc::author_domain(message);
  if (!author) return out;  // no usable From: nothing of ours to sign for (the verifier's problem)
  const auto rows = snapshot.signing_keys_for(author.domain);
  if (rows.empty()) return out;
  std::vector<std::shared_ptr<const dkim::SigningKey>> held;
  std::vector<const dkim::SigningKey*> keys;
  for (const auto* row : rows) {
    std::string error;
    auto key = key_for(*row, error);
    if (!key) {
      out.error += (out.error.empty() ? "" : "; ") + error;
      continue;
    }
    keys.push_back(key.get());
    held.push_back(std::move(key));
    out.domain = row->domain;
    out.selectors += (out.selectors.empty() ? "" : ",") + row->selector;
  }
  if (keys.empty()) return out;
  try {
    dkim::Signer signer(keys);
    signer.feed(message);
    out.fields = signer.finish(now);
    if (out.fields.empty()) out.error = signer.error();
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  if (out.fields.empty()) out.selectors.clear();
  return out;
}

}  // namespace portcullis::queue
