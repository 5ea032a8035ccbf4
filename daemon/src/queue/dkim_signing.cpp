#include "queue/dkim_signing.hpp"

#include <set>
#include <vector>

#include "checks/arc/seal.hpp"
#include "checks/dmarc/author.hpp"
#include "mail/auth_results.hpp"
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

namespace {

// "pass 2" (EnvelopeRecord::arc) as the validation result the sealer starts from.
std::optional<checks::arc::ChainResult> chain_of(std::string_view state) {
  const auto sp = state.find(' ');
  if (sp == std::string_view::npos) return std::nullopt;
  const auto cv = checks::arc::parse_cv(state.substr(0, sp));
  const auto n = state.substr(sp + 1);
  if (!cv || n.empty() || n.size() > 2 || n.find_first_not_of("0123456789") != std::string_view::npos)
    return std::nullopt;
  checks::arc::ChainResult chain;
  chain.cv = *cv;
  chain.instances = std::stoi(std::string(n));
  return chain;
}

// The results of our Authentication-Results field (what follows "authserv-id;").
std::optional<std::string> our_results(const mail::HeaderSection& headers, std::string_view authserv_id) {
  for (const auto* f : headers.all("Authentication-Results")) {
    const auto id = mail::authserv_id_of(f->value);
    if (!id || !mail::same_authserv_id(*id, authserv_id)) continue;
    const auto semi = f->value.find(';');
    if (semi == std::string::npos) return std::string();
    return f->value.substr(semi + 1);
  }
  return std::nullopt;
}

}  // namespace

std::string DkimSigning::seal_domain(const policy::Snapshot& snapshot, const EnvelopeRecord& envelope) {
  if (envelope.arc.empty() || snapshot.setting("arc").value_or("on") != "on") return {};
  return snapshot.setting("arc-seal-domain").value_or("");
}

DkimSigning::Result DkimSigning::seal(const policy::Snapshot& snapshot, const EnvelopeRecord& envelope,
                                      std::string_view message, std::string_view authserv_id, std::time_t now) {
  Result out;
  const std::string domain = seal_domain(snapshot, envelope);
  if (domain.empty()) return out;
  const auto chain = chain_of(envelope.arc);
  if (!chain) {
    out.error = "the spool's arc state '" + envelope.arc + "' is not CV N";
    return out;
  }
  // The domain's own keys (not a parent's), an RSA one first.
  std::shared_ptr<const dkim::SigningKey> key;
  for (const auto* row : snapshot.signing_keys_for(domain)) {
    if (row->domain != domain) continue;
    std::string error;
    auto k = key_for(*row, error);
    if (!k) {
      out.error = error;
      continue;
    }
    if (!key || (key->type != dkim::KeyType::rsa && k->type == dkim::KeyType::rsa)) key = std::move(k);
  }
  if (!key) {
    if (out.error.empty()) out.error = "arc-seal-domain " + domain + " has no active key (portcullis dkim keygen)";
    return out;
  }
  const auto headers = mail::parse_headers(message);
  const auto results = our_results(headers, authserv_id);
  if (!results) {
    out.error = "no Authentication-Results field of ours to seal";
    return out;
  }
  std::string error;
  const auto set = checks::arc::seal_message(message, *chain, *key, authserv_id, *results, now, error);
  if (!set) {
    out.error = error;
    return out;
  }
  out.fields = set->text();
  out.domain = domain;
  out.selectors = key->selector;
  return out;
}

}  // namespace portcullis::queue
