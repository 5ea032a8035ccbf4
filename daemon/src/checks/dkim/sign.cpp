// checks/dkim/sign.hpp: DKIM signing and key generation.
#include "checks/dkim/sign.hpp"

#include <stdexcept>
#include <utility>

#include "checks/dkim/base64.hpp"
#include "checks/dkim/signature.hpp"
#include "checks/dkim/folder.hpp"
#include "checks/dkim/text.hpp"

namespace portcullis::checks::dkim {

namespace {

constexpr std::size_t kLineMax = Folder::kLineMax;

std::string checked_name(const std::string& domain, const char* what) {
  if (!valid_domain(domain)) throw std::runtime_error(std::string("DKIM key: bad ") + what + " '" + domain + "'");
  return domain;
}

Algorithm algorithm_for(const SigningKey& key) {
  return key.type == KeyType::ed25519 ? Algorithm::ed25519_sha256 : Algorithm::rsa_sha256;
}

mail::HeaderLimits limits_of(const SignOptions& options) { return options.limits; }

}  // namespace

SigningKey load_signing_key(std::string domain, std::string selector, std::string_view pem) {
  SigningKey out;
  out.domain = checked_name(domain, "domain");
  out.selector = checked_name(selector, "selector");
  std::string error;
  out.key = load_private_key(pem, error);
  if (!out.key) throw std::runtime_error("DKIM key for " + out.selector + "._domainkey." + out.domain + ": " + error);
  out.type = *key_type_of(out.key.get());
  out.bits = key_bits(out.key.get());
  if (out.type == KeyType::rsa && out.bits < 1024)
    throw std::runtime_error("DKIM key for " + out.selector + "._domainkey." + out.domain + ": RSA key of " +
                             std::to_string(out.bits) + " bits is too short (1024 at least, 2048 recommended)");
  return out;
}

std::string dns_txt_record(const SigningKey& key) {
  return "v=DKIM1; k=" + std::string(to_string(key.type)) + "; p=" + public_key_value(key.key.get());
}

std::vector<std::string> default_signed_headers() {
  return {"From",        "Reply-To",    "Subject",         "Date",         "To",          "Cc",
          "Resent-Date", "Resent-From", "Resent-Sender",   "Resent-To",    "Resent-Cc",   "In-Reply-To",
          "References",  "List-Id",     "List-Help",       "List-Unsubscribe", "List-Unsubscribe-Post",
          "List-Subscribe", "List-Post", "List-Owner",    "List-Archive", "Message-ID",  "Sender",
          "MIME-Version", "Content-Type", "Content-Transfer-Encoding", "Content-ID", "Content-Description"};
}

std::vector<std::string> default_oversigned_headers() {
  return {"From",        "To",         "Cc",           "Subject",      "Date",
          "Reply-To",    "Sender",     "Message-ID",   "In-Reply-To",  "References",
          "MIME-Version", "Content-Type", "Content-Transfer-Encoding"};
}

Signer::Signer(std::vector<const SigningKey*> keys, SignOptions options)
    : keys_(std::move(keys)),
      options_(std::move(options)),
      splitter_(limits_of(options_), [] {}, [this](std::string_view data) { body_.feed(data); }),
      body_(options_.body_canon, HashAlg::sha256) {
  if (keys_.empty()) throw std::invalid_argument("DKIM signer: no key");
  for (const auto* list : {&options_.headers, &options_.oversign})
    for (const auto& name : *list)
      if (!valid_field_name(name)) throw std::invalid_argument("DKIM signer: bad header field name '" + name + "'");
  for (const SigningKey* k : keys_) {
    if (k == nullptr || !k->key) throw std::invalid_argument("DKIM signer: null key");
    if (!options_.identity.empty()) {
      const std::size_t at = options_.identity.rfind('@');
      const std::string domain = at == std::string::npos ? std::string() : options_.identity.substr(at + 1);
      if (!valid_domain(domain) || !same_or_subdomain(domain, k->domain))
        throw std::invalid_argument("DKIM signer: identity " + options_.identity + " is not within " + k->domain);
    }
  }
}

void Signer::feed(std::string_view chunk) { splitter_.feed(chunk); }

std::string Signer::finish(std::time_t now) {
  if (finished_) return {};
  finished_ = true;
  splitter_.finish();
  body_.finish();
  if (splitter_.truncated()) {
    error_ = "header section too large";
    return {};
  }
  const auto& section = splitter_.section();
  if (!section.first("From")) {
    error_ = "no From field";
    return {};
  }

  // h=: every instance of the signed names (From always), then one more of each over-signed
  // name (with its instances first if the signed names did not list it).
  const auto contains = [](const std::vector<std::string>& list, const std::string& name) {
    for (const auto& s : list)
      if (iequals(s, name)) return true;
    return false;
  };
  std::vector<std::string> names;
  std::vector<std::string> signed_names;
  const auto sign_present = [&](const std::string& name) {
    if (contains(signed_names, name)) return;
    signed_names.push_back(name);
    for (std::size_t n = section.all(name).size(); n > 0; --n) names.push_back(name);
  };
  if (!contains(options_.headers, "From")) sign_present("From");
  for (const auto& name : options_.headers) sign_present(name);
  for (const auto& name : options_.oversign) sign_present(name);
  std::vector<std::string> oversigned;
  for (const auto& name : options_.oversign) {
    if (contains(oversigned, name)) continue;
    oversigned.push_back(name);
    names.push_back(name);
  }

  const std::vector<std::size_t> selected = select_headers(section, names);
  std::string signed_fields;
  for (const std::size_t i : selected)
    canon_header(options_.header_canon, field_text(splitter_.head(), section.fields[i]), signed_fields);

  const std::string bh = base64_encode(body_.digest());
  std::string out;
  for (const SigningKey* key : keys_) {
    const Algorithm alg = algorithm_for(*key);
    Folder f("DKIM-Signature:");
    f.add("v=1;");
    f.add("a=" + std::string(to_string(alg)) + ";");
    f.add("c=" + std::string(to_string(options_.header_canon)) + "/" + std::string(to_string(options_.body_canon)) + ";");
    f.add("d=" + key->domain + ";");
    f.add("s=" + key->selector + ";");
    if (!options_.identity.empty()) f.add("i=" + encode_dkim_qp(options_.identity) + ";");
    if (options_.timestamp) f.add("t=" + std::to_string(static_cast<std::int64_t>(now)) + ";");
    if (options_.expire_after > 0)
      f.add("x=" + std::to_string(static_cast<std::int64_t>(now) + options_.expire_after) + ";");
    if (options_.body_length) f.add("l=" + std::to_string(body_.canonical_length()) + ";");
    for (std::size_t k = 0; k < names.size(); ++k) {
      const std::string item = (k == 0 ? "h=" : "") + names[k] + (k + 1 < names.size() ? ":" : ";");
      f.add(item, k == 0);
    }
    f.add("bh=" + bh + ";");
    // b= starts a line of its own, its value right after it (verifiers blank the value with
    // the whitespace around it, so only the layout before "b=" is signed).
    f.fold();
    f.add("b=", false);
    // The header hash covers the field as written so far: its b= value is still empty.
    std::string data = signed_fields;
    canon_header(options_.header_canon, f.text(), data);
    std::string error;
    const std::string sig = sign_data(key->key.get(), alg, data, error);
    if (sig.empty()) {
      error_ = error;
      return {};
    }
    const std::string b = base64_encode(sig);
    const std::size_t first = kLineMax - 3;  // after "\tb="
    f.add(std::string_view(b).substr(0, first), false);
    for (std::size_t pos = first; pos < b.size(); pos += kLineMax - 1)
      f.add(std::string_view(b).substr(pos, kLineMax - 1), false);
    out += f.text();
    out += "\r\n";
  }
  return out;
}

GeneratedKey generate_key(bool ed25519) {
  const KeyType type = ed25519 ? KeyType::ed25519 : KeyType::rsa;
  Pkey key = generate_private_key(type, 2048);
  GeneratedKey out;
  out.private_pem = private_key_pem(key.get());
  out.dns_txt = "v=DKIM1; k=" + std::string(to_string(type)) + "; p=" + public_key_value(key.get());
  return out;
}

}  // namespace portcullis::checks::dkim
