// SHA-256 (OpenSSL EVP) as lowercase hex: of a string, of a file (streamed), and incrementally.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace portcullis::upgrade {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(Sha256&&) noexcept;
  Sha256& operator=(Sha256&&) noexcept;

  void update(std::string_view data);
  // The digest as 64 lowercase hex digits; the object cannot be updated afterwards.
  std::string finish();

 private:
  struct Free {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, Free> ctx_;
  bool finished_ = false;
};

std::string sha256_hex(std::string_view data);
// Throws BundleError if the file cannot be read.
std::string sha256_file_hex(const std::filesystem::path& file);
std::string to_hex(std::string_view bytes);

}  // namespace portcullis::upgrade
