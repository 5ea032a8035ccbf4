// Admin passwords: hashed with scrypt (memory-hard; OpenSSL 3's EVP_PBE_scrypt) into a PHC
// string "$scrypt$ln=17,r=8,p=1$SALT$HASH" (unpadded base64), verified in constant time.
// The parameters travel in the string, so stronger settings later still verify old hashes.
#pragma once
#include <string>
#include <string_view>

namespace portcullis::core {

struct ScryptParams {
  unsigned log2_n = 17;  // N = 131072: 128 MiB with r = 8 (OWASP's minimum recommendation)
  unsigned r = 8;
  unsigned p = 1;
};

// A new PHC string for `password` with a random 16-octet salt. Throws std::runtime_error if
// OpenSSL fails (e.g. out of memory).
std::string hash_password(std::string_view password, const ScryptParams& params = {});

// True if `password` matches `phc`. A malformed string, unknown algorithm or parameters out
// of bounds (log2_n 10..22, r 1..32, p 1..16) never match.
bool verify_password(std::string_view password, std::string_view phc);

// Why a new password is too weak ("" if acceptable): at least 12 characters, and at least
// three of lower case, upper case, digits, other characters unless 20 or more characters long.
std::string password_weakness(std::string_view password);

}  // namespace portcullis::core
