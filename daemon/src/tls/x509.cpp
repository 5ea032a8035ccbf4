#include "tls/x509.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <cctype>
#include <ctime>

namespace portcullis::tls {

namespace {

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

Bio memory_bio() {
  Bio b(BIO_new(BIO_s_mem()));
  if (!b) throw_openssl("out of memory");
  return b;
}

Bio read_bio(const std::string& text) {
  Bio b(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
  if (!b) throw_openssl("out of memory");
  return b;
}

// Never prompts for a pass phrase: an encrypted key is refused.
int no_passphrase(char*, int, int, void*) { return 0; }

std::string name_line(const X509_NAME* name) {
  Bio b = memory_bio();
  X509_NAME_print_ex(b.get(), name, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
  return bio_text(b.get());
}

int64_t unix_time(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
  return static_cast<int64_t>(timegm(&tm));
}

std::string key_description(EVP_PKEY* pk) {
  if (pk == nullptr) return "unknown";
  switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA: return "RSA " + std::to_string(EVP_PKEY_get_bits(pk));
    case EVP_PKEY_EC: {
      char group[64] = {};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group, &len) == 1)
        return std::string("EC ") + group;
      return "EC";
    }
    case EVP_PKEY_ED25519: return "Ed25519";
    default: return "other (" + std::to_string(EVP_PKEY_get_bits(pk)) + " bits)";
  }
}

void add_extension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509Ext ext(X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) throw_openssl("certificate extension " + value);
}

std::string san_value(const std::vector<std::string>& dns_names) {
  std::string v;
  for (const auto& n : dns_names) {
    if (!valid_dns_name(n)) throw std::runtime_error("not a valid host name for a certificate: '" + n + "'");
    v += (v.empty() ? "DNS:" : ",DNS:") + n;
  }
  if (v.empty()) throw std::runtime_error("a certificate needs at least one host name");
  return v;
}

void free_extensions(STACK_OF(X509_EXTENSION) * s) { sk_X509_EXTENSION_pop_free(s, X509_EXTENSION_free); }

bool equal_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

}  // namespace

bool parse_key_type(std::string_view text, KeyType& out) {
  if (text == "rsa") out = KeyType::rsa2048;
  else if (text == "rsa4096") out = KeyType::rsa4096;
  else if (text == "ec") out = KeyType::ec_p256;
  else if (text == "ec384") out = KeyType::ec_p384;
  else return false;
  return true;
}

Pkey generate_key(KeyType type) {
  EVP_PKEY* k = nullptr;
  switch (type) {
    case KeyType::rsa2048: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048)); break;
    case KeyType::rsa4096: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(4096)); break;
    case KeyType::ec_p256: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case KeyType::ec_p384: k = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
  }
  if (k == nullptr) throw_openssl("key generation failed");
  return Pkey(k);
}

std::string key_to_pem(EVP_PKEY* key) {
  Bio b = memory_bio();
  if (PEM_write_bio_PrivateKey(b.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) throw_openssl("writing the key");
  return bio_text(b.get());
}

Pkey key_from_pem(const std::string& pem) {
  Bio b = read_bio(pem);
  Pkey k(PEM_read_bio_PrivateKey(b.get(), nullptr, no_passphrase, nullptr));
  if (!k) throw_openssl("not a PEM private key (an encrypted key must be decrypted first)");
  ERR_clear_error();
  return k;
}

std::vector<X509Ptr> chain_from_pem(const std::string& pem) {
  Bio b = read_bio(pem);
  std::vector<X509Ptr> out;
  while (X509* c = PEM_read_bio_X509(b.get(), nullptr, no_passphrase, nullptr)) out.emplace_back(c);
  ERR_clear_error();  // the end of the text is reported as an error
  if (out.empty()) throw std::runtime_error("no PEM certificate found");
  return out;
}

std::string chain_to_pem(const std::vector<X509Ptr>& chain) {
  Bio b = memory_bio();
  for (const auto& c : chain)
    if (PEM_write_bio_X509(b.get(), c.get()) != 1) throw_openssl("writing the certificate");
  return bio_text(b.get());
}

CertInfo describe(X509* cert) {
  CertInfo info;
  info.subject = name_line(X509_get_subject_name(cert));
  info.issuer = name_line(X509_get_issuer_name(cert));
  if (GeneralNames names{static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr))}) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
      const GENERAL_NAME* g = sk_GENERAL_NAME_value(names.get(), i);
      if (g->type != GEN_DNS) continue;
      const auto* s = g->d.dNSName;
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                                  static_cast<std::size_t>(ASN1_STRING_length(s)));
    }
  }
  if (info.dns_names.empty()) {
    const X509_NAME* subject = X509_get_subject_name(cert);
    const int idx = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
    if (idx >= 0) {
      const ASN1_STRING* cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, idx));
      info.dns_names.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(cn)),
                                  static_cast<std::size_t>(ASN1_STRING_length(cn)));
    }
  }
  info.not_before = unix_time(X509_get0_notBefore(cert));
  info.not_after = unix_time(X509_get0_notAfter(cert));
  info.key = key_description(X509_get0_pubkey(cert));
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) == 1) {
    static const char* hex = "0123456789ABCDEF";
    for (unsigned int i = 0; i < len; ++i) {
      if (i) info.sha256 += ':';
      info.sha256 += hex[md[i] >> 4];
      info.sha256 += hex[md[i] & 15];
    }
  }
  info.self_signed = X509_self_signed(cert, 0) == 1;
  ERR_clear_error();
  return info;
}

bool key_matches(X509* cert, EVP_PKEY* key) {
  const bool ok = X509_check_private_key(cert, key) == 1;
  ERR_clear_error();
  return ok;
}

std::string verify_chain(const std::vector<X509Ptr>& chain, const std::string& extra_ca_pem, bool allow_self_signed) {
  if (chain.empty()) return "no certificate";
  X509* leaf = chain.front().get();
  if (X509_cmp_current_time(X509_get0_notAfter(leaf)) <= 0) return "the certificate has expired";
  if (X509_cmp_current_time(X509_get0_notBefore(leaf)) >= 0) return "the certificate is not valid yet";
  if (allow_self_signed && chain.size() == 1 && X509_self_signed(leaf, 1) == 1) {
    ERR_clear_error();
    return "";
  }
  X509Store store(X509_STORE_new());
  if (!store || X509_STORE_set_default_paths(store.get()) != 1) throw_openssl("the system trust store");
  if (!extra_ca_pem.empty())
    for (auto& ca : chain_from_pem(extra_ca_pem))
      if (X509_STORE_add_cert(store.get(), ca.get()) != 1) throw_openssl("adding the CA certificate");
  X509Stack untrusted(sk_X509_new_null());
  for (std::size_t i = 1; i < chain.size(); ++i) {
    X509_up_ref(chain[i].get());
    sk_X509_push(untrusted.get(), chain[i].get());
  }
  X509StoreCtx ctx(X509_STORE_CTX_new());
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store.get(), leaf, untrusted.get()) != 1) throw_openssl("verification");
  X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_SSL_SERVER);
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  std::string error;
  if (!ok) {
    const int code = X509_STORE_CTX_get_error(ctx.get());
    error = std::string(X509_verify_cert_error_string(code)) + " (at depth " +
            std::to_string(X509_STORE_CTX_get_error_depth(ctx.get())) + ")";
  }
  ERR_clear_error();
  return error;
}

std::string self_signed_pem(EVP_PKEY* key, const std::vector<std::string>& dns_names, int days) {
  const std::string san = san_value(dns_names);
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) throw_openssl("new certificate");
  unsigned char serial[16];
  if (RAND_bytes(serial, sizeof serial) != 1) throw_openssl("random serial");
  serial[0] &= 0x7f;  // positive
  Handle<BIGNUM, BN_free> bn(BN_bin2bn(serial, sizeof serial, nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert.get())) == nullptr) throw_openssl("serial");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -300);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 86400L);
  if (X509_set_pubkey(cert.get(), key) != 1) throw_openssl("public key");
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(dns_names.front().c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  add_extension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), &ctx, NID_key_usage,
                EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "critical,digitalSignature,keyEncipherment"
                                                          : "critical,digitalSignature");
  add_extension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth,clientAuth");
  add_extension(cert.get(), &ctx, NID_subject_key_identifier, "hash");
  add_extension(cert.get(), &ctx, NID_subject_alt_name, san);
  if (X509_sign(cert.get(), key, EVP_sha256()) <= 0) throw_openssl("signing the certificate");
  Bio b = memory_bio();
  PEM_write_bio_X509(b.get(), cert.get());
  return bio_text(b.get());
}

std::string csr_pem(EVP_PKEY* key, const std::vector<std::string>& dns_names, const std::string& organisation,
                    const std::string& country) {
  const std::string san = san_value(dns_names);
  X509Req req(X509_REQ_new());
  if (!req || X509_REQ_set_version(req.get(), 0) != 1) throw_openssl("new request");
  X509_NAME* name = X509_REQ_get_subject_name(req.get());
  const auto add = [name](const char* field, const std::string& value) {
    if (!value.empty() &&
        X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8, reinterpret_cast<const unsigned char*>(value.c_str()),
                                   -1, -1, 0) != 1)
      throw_openssl(std::string("subject ") + field + " '" + value + "'");
  };
  add("C", country);
  add("O", organisation);
  add("CN", dns_names.front());
  if (X509_REQ_set_pubkey(req.get(), key) != 1) throw_openssl("public key");
  Handle<STACK_OF(X509_EXTENSION), free_extensions> exts(sk_X509_EXTENSION_new_null());
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, nullptr, NID_subject_alt_name, san.c_str());
  if (ext == nullptr) throw_openssl("subjectAltName");
  sk_X509_EXTENSION_push(exts.get(), ext);
  if (X509_REQ_add_extensions(req.get(), exts.get()) != 1) throw_openssl("request extensions");
  if (X509_REQ_sign(req.get(), key, EVP_sha256()) <= 0) throw_openssl("signing the request");
  Bio b = memory_bio();
  PEM_write_bio_X509_REQ(b.get(), req.get());
  return bio_text(b.get());
}

bool valid_dns_name(std::string_view name) {
  if (name.rfind("*.", 0) == 0) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string_view::npos) dot = name.size();
    const std::string_view label = name.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    start = dot + 1;
    if (dot == name.size()) break;
  }
  return true;
}

bool name_matches(const std::vector<std::string>& dns_names, std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  for (const auto& n : dns_names) {
    if (equal_nocase(n, host)) return true;
    if (n.rfind("*.", 0) == 0) {
      const std::size_t dot = host.find('.');
      if (dot != std::string_view::npos && dot > 0 && equal_nocase(std::string_view(n).substr(1), host.substr(dot)))
        return true;
    }
  }
  return false;
}

}  // namespace portcullis::tls
