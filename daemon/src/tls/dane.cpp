#include "tls/dane.hpp"

#include <string>

namespace portcullis::tls {

bool dane_usable(const Tlsa& r) {
  if (r.usage != 2 && r.usage != 3) return false;
  if (r.selector > 1) return false;
  switch (r.mtype) {
    case 0:
      return !r.data.empty();
    case 1:
      return r.data.size() == 32;
    case 2:
      return r.data.size() == 64;
    default:
      return false;
  }
}

std::string describe(const Tlsa& r) {
  std::string out = std::to_string(r.usage) + " " + std::to_string(r.selector) + " " + std::to_string(r.mtype) + " ";
  constexpr std::size_t shown = 8;
  static constexpr char hex[] = "0123456789abcdef";
  for (std::size_t i = 0; i < r.data.size() && i < shown; ++i) {
    out += hex[r.data[i] >> 4];
    out += hex[r.data[i] & 0x0f];
  }
  if (r.data.size() > shown) out += "…";
  return out;
}

int enable_dane(SSL* ssl, const std::string& host, const std::vector<Tlsa>& records) {
  if (SSL_dane_enable(ssl, host.c_str()) <= 0) return 0;
  // RFC 7672 3.1.1: a DANE-EE match says everything; the names in the certificate do not count.
  SSL_dane_set_flags(ssl, DANE_FLAG_NO_DANE_EE_NAMECHECKS);
  int added = 0;
  for (const Tlsa& r : records) {
    if (SSL_dane_tlsa_add(ssl, r.usage, r.selector, r.mtype, r.data.data(), r.data.size()) > 0) ++added;
  }
  if (added > 0) SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  return added;
}

std::string dane_match(SSL* ssl) {
  std::uint8_t usage = 0;
  std::uint8_t selector = 0;
  std::uint8_t mtype = 0;
  const unsigned char* data = nullptr;
  std::size_t len = 0;
  if (SSL_get0_dane_tlsa(ssl, &usage, &selector, &mtype, &data, &len) < 0) return "";
  return usage == 3 ? "DANE-EE" : usage == 2 ? "DANE-TA" : "";
}

}  // namespace portcullis::tls
