#include "tls/ossl.hpp"

#include <openssl/err.h>

namespace portcullis::tls {

void throw_openssl(const std::string& what) {
  const unsigned long code = ERR_get_error();
  std::string text = what;
  if (code != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    const char* reason = ERR_reason_error_string(code);
    text += ": ";
    text += reason != nullptr ? reason : buf;
  }
  ERR_clear_error();
  throw std::runtime_error(text);
}

}  // namespace portcullis::tls
