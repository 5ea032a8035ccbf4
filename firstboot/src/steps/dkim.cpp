// Step "dkim": the signing key of the protected domain, created here so no two appliances
// share one: /etc/portcullis/dkim/DOMAIN.SELECTOR.key (PKCS#8 PEM, root:portcullis 0640) and
// DOMAIN.SELECTOR.txt, the DNS TXT record to publish (printed too). An existing key is kept.
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <stdexcept>
#include <vector>

#include "core/text.hpp"
#include "steps/step.hpp"
#include "tls/x509.hpp"

namespace portcullis::firstboot {
namespace {

std::string base64(const unsigned char* data, std::size_t size) {
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// The p= value: the DER SubjectPublicKeyInfo for RSA (RFC 6376), the raw 32-octet public key
// for Ed25519 (RFC 8463).
std::string public_key_tag(EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1) throw std::runtime_error("cannot read the Ed25519 public key");
    return base64(raw, len);
  }
  const int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) throw std::runtime_error("cannot encode the public key");
  std::vector<unsigned char> der(static_cast<std::size_t>(len));
  unsigned char* p = der.data();
  i2d_PUBKEY(key, &p);
  return base64(der.data(), der.size());
}

tls::Pkey new_key(const std::string& type) {
  if (type == "ed25519") {
    tls::Pkey k(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
    if (!k) throw std::runtime_error("cannot generate an Ed25519 key");
    return k;
  }
  return tls::generate_key(type == "rsa4096" ? tls::KeyType::rsa4096 : tls::KeyType::rsa2048);
}

// A TXT record's text split into 255-octet strings, as zone files need.
std::string txt_strings(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 255) out += (i ? " \"" : "\"") + text.substr(i, 255) + "\"";
  return out;
}

}  // namespace

void apply_dkim(StepContext& ctx) {
  const Target& t = ctx.target;
  const auto& a = ctx.answers;
  const std::filesystem::path dir = "/etc/portcullis/dkim";
  const std::string base = a.mail_domain + "." + a.dkim_selector;
  t.make_dir(dir, 0750, {0, t.service_owner().gid});
  tls::Pkey key;
  if (auto pem = core::read_file(t.path(dir / (base + ".key")))) {
    key = tls::key_from_pem(*pem);
  } else {
    key = new_key(a.dkim_key);
    t.write_file(dir / (base + ".key"), tls::key_to_pem(key.get()), 0640, {0, t.service_owner().gid});
  }
  const bool ed = EVP_PKEY_get_base_id(key.get()) == EVP_PKEY_ED25519;
  const std::string value = std::string("v=DKIM1; k=") + (ed ? "ed25519" : "rsa") + "; p=" + public_key_tag(key.get());
  const std::string record = a.dkim_selector + "._domainkey." + a.mail_domain + ". IN TXT " + txt_strings(value);
  t.write_file(dir / (base + ".txt"), record + "\n", 0644);
  t.log() << "  DKIM key " << (dir / (base + ".key")).string() << "; publish in DNS:\n    " << record << '\n';
}

}  // namespace portcullis::firstboot
