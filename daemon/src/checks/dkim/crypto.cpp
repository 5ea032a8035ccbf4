// checks/dkim/crypto.hpp: DKIM's use of OpenSSL 3 EVP.
#include "checks/dkim/crypto.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "checks/dkim/base64.hpp"

namespace portcullis::checks::dkim {

namespace {

struct BioFree {
  void operator()(BIO* p) const { BIO_free_all(p); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};
struct OpenSslFree {
  void operator()(unsigned char* p) const { OPENSSL_free(p); }
};
using Bio = std::unique_ptr<BIO, BioFree>;

// Decoded RSA public keys by their DER octets. Decoding through OpenSSL 3's decoders costs
// far more than the verification itself (profiled: about 40% of the checks' CPU per message
// in `make bench`), and the same few keys sign most mail. Shared read-only (OpenSSL 3 EVP_PKEY
// objects may be used from several threads at once); only successful decodes are kept;
// bounded: emptied when full. Never destroyed (no free after OpenSSL's own exit handler).
class RsaKeyCache {
 public:
  Pkey find(const std::string& der, int& bits) {
    std::lock_guard lock(mutex_);
    const auto it = keys_.find(der);
    if (it == keys_.end() || EVP_PKEY_up_ref(it->second.first) != 1) return Pkey();
    bits = it->second.second;
    return Pkey(it->second.first);
  }
  void add(const std::string& der, EVP_PKEY* key, int bits) {
    std::lock_guard lock(mutex_);
    if (keys_.contains(der) || EVP_PKEY_up_ref(key) != 1) return;
    if (keys_.size() >= kMaxKeys) {
      for (auto& entry : keys_) EVP_PKEY_free(entry.second.first);
      keys_.clear();
    }
    keys_.emplace(der, std::make_pair(key, bits));
  }

 private:
  static constexpr std::size_t kMaxKeys = 1024;
  std::mutex mutex_;
  std::unordered_map<std::string, std::pair<EVP_PKEY*, int>> keys_;
};

RsaKeyCache& rsa_key_cache() {
  static auto* cache = new RsaKeyCache;
  return *cache;
}
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

const EVP_MD* md_of(HashAlg alg) { return alg == HashAlg::sha1 ? EVP_sha1() : EVP_sha256(); }

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }

// The reason on top of OpenSSL's error queue, and the queue cleared (failures on data from the
// network must not leave errors behind for unrelated code, such as the TLS layer, to find).
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  std::string reason;
  if (code != 0) {
    const char* text = ERR_reason_error_string(code);
    reason = text ? text : "unknown OpenSSL error";
  }
  ERR_clear_error();
  return reason;
}

[[noreturn]] void throw_openssl(const std::string& what) {
  const std::string reason = openssl_reason();
  throw std::runtime_error(reason.empty() ? what : what + ": " + reason);
}

MdCtx new_md_ctx() {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) throw std::bad_alloc();
  return ctx;
}

}  // namespace

Digest::Digest(HashAlg alg) : ctx_(new_md_ctx()) {
  if (EVP_DigestInit_ex(ctx_.get(), md_of(alg), nullptr) != 1) throw_openssl("digest init");
}

void Digest::update(std::string_view data) {
  if (!data.empty() && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1) throw_openssl("digest update");
}

std::string Digest::final() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), out, &len) != 1) throw_openssl("digest final");
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string digest(HashAlg alg, std::string_view data) {
  Digest d(alg);
  d.update(data);
  return d.final();
}

std::optional<PublicKey> load_public_key(KeyType type, std::string_view data, std::string& error) {
  PublicKey out;
  out.type = type;
  if (type == KeyType::ed25519) {
    if (data.size() != 32) {
      error = "bad ed25519 key (" + std::to_string(data.size()) + " octets, not 32)";
      return std::nullopt;
    }
    out.key.reset(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, bytes(data), data.size()));
    if (!out.key) {
      error = "bad ed25519 key";
      openssl_reason();
      return std::nullopt;
    }
    out.bits = 256;
    return out;
  }
  if (data.size() > 64 * 1024) {
    error = "bad rsa key";
    return std::nullopt;
  }
  const std::string der(data);
  if ((out.key = rsa_key_cache().find(der, out.bits))) return out;
  const auto len = static_cast<long>(data.size());
  const unsigned char* p = bytes(data);
  out.key.reset(d2i_PUBKEY(nullptr, &p, len));
  if (!out.key) {  // a bare RSAPublicKey (PKCS#1)
    p = bytes(data);
    out.key.reset(d2i_PublicKey(EVP_PKEY_RSA, nullptr, &p, len));
  }
  if (!out.key) {
    error = "bad rsa key";
    openssl_reason();
    return std::nullopt;
  }
  if (EVP_PKEY_get_base_id(out.key.get()) != EVP_PKEY_RSA) {
    error = "key is not rsa";
    return std::nullopt;
  }
  out.bits = EVP_PKEY_get_bits(out.key.get());
  rsa_key_cache().add(der, out.key.get(), out.bits);
  return out;
}

bool verify_signature(const PublicKey& key, Algorithm alg, std::string_view data, std::string_view signature) {
  if (!key.key || key.type != key_type_of(alg)) return false;
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  int ok = 0;
  if (key.type == KeyType::ed25519) {
    // RFC 8463 3: PureEdDSA over the SHA-256 hash of the data.
    const std::string hash = digest(HashAlg::sha256, data);
    ok = EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(hash), hash.size()) == 1;
  } else {
    ok = EVP_DigestVerifyInit(ctx.get(), nullptr, md_of(hash_of(alg)), nullptr, key.key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), bytes(signature), signature.size(), bytes(data), data.size()) == 1;
  }
  if (!ok) openssl_reason();
  return ok;
}

namespace {
int no_passphrase(char*, int, int, void*) { return -1; }  // encrypted keys are refused, never prompted for
}  // namespace

Pkey load_private_key(std::string_view pem, std::string& error) {
  if (pem.size() > 1024 * 1024) {
    error = "not a PEM private key";
    return nullptr;
  }
  if (pem.find("-----BEGIN") == std::string_view::npos) {
    error = "not a PEM private key (no -----BEGIN line)";
    return nullptr;
  }
  if (pem.find("ENCRYPTED") != std::string_view::npos) {
    error = "encrypted private keys are not supported";
    return nullptr;
  }
  Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) throw std::bad_alloc();
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) {
    const std::string reason = openssl_reason();
    error = reason.empty() ? "not a PEM private key" : "not a PEM private key (" + reason + ")";
    return nullptr;
  }
  if (!key_type_of(key.get())) {
    error = "unsupported key type (RSA or Ed25519 only)";
    return nullptr;
  }
  return key;
}

std::optional<KeyType> key_type_of(const EVP_PKEY* key) {
  switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_RSA: return KeyType::rsa;
    case EVP_PKEY_ED25519: return KeyType::ed25519;
    default: return std::nullopt;
  }
}

int key_bits(const EVP_PKEY* key) {
  if (key_type_of(key) == KeyType::ed25519) return 256;
  return EVP_PKEY_get_bits(key);
}

std::string sign_data(EVP_PKEY* key, Algorithm alg, std::string_view data, std::string& error) {
  if (key_type_of(key) != key_type_of(alg)) {
    error = "key does not match " + std::string(to_string(alg));
    return {};
  }
  MdCtx ctx = new_md_ctx();
  std::string hash;
  std::string_view input = data;
  const EVP_MD* md = nullptr;
  if (key_type_of(alg) == KeyType::ed25519) {
    hash = digest(HashAlg::sha256, data);
    input = hash;
  } else {
    md = md_of(hash_of(alg));
  }
  std::size_t len = 0;
  if (EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, bytes(input), input.size()) != 1) {
    error = "signing failed: " + openssl_reason();
    return {};
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, bytes(input), input.size()) != 1) {
    error = "signing failed: " + openssl_reason();
    return {};
  }
  sig.resize(len);
  return sig;
}

Pkey generate_private_key(KeyType type, int rsa_bits) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type == KeyType::rsa ? "RSA" : "ED25519", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) throw_openssl("key generation");
  if (type == KeyType::rsa && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), rsa_bits) != 1)
    throw_openssl("key generation");
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) throw_openssl("key generation");
  return Pkey(raw);
}

std::string private_key_pem(EVP_PKEY* key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) throw std::bad_alloc();
  if (PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1)
    throw_openssl("writing the private key");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string public_key_value(EVP_PKEY* key) {
  if (key_type_of(key) == KeyType::ed25519) {
    unsigned char raw[32];
    std::size_t len = sizeof raw;
    if (EVP_PKEY_get_raw_public_key(key, raw, &len) != 1 || len != sizeof raw) throw_openssl("public key");
    return base64_encode(std::string_view(reinterpret_cast<const char*>(raw), len));
  }
  unsigned char* raw_der = nullptr;
  const int len = i2d_PUBKEY(key, &raw_der);
  if (len <= 0) throw_openssl("public key");
  const std::unique_ptr<unsigned char, OpenSslFree> der(raw_der);
  return base64_encode(std::string_view(reinterpret_cast<const char*>(der.get()), static_cast<std::size_t>(len)));
}

}  // namespace portcullis::checks::dkim
