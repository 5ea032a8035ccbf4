// DKIM signing keys and DMARC report rows (Store::add_dkim_key, Store::dmarc_record): the checks
// and normalisation shared by both backends, so they accept, store and reject the same values
// (SQLite would take any length and any octets, MariaDB's columns would not), and the reading
// of their rows. The callers pass normalised values already; this is the second pass. No
// message here ever contains a private key.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "store/keys.hpp"
#include "store/store.hpp"

namespace portcullis::store {

inline constexpr std::size_t kMaxDnsName = 253;
inline constexpr std::size_t kMaxDnsLabel = 63;
inline constexpr std::size_t kMaxTextColumn = 65535;  // a TEXT column of MariaDB, in octets

// A DKIM signing domain as stored: lower-cased, one trailing dot dropped.
inline std::string dkim_domain_key(std::string_view domain) {
  if (domain.ends_with('.')) domain.remove_suffix(1);
  return lower_ascii(domain);
}

inline std::string dkim_selector_key(std::string_view selector) { return lower_ascii(selector); }

// "sel._domainkey.example.com": how keys are named in messages (the name of the TXT record).
inline std::string dkim_key_name(const std::string& domain, const std::string& selector) {
  return "DKIM key " + selector + "._domainkey." + domain;
}

// Letters, digits and hyphens in dot-separated labels of 1-63 octets, at most 253 octets in all
// (RFC 6376 3.1 and 3.5: the selector and d= are sub-domains in the sense of RFC 5321).
inline bool is_dns_name(std::string_view name) {
  if (name.empty() || name.size() > kMaxDnsName) return false;
  std::size_t label = 0;
  for (char c : name) {
    if (c == '.') {
      if (label == 0) return false;
      label = 0;
      continue;
    }
    const bool ldh = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ldh || ++label > kMaxDnsLabel) return false;
  }
  return label > 0;
}

// Printable ASCII plus tab, CR and LF (a PEM, a TXT record value).
inline bool is_text_ascii(std::string_view text) {
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u > 0x7e || (u < 0x20 && c != '\t' && c != '\r' && c != '\n')) return false;
  }
  return true;
}

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF) without NUL.
inline bool is_utf8_text(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b == 0) return false;
    if (b < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xbf;  // the range of the second octet
    if (b >= 0xc2 && b <= 0xdf) {
      n = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
      n = 2;
      if (b == 0xe0) lo = 0xa0;
      if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      n = 3;
      if (b == 0xf0) lo = 0x90;
      if (b == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (text.size() - i <= n) return false;
    for (std::size_t k = 1; k <= n; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if (c < (k == 1 ? lo : 0x80) || c > (k == 1 ? hi : 0xbf)) return false;
    }
    i += n + 1;
  }
  return true;
}

// The key as the store keeps it (domain and selector lower-cased); throws StoreError for a
// value the store does not take.
inline DkimKey normalised_dkim_key(const DkimKey& k) {
  DkimKey out = k;
  out.domain = dkim_domain_key(k.domain);
  out.selector = dkim_selector_key(k.selector);
  if (!is_dns_name(out.domain))
    throw StoreError("DKIM key: the domain '" + out.domain + "' is not a DNS name (letters, digits, '-', '.')");
  if (!is_dns_name(out.selector))
    throw StoreError("DKIM key: the selector '" + out.selector + "' is not a DNS name (letters, digits, '-', '.')");
  const std::string name = dkim_key_name(out.domain, out.selector);
  if (out.selector.size() + std::string_view("._domainkey.").size() + out.domain.size() > kMaxDnsName)
    throw StoreError(name + ": the record name is longer than 253 octets");
  if (out.algorithm != "rsa-sha256" && out.algorithm != "ed25519-sha256")
    throw StoreError(name + ": the algorithm must be rsa-sha256 or ed25519-sha256 (not '" + out.algorithm + "')");
  if (out.private_pem.empty() || out.private_pem.size() > kMaxTextColumn || !is_text_ascii(out.private_pem))
    throw StoreError(name + ": the private key must be a PEM text of 1-65535 ASCII octets");
  if (out.public_txt.empty() || out.public_txt.size() > kMaxTextColumn || !is_text_ascii(out.public_txt))
    throw StoreError(name + ": the public record must be 1-65535 ASCII octets");
  return out;
}

inline void check_dmarc_field(const char* field, const std::string& value, std::size_t max) {
  if (value.size() > max)
    throw StoreError(std::string("DMARC row: ") + field + " is longer than " + std::to_string(max) + " octets");
  if (!is_utf8_text(value)) throw StoreError(std::string("DMARC row: ") + field + " is not UTF-8 text");
}

// The row as the store keeps it (its domains lower-cased); throws StoreError for a value the
// store does not take.
inline DmarcRow normalised_dmarc_row(const DmarcRow& r) {
  DmarcRow out = r;
  out.header_from = lower_ascii(r.header_from);
  out.envelope_from = lower_ascii(r.envelope_from);
  out.policy_domain = lower_ascii(r.policy_domain);
  out.spf_domain = lower_ascii(r.spf_domain);
  if (out.policy_domain.empty()) throw StoreError("DMARC row: the policy domain must not be empty");
  if (out.disposition != "none" && out.disposition != "quarantine" && out.disposition != "reject")
    throw StoreError("DMARC row: the disposition must be none, quarantine or reject (not '" + out.disposition + "')");
  if (out.dmarc != "pass" && out.dmarc != "fail")
    throw StoreError("DMARC row: the DMARC result must be pass or fail (not '" + out.dmarc + "')");
  check_dmarc_field("queue_id", out.queue_id, 64);
  check_dmarc_field("source_ip", out.source_ip, 64);
  check_dmarc_field("header_from", out.header_from, 255);
  check_dmarc_field("envelope_from", out.envelope_from, 255);
  check_dmarc_field("policy_domain", out.policy_domain, 255);
  check_dmarc_field("published", out.published, 255);
  check_dmarc_field("spf_domain", out.spf_domain, 255);
  check_dmarc_field("spf_result", out.spf_result, 16);
  check_dmarc_field("dkim", out.dkim, kMaxTextColumn);
  check_dmarc_field("reason", out.reason, 255);
  return out;
}

// The columns in the order both backends read them.
inline constexpr const char* dkim_key_columns = "domain, selector, algorithm, private_pem, public_txt, active, created";
inline constexpr const char* dmarc_row_columns =
    "received, queue_id, source_ip, header_from, envelope_from, policy_domain, published, disposition, dmarc, "
    "spf_domain, spf_result, dkim, reason";

template <typename Row>
DkimKey read_dkim_key(const Row& row) {
  DkimKey k;
  k.domain = row.text(0);
  k.selector = row.text(1);
  k.algorithm = row.text(2);
  k.private_pem = row.text(3);
  k.public_txt = row.text(4);
  k.active = row.integer(5) != 0;
  k.created = row.integer(6);
  return k;
}

template <typename Row>
DmarcRow read_dmarc_row(const Row& row) {
  DmarcRow r;
  r.received = row.integer(0);
  r.queue_id = row.text(1);
  r.source_ip = row.text(2);
  r.header_from = row.text(3);
  r.envelope_from = row.text(4);
  r.policy_domain = row.text(5);
  r.published = row.text(6);
  r.disposition = row.text(7);
  r.dmarc = row.text(8);
  r.spf_domain = row.text(9);
  r.spf_result = row.text(10);
  r.dkim = row.text(11);
  r.reason = row.text(12);
  return r;
}

}  // namespace portcullis::store
