#include "bundle/signature.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

#include "bundle/digest.hpp"
#include "bundle/error.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(BIO* p) const { BIO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, Free>;
using MdCtx = std::unique_ptr<EVP_MD_CTX, Free>;
using Bio = std::unique_ptr<BIO, Free>;

constexpr std::size_t max_pem_size = 16 * 1024;

// OpenSSL's error queue is per thread and outlives the call: leave it empty for whoever is next.
struct ClearErrors {
  ~ClearErrors() { ERR_clear_error(); }
};

// Encrypted private keys are refused rather than prompted for on the terminal.
int no_passphrase(char*, int, int, void*) { return -1; }

Bio memory_bio(std::string_view text) {
  if (text.size() > max_pem_size) return nullptr;
  return Bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

// Only Ed25519 keys: a release key of another type (RSA, EC, Ed448) is not a release key.
Pkey read_public(std::string_view pem) {
  Bio bio = memory_bio(pem);
  if (!bio) return nullptr;
  Pkey key(PEM_read_bio_PUBKEY(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key || !EVP_PKEY_is_a(key.get(), "ED25519")) return nullptr;
  return key;
}

std::string pem_of(EVP_PKEY* key, bool private_key) {
  Bio bio(BIO_new(BIO_s_mem()));
  if (!bio) throw BundleError("out of memory");
  const int ok = private_key ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr)
                             : PEM_write_bio_PUBKEY(bio.get(), key);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  if (ok != 1 || len <= 0) throw BundleError("cannot encode the key as PEM");
  std::string out(data, static_cast<std::size_t>(len));
  if (private_key) OPENSSL_cleanse(data, static_cast<std::size_t>(len));
  return out;
}

void write_all(int fd, std::string_view data, const fs::path& where) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw BundleError("cannot write " + where.string() + ": " + std::strerror(errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Writes a complete file under a temporary name, then link()s it into place: link never replaces
// an existing file, so the check for "already exists" is atomic and a crash leaves no partial key.
void write_new_file(const fs::path& target, std::string_view content, mode_t mode) {
  std::string tmp = target.string() + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());  // created 0600, so a private key is never readable by others
  if (fd < 0) throw BundleError("cannot create " + tmp + ": " + std::strerror(errno));
  try {
    if (::fchmod(fd, mode) != 0) throw BundleError("cannot chmod " + tmp + ": " + std::strerror(errno));
    write_all(fd, content, tmp);
    if (::fsync(fd) != 0) throw BundleError("cannot sync " + tmp + ": " + std::strerror(errno));
  } catch (...) {
    ::close(fd);
    ::unlink(tmp.c_str());
    throw;
  }
  ::close(fd);
  if (::link(tmp.c_str(), target.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    throw BundleError(target.string() + (err == EEXIST ? ": already exists, not overwriting it"
                                                       : std::string(": cannot create: ") + std::strerror(err)));
  }
  ::unlink(tmp.c_str());
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace

void generate_key(const fs::path& private_pem, const fs::path& public_pem) {
  ClearErrors clear;
  for (const auto& p : {private_pem, public_pem}) {
    std::error_code ec;
    if (fs::exists(fs::symlink_status(p, ec))) throw BundleError(p.string() + ": already exists, not overwriting it");
  }
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) throw BundleError("cannot generate an Ed25519 key");
  std::string priv = pem_of(key.get(), true);
  const std::string pub = pem_of(key.get(), false);
  try {
    write_new_file(private_pem, priv, 0600);
  } catch (...) {
    OPENSSL_cleanse(priv.data(), priv.size());
    throw;
  }
  OPENSSL_cleanse(priv.data(), priv.size());
  try {
    write_new_file(public_pem, pub, 0644);
  } catch (...) {
    ::unlink(private_pem.c_str());  // no half-made pair
    throw;
  }
}

std::string sign(const fs::path& private_pem, std::string_view data) {
  ClearErrors clear;
  std::ifstream in(private_pem, std::ios::binary);
  if (!in) throw BundleError("cannot read " + private_pem.string() + ": " + std::strerror(errno));
  std::string text(max_pem_size + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  struct Cleanse {  // the key's PEM does not outlive this call (the BIO reads it in place)
    std::string& s;
    ~Cleanse() { OPENSSL_cleanse(s.data(), s.size()); }
  } cleanse{text};
  Bio bio = memory_bio(text);
  if (!bio) throw BundleError(private_pem.string() + ": too large for a private key");
  Pkey key(PEM_read_bio_PrivateKey(bio.get(), nullptr, no_passphrase, nullptr));
  if (!key) throw BundleError(private_pem.string() + ": not an unencrypted PEM private key");
  if (!EVP_PKEY_is_a(key.get(), "ED25519")) throw BundleError(private_pem.string() + ": not an Ed25519 key");
  MdCtx ctx(EVP_MD_CTX_new());
  std::string sig(signature_size, '\0');
  std::size_t len = sig.size();
  // Pure Ed25519: no digest (NULL), the whole message goes to one EVP_DigestSign call.
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                     reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
      len != signature_size)
    throw BundleError(private_pem.string() + ": signing failed");
  return sig;
}

bool verify(std::string_view public_pem_text, std::string_view data, std::string_view signature) {
  ClearErrors clear;
  try {
    if (signature.size() != signature_size) return false;
    Pkey key = read_public(public_pem_text);
    if (!key) return false;
    MdCtx ctx(EVP_MD_CTX_new());
    return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
           EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                            reinterpret_cast<const unsigned char*>(data.data()), data.size()) == 1;
  } catch (const std::exception&) {
    return false;
  }
}

std::string key_id(std::string_view public_pem_text) {
  ClearErrors clear;
  Pkey key = read_public(public_pem_text);
  if (!key) throw BundleError("not an Ed25519 public key");
  unsigned char raw[32];
  std::size_t len = sizeof raw;
  if (EVP_PKEY_get_raw_public_key(key.get(), raw, &len) != 1 || len != sizeof raw)
    throw BundleError("not an Ed25519 public key");
  return sha256_hex(std::string_view(reinterpret_cast<const char*>(raw), len)).substr(0, 16);
}

}  // namespace portcullis::upgrade
