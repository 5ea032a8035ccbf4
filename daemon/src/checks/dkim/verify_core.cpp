// checks/dkim/verify_core.hpp: DKIM verification without the DNS.
#include "checks/dkim/verify_core.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "checks/dkim/crypto.hpp"
#include "checks/dkim/key_record.hpp"
#include "checks/dkim/text.hpp"

namespace portcullis::checks::dkim {

namespace {

mail::HeaderLimits header_limits(const Limits& limits) {
  mail::HeaderLimits h;
  h.max_bytes = limits.max_header_bytes;
  h.max_fields = limits.max_header_fields;
  return h;
}

}  // namespace

VerificationCore::VerificationCore(Limits limits)
    : limits_(limits),
      splitter_(header_limits(limits), [this] { on_header(); }, [this](std::string_view data) { on_body(data); }) {}

void VerificationCore::feed(std::string_view chunk) { splitter_.feed(chunk); }

void VerificationCore::decide(Entry& e, Result result, std::string problem) const {
  e.result.result = result;
  e.result.problem = std::move(problem);
  e.decided = true;
}

void VerificationCore::on_header() {
  const auto& section = splitter_.section();
  for (std::size_t i = 0; i < section.fields.size(); ++i) {
    const auto& field = section.fields[i];
    if (!iequals(field.name, "DKIM-Signature")) continue;
    Entry e;
    e.field = i;
    e.parse = parse_signature(field.raw_value);
    const Signature& sig = e.parse.sig;
    e.result.domain = sig.domain;
    e.result.selector = sig.selector;
    e.result.algorithm = sig.algorithm_text;
    e.result.identity = e.parse.ok() ? sig.identity : std::string();
    e.result.b_prefix = sig.b_text.substr(0, 8);
    if (entries_.size() >= limits_.max_signatures) {
      decide(e, Result::neutral, "not verified: more than " + std::to_string(limits_.max_signatures) + " signatures");
    } else if (splitter_.truncated()) {
      decide(e, Result::permerror, "header section too large");
    } else if (!e.parse.ok()) {
      decide(e, Result::permerror, e.parse.error);
    } else {
      // One body hash per (canonicalisation, hash, l=), shared between signatures.
      const HashAlg alg = hash_of(sig.algorithm);
      const auto same = [&](const std::unique_ptr<BodyHasher>& h) {
        return h->canon() == sig.body_canon && h->alg() == alg && h->limit() == sig.body_length;
      };
      const auto it = std::find_if(hashers_.begin(), hashers_.end(), same);
      e.hasher = static_cast<std::size_t>(it - hashers_.begin());
      if (it == hashers_.end()) hashers_.push_back(std::make_unique<BodyHasher>(sig.body_canon, alg, sig.body_length));
    }
    entries_.push_back(std::move(e));
  }
}

void VerificationCore::on_body(std::string_view data) {
  for (auto& h : hashers_) h->feed(data);
}

void VerificationCore::finish_message(std::time_t now) {
  if (finished_) return;
  finished_ = true;
  splitter_.finish();
  for (auto& h : hashers_) h->finish();
  const auto t_now = static_cast<std::int64_t>(now);
  for (auto& e : entries_) {
    if (e.decided) continue;
    const Signature& sig = e.parse.sig;
    if (sig.expiration && *sig.expiration < t_now)
      decide(e, Result::permerror, "signature expired");
    else if (sig.timestamp && *sig.timestamp > t_now + limits_.max_clock_skew)
      decide(e, Result::permerror, "signature timestamp in the future");
  }
}

std::vector<std::string> VerificationCore::key_names() const {
  std::set<std::string> names;
  for (const auto& e : entries_)
    if (!e.decided) names.insert(to_lower(e.parse.sig.key_name()));
  return {names.begin(), names.end()};
}

std::vector<SignatureResult> VerificationCore::complete(const std::map<std::string, net::TxtResult>& keys) const {
  std::vector<SignatureResult> out;
  out.reserve(entries_.size());
  const net::TxtResult missing;  // temp_failure
  for (const auto& e : entries_) {
    if (e.decided) {
      out.push_back(e.result);
      continue;
    }
    const auto it = keys.find(to_lower(e.parse.sig.key_name()));
    out.push_back(evaluate(e, it == keys.end() ? missing : it->second));
  }
  return out;
}

SignatureResult VerificationCore::evaluate(const Entry& e, const net::TxtResult& txt) const {
  SignatureResult r = e.result;
  const Signature& sig = e.parse.sig;
  const auto done = [&r](Result result, std::string problem) {
    r.result = result;
    r.problem = std::move(problem);
    return r;
  };

  // The key record (RFC 6376 6.1.2).
  switch (txt.status) {
    case net::DnsStatus::ok: break;
    case net::DnsStatus::nxdomain:
    case net::DnsStatus::nodata: return done(Result::permerror, "no key record");
    case net::DnsStatus::perm_failure: return done(Result::permerror, "bad key record name");
    case net::DnsStatus::temp_failure: return done(Result::temperror, "key lookup failed");
  }
  const KeyRecordParse record = choose_key_record(txt.records);
  if (!record.ok()) return done(Result::permerror, record.error);
  const KeyRecord& key = record.key;
  r.testing = key.testing;
  if (key.revoked) return done(Result::permerror, "key revoked");
  if (key.key_type != key_type_of(sig.algorithm)) return done(Result::permerror, "key type does not match a=");
  if (!key.allows(hash_of(sig.algorithm))) return done(Result::permerror, "hash not allowed by the key");
  if (key.strict) {
    const std::string_view idomain = std::string_view(sig.identity).substr(sig.identity.rfind('@') + 1);
    if (!iequals(idomain, sig.domain)) return done(Result::permerror, "i= subdomain not allowed by the key (t=s)");
  }
  std::string error;
  const auto public_key = load_public_key(key.key_type, key.public_key, error);
  if (!public_key) return done(Result::permerror, error);
  r.key_bits = public_key->bits;
  if (public_key->type == KeyType::rsa && public_key->bits < limits_.min_rsa_bits)
    return done(Result::permerror, "key too short (" + std::to_string(public_key->bits) + " bits)");

  // The body hash (6.1.3), computed while the message streamed in.
  const BodyHasher& body = *hashers_.at(e.hasher);
  if (sig.body_length && *sig.body_length > body.canonical_length())
    return done(Result::fail, "body shorter than l=");
  if (body.digest() != sig.body_hash) return done(Result::fail, "body hash mismatch");

  // The header hash: the fields h= selects, then this signature field without its b= value.
  const auto& section = splitter_.section();
  const std::string_view head = splitter_.head();
  std::string data;
  for (const std::size_t i : select_headers(section, sig.headers, e.field))
    canon_header(sig.header_canon, field_text(head, section.fields[i]), data);
  canon_header(sig.header_canon,
               field_without_value_range(field_text(head, section.fields[e.field]), sig.b_value_begin, sig.b_value_end),
               data);
  if (!verify_signature(*public_key, sig.algorithm, data, sig.signature))
    return done(Result::fail, "signature did not verify");

  r.result = Result::pass;
  r.trusted = sig.algorithm != Algorithm::rsa_sha1;
  if (!r.trusted) r.problem = "rsa-sha1 is not trusted (RFC 8301)";
  if (sig.body_length && *sig.body_length < body.canonical_length()) {
    r.body_length_limited = true;
    r.unsigned_body_octets = body.canonical_length() - *sig.body_length;
    r.problem += r.problem.empty() ? "body partly unsigned (l=)" : "; body partly unsigned (l=)";
  }
  return r;
}

}  // namespace portcullis::checks::dkim
