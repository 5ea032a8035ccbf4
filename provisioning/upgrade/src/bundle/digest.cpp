#include "bundle/digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <cstring>
#include <fstream>

#include "bundle/error.hpp"

namespace portcullis::upgrade {

void Sha256::Free::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_ || EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr) != 1) throw BundleError("sha256: cannot initialise");
}
Sha256::~Sha256() = default;
Sha256::Sha256(Sha256&&) noexcept = default;
Sha256& Sha256::operator=(Sha256&&) noexcept = default;

void Sha256::update(std::string_view data) {
  if (finished_ || !ctx_) throw BundleError("sha256: update after finish");
  if (!data.empty() && EVP_DigestUpdate(ctx_.get(), data.data(), data.size()) != 1)
    throw BundleError("sha256: update failed");
}

std::string Sha256::finish() {
  if (finished_ || !ctx_) throw BundleError("sha256: finished twice");
  finished_ = true;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_.get(), md, &len) != 1) throw BundleError("sha256: final failed");
  return to_hex(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string sha256_hex(std::string_view data) {
  Sha256 h;
  h.update(data);
  return h.finish();
}

std::string sha256_file_hex(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw BundleError("cannot read " + file.string() + ": " + std::strerror(errno));
  Sha256 h;
  std::array<char, 64 * 1024> buf;
  while (in) {
    in.read(buf.data(), buf.size());
    h.update(std::string_view(buf.data(), static_cast<std::size_t>(in.gcount())));
  }
  if (in.bad()) throw BundleError("cannot read " + file.string());
  return h.finish();
}

std::string to_hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

}  // namespace portcullis::upgrade
