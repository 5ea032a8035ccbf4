// DKIM's parsers and canonicalisers on arbitrary octets: the tag=value list, DKIM-Signature
// fields, key records (and the public keys they carry), base64 and dkim-quoted-printable, header
// and body canonicalisation, and the whole verification pipeline short of DNS
// (VerificationCore, with key records made up here: the RFC 8463 example's keys). Besides not
// crashing: offsets must stay within the input, limits must hold, and the body canonicaliser,
// the body hasher and the verifier fed in random chunks must agree with one fed the whole
// input. Chunk sizes and limits come from a hash of the input, so seeds stay plain text.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "checks/dkim/base64.hpp"
#include "checks/dkim/canon.hpp"
#include "checks/dkim/crypto.hpp"
#include "checks/dkim/key_record.hpp"
#include "checks/dkim/signature.hpp"
#include "checks/dkim/tags.hpp"
#include "checks/dkim/text.hpp"
#include "checks/dkim/verify_core.hpp"

namespace {

namespace dk = portcullis::checks::dkim;

std::uint64_t hash(std::string_view s) {  // FNV-1a
  std::uint64_t h = 1469598103934665603ull;
  for (const char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h;
}

std::uint64_t next(std::uint64_t& state) {  // xorshift64
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return state;
}

// The RFC 8463 example's key records (football.example.com).
const char* const kEdRecord = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
const char* const kRsaRecord =
    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"
    "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+"
    "2kryOTIKT+l/K4w3QIDAQAB";

void tags(std::string_view in) {
  const dk::TagParse p = dk::parse_tag_list(in);
  if (p.list.tags.size() > dk::TagLimits{}.max_tags) __builtin_trap();
  for (const auto& t : p.list.tags) {
    if (t.value_begin > t.value_end || t.value_end > in.size()) __builtin_trap();
    if (t.name.empty() || t.value.size() > t.value_end - t.value_begin) __builtin_trap();
  }
}

void signature(std::string_view in) {
  const dk::SignatureParse p = dk::parse_signature(in);
  if (p.sig.b_value_begin > p.sig.b_value_end || p.sig.b_value_end > in.size()) __builtin_trap();
  if (!p.ok()) return;
  const auto& s = p.sig;
  bool from = false;
  for (const auto& h : s.headers) from = from || dk::iequals(h, "from");
  if (!from || s.headers.size() > dk::SignatureLimits{}.max_headers) __builtin_trap();
  if (s.body_hash.empty() || s.signature.empty() || s.domain.empty() || s.selector.empty()) __builtin_trap();
  const std::string_view idomain = std::string_view(s.identity).substr(s.identity.rfind('@') + 1);
  if (!dk::same_or_subdomain(idomain, s.domain)) __builtin_trap();
  if (s.timestamp && s.expiration && *s.expiration <= *s.timestamp) __builtin_trap();
}

void key_record(std::string_view in) {
  const dk::KeyRecordParse k = dk::parse_key_record(in);
  if (!k.ok() || k.key.revoked) return;
  std::string error;
  const auto key = dk::load_public_key(k.key.key_type, k.key.public_key, error);
  if (!key && error.empty()) __builtin_trap();
}

void codecs(std::string_view in) {
  if (const auto decoded = dk::base64_decode(in)) {
    if (dk::base64_decode(dk::base64_encode(*decoded)) != decoded) __builtin_trap();
  }
  (void)dk::decode_dkim_qp(in);
}

// Any octets as one field (no crash, simple is the identity), then the fields the header
// parser finds: their relaxed form is one unfolded line with a lower-case name.
void headers(std::string_view in) {
  std::string out;
  dk::canon_header(dk::Canon::relaxed, in, out);
  out.clear();
  dk::canon_header(dk::Canon::simple, in, out);
  if (out != in) __builtin_trap();
  (void)dk::field_without_value_range(in, in.size() / 3, in.size() / 2);
  const auto section = portcullis::mail::parse_headers(in);
  for (const auto& field : section.fields) {
    out.clear();
    dk::canon_header(dk::Canon::relaxed, dk::field_text(in, field), out);
    const std::size_t crlf = out.find("\r\n");
    if (crlf != std::string::npos && crlf + 2 != out.size()) __builtin_trap();
    if (out.compare(0, field.name.size(), dk::to_lower(field.name)) != 0 || out[field.name.size()] != ':')
      __builtin_trap();
  }
}

void body(std::string_view in, std::uint64_t& rng) {
  for (const dk::Canon c : {dk::Canon::simple, dk::Canon::relaxed}) {
    std::string whole;
    dk::BodyCanonicalizer a(c);
    a.feed(in, whole);
    a.finish(whole);
    std::string chunked;
    dk::BodyCanonicalizer b(c);
    const std::uint64_t max_chunk = 1 + next(rng) % 16;
    for (std::size_t pos = 0; pos < in.size();) {
      const std::size_t n = next(rng) % (max_chunk + 1);
      b.feed(in.substr(pos, n), chunked);
      pos += n;
    }
    b.finish(chunked);
    if (whole != chunked) __builtin_trap();
    if (c == dk::Canon::simple && (whole.size() < 2 || whole.substr(whole.size() - 2) != "\r\n")) __builtin_trap();
    const std::uint64_t limit = next(rng) % (whole.size() + 2);
    dk::BodyHasher h(c, dk::HashAlg::sha256, limit);
    for (std::size_t pos = 0; pos < in.size(); pos += max_chunk) h.feed(in.substr(pos, max_chunk));
    h.finish();
    if (h.canonical_length() != whole.size()) __builtin_trap();
    if (h.digest() != dk::digest(dk::HashAlg::sha256, std::string_view(whole).substr(0, limit))) __builtin_trap();
  }
}

std::vector<dk::SignatureResult> verify(std::string_view in, std::size_t max_chunk, std::uint64_t& rng,
                                        const dk::Limits& limits) {
  dk::VerificationCore core(limits);
  if (max_chunk == 0) {
    core.feed(in);
  } else {
    for (std::size_t pos = 0; pos < in.size();) {
      const std::size_t n = next(rng) % (max_chunk + 1);
      core.feed(in.substr(pos, n));
      pos += n;
    }
  }
  core.finish_message(1600000000);
  std::map<std::string, portcullis::net::TxtResult> keys;
  for (const auto& name : core.key_names()) {
    portcullis::net::TxtResult r;
    r.status = portcullis::net::DnsStatus::ok;
    r.records.push_back(name.rfind("brisbane.", 0) == 0 ? kEdRecord : kRsaRecord);
    keys[name] = r;
  }
  return core.complete(keys);
}

bool same(const dk::SignatureResult& a, const dk::SignatureResult& b) {
  return a.result == b.result && a.domain == b.domain && a.selector == b.selector && a.identity == b.identity &&
         a.algorithm == b.algorithm && a.trusted == b.trusted && a.b_prefix == b.b_prefix && a.problem == b.problem &&
         a.body_length_limited == b.body_length_limited && a.unsigned_body_octets == b.unsigned_body_octets &&
         a.key_bits == b.key_bits;
}

void message(std::string_view in, std::uint64_t& rng) {
  dk::Limits limits;
  limits.max_signatures = 1 + next(rng) % 4;
  limits.max_header_bytes = 64 + next(rng) % 4096;
  limits.max_header_fields = 1 + next(rng) % 64;
  const auto whole = verify(in, 0, rng, limits);
  const auto chunked = verify(in, 1 + next(rng) % 32, rng, limits);
  if (whole.size() != chunked.size()) __builtin_trap();
  for (std::size_t i = 0; i < whole.size(); ++i) {
    if (!same(whole[i], chunked[i])) __builtin_trap();
    if (whole[i].result == dk::Result::pass && whole[i].body_length_limited != (whole[i].unsigned_body_octets > 0))
      __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::uint64_t rng = hash(in) | 1;
  tags(in);
  signature(in);
  key_record(in);
  codecs(in);
  headers(in);
  body(in, rng);
  message(in, rng);
  return 0;
}
