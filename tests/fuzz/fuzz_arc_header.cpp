// ARC (RFC 8617) on arbitrary octets: the parsers of the three header fields
// (ARC-Authentication-Results, ARC-Message-Signature, ARC-Seal), and the whole validation
// pipeline short of DNS (ValidationCore; every key name answers with the record of a fixed
// Ed25519 key, or does not exist), and the Sealer. Besides not crashing:
//  - what a parser accepts is what RFC 8617 allows (instances 1..50, From signed, no ARC-Seal
//    in an AMS h=, b= offsets within the input);
//  - validation gives the same result whatever the chunking;
//  - a message without a chain, sealed with the fixed key, then validates as a chain of one
//    that passes (when prepending fields cannot change how the message reads: no mbox "From "
//    line or leading whitespace, room left within the header limits); checked for one input
//    in eight, the signing being slow.
// Chunk sizes and limits come from a hash of the input, so seeds stay plain text.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "checks/arc/fields.hpp"
#include "checks/arc/result.hpp"
#include "checks/arc/seal.hpp"
#include "checks/arc/validate_core.hpp"
#include "checks/dkim/crypto.hpp"
#include "checks/dkim/sign.hpp"
#include "checks/dkim/text.hpp"
#include "mail/headers.hpp"

namespace {

namespace arc = portcullis::checks::arc;
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

// The fixed Ed25519 key (seed 0x01..0x20) every key name answers with: seeds sealed with it
// (d=fuzz.example, s=arc) validate.
struct FixedKey {
  dk::SigningKey key;
  std::string record;
  FixedKey() {
    unsigned char seed[32];
    for (int i = 0; i < 32; ++i) seed[i] = static_cast<unsigned char>(i + 1);
    key.domain = "fuzz.example";
    key.selector = "arc";
    key.key = dk::Pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, sizeof seed));
    key.type = dk::KeyType::ed25519;
    key.bits = 256;
    record = "v=DKIM1; k=ed25519; p=" + dk::public_key_value(key.key.get());
  }
};
const FixedKey& fixed() {
  static const FixedKey k;
  return k;
}

void auth_results(std::string_view in) {
  const auto p = arc::parse_auth_results(in);
  if (!p.ok()) return;
  if (p.field.instance < 1 || p.field.instance > arc::kMaxInstance) __builtin_trap();
  if (p.field.authserv_id.empty() || p.field.results.empty()) __builtin_trap();
  if (arc::field_instance(arc::FieldKind::auth_results, in) != p.field.instance) __builtin_trap();
}

void message_signature(std::string_view in) {
  const auto p = arc::parse_message_signature(in);
  if (p.sig.b_value_begin > p.sig.b_value_end || p.sig.b_value_end > in.size()) __builtin_trap();
  if (!p.ok()) return;
  const auto& s = p.sig;
  if (s.instance < 1 || s.instance > arc::kMaxInstance) __builtin_trap();
  bool from = false;
  for (const auto& h : s.headers) {
    from = from || dk::iequals(h, "from");
    if (dk::iequals(h, "arc-seal") || h.empty()) __builtin_trap();
  }
  if (!from || s.body_hash.empty() || s.signature.empty() || s.domain.empty() || s.selector.empty()) __builtin_trap();
  if (s.timestamp && s.expiration && *s.expiration <= *s.timestamp) __builtin_trap();
  if (arc::field_instance(arc::FieldKind::message_signature, in) != s.instance) __builtin_trap();
}

void seal(std::string_view in) {
  const auto p = arc::parse_seal(in);
  if (p.seal.b_value_begin > p.seal.b_value_end || p.seal.b_value_end > in.size()) __builtin_trap();
  if (!p.ok()) return;
  if (p.seal.instance < 1 || p.seal.instance > arc::kMaxInstance) __builtin_trap();
  if (arc::parse_cv(arc::to_string(p.seal.cv)) != p.seal.cv) __builtin_trap();
  if (p.seal.signature.empty() || p.seal.domain.empty()) __builtin_trap();
  if (arc::field_instance(arc::FieldKind::seal, in) != p.seal.instance) __builtin_trap();
}

arc::ChainResult validate(std::string_view in, std::size_t max_chunk, std::uint64_t& rng, const arc::Limits& limits) {
  arc::ValidationCore core(limits);
  if (max_chunk == 0) {
    core.feed(in);
  } else {
    for (std::size_t pos = 0; pos < in.size();) {
      const std::size_t n = next(rng) % (max_chunk + 1);
      core.feed(in.substr(pos, n));
      pos += n;
    }
  }
  core.finish_message(1700000000);
  std::map<std::string, portcullis::net::TxtResult> keys;
  for (const auto& name : core.key_names()) {
    portcullis::net::TxtResult r;
    if (name.find("nokey") != std::string::npos) {
      r.status = portcullis::net::DnsStatus::nxdomain;
    } else {
      r.status = portcullis::net::DnsStatus::ok;
      r.records.push_back(fixed().record);
    }
    keys[name] = r;
  }
  return core.complete(keys);
}

bool same(const arc::ChainResult& a, const arc::ChainResult& b) {
  if (a.cv != b.cv || a.instances != b.instances || a.oldest_pass != b.oldest_pass || a.problem != b.problem ||
      a.temporary != b.temporary || a.sets.size() != b.sets.size())
    return false;
  for (std::size_t i = 0; i < a.sets.size(); ++i) {
    const auto& x = a.sets[i];
    const auto& y = b.sets[i];
    if (x.authserv_id != y.authserv_id || x.domain != y.domain || x.cv != y.cv || x.ams_valid != y.ams_valid ||
        x.seal_valid != y.seal_valid || x.problem != y.problem)
      return false;
  }
  return true;
}

void message(std::string_view in, std::uint64_t& rng) {
  arc::Limits limits;
  limits.max_body_hashes = 1 + next(rng) % 4;
  limits.oldest_pass = next(rng) % 4 != 0;
  const auto whole = validate(in, 0, rng, limits);
  const auto chunked = validate(in, 1 + next(rng) % 32, rng, limits);
  if (!same(whole, chunked)) __builtin_trap();
  const bool bad_oldest = whole.oldest_pass < 0 || whole.oldest_pass > whole.instances;
  if (whole.cv == arc::Cv::pass && (whole.instances < 1 || bad_oldest)) __builtin_trap();
  if (whole.cv == arc::Cv::none && whole.instances != 0) __builtin_trap();
  if (static_cast<int>(whole.sets.size()) != whole.instances) __builtin_trap();

  // Seal, then validate what was sealed (one input in eight: signing is slow under ASan).
  if (next(rng) % 8 != 0) return;
  std::string error;
  const auto set =
      arc::seal_message(in, whole, fixed().key, "mx.fuzz.example", "spf=pass; arc=none", 1700000000, error);
  if (!set) return;
  if (set->instance < 1 || set->instance > arc::kMaxInstance) __builtin_trap();
  if (whole.cv != arc::Cv::none) return;
  const auto section = portcullis::mail::parse_headers(in);
  const bool plain = !in.starts_with("From ") && (in.empty() || (in.front() != ' ' && in.front() != '\t')) &&
                     !section.truncated && section.fields.size() + 3 < arc::Limits{}.max_header_fields &&
                     in.size() + 4096 < arc::Limits{}.max_header_bytes;
  if (!plain) return;
  const std::string sealed = set->text() + std::string(in);
  arc::Limits defaults;
  const auto again = validate(sealed, 0, rng, defaults);
  if (again.cv != arc::Cv::pass || again.instances != 1) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::uint64_t rng = hash(in) | 1;
  auth_results(in);
  message_signature(in);
  seal(in);
  message(in, rng);
  return 0;
}
