// checks/arc/validate_core.hpp: ARC chain validation without the DNS.
#include "checks/arc/validate_core.hpp"

#include <algorithm>
#include <set>
#include <utility>

#include "checks/arc/chain.hpp"
#include "checks/dkim/key_record.hpp"
#include "checks/dkim/text.hpp"

namespace portcullis::checks::arc {

namespace {

mail::HeaderLimits header_limits(const Limits& limits) {
  mail::HeaderLimits h;
  h.max_bytes = limits.max_header_bytes;
  h.max_fields = limits.max_header_fields;
  return h;
}

std::string ams_label(int i) { return "ARC-Message-Signature i=" + std::to_string(i) + ": "; }
std::string seal_label(int i) { return "ARC-Seal i=" + std::to_string(i) + ": "; }
std::string aar_label(int i) { return "ARC-Authentication-Results i=" + std::to_string(i) + ": "; }

const char* const kSha1Refused = "rsa-sha1 is not accepted (RFC 8301)";

}  // namespace

ValidationCore::ValidationCore(Limits limits)
    : limits_(limits),
      splitter_(header_limits(limits), [this] { on_header(); }, [this](std::string_view data) { on_body(data); }) {}

void ValidationCore::feed(std::string_view chunk) { splitter_.feed(chunk); }

void ValidationCore::decide(Cv cv, std::string problem) {
  if (decided_) return;
  ChainResult r = base_;
  r.cv = cv;
  r.problem = std::move(problem);
  decided_ = std::move(r);
}

std::optional<std::size_t> ValidationCore::hasher_for(const MessageSignature& sig, bool always) {
  const dkim::HashAlg alg = dkim::hash_of(sig.algorithm);
  for (std::size_t i = 0; i < hashers_.size(); ++i) {
    const auto& h = *hashers_[i];
    if (h.canon() == sig.body_canon && h.alg() == alg && h.limit() == sig.body_length) return i;
  }
  if (!always && hashers_.size() >= limits_.max_body_hashes) return std::nullopt;
  hashers_.push_back(std::make_unique<dkim::BodyHasher>(sig.body_canon, alg, sig.body_length));
  return hashers_.size() - 1;
}

void ValidationCore::on_header() {
  const auto& section = splitter_.section();
  const std::string_view head = splitter_.head();
  const ChainFields chain = collect_chain(section);
  if (!chain.any) {
    // Nothing to validate in what was read (a header beyond the limits may hide more, but
    // fail and none are to be treated alike, RFC 8617 5.2; the Sealer refuses such a header).
    decide(Cv::none, section.truncated ? "header section too large" : "");
    return;
  }

  // What can be told about each set, whatever comes of it.
  const int n = chain.highest;
  base_.instances = n;
  base_.sets.resize(static_cast<std::size_t>(n));
  for (int i = 1; i <= n; ++i) {
    InstanceInfo& info = base_.sets[static_cast<std::size_t>(i - 1)];
    info.instance = i;
    const auto it = chain.sets.find(i);
    if (it == chain.sets.end()) continue;
    if (!it->second.aar.empty())
      info.authserv_id = parse_auth_results(section.fields[it->second.aar.front()].raw_value).field.authserv_id;
    if (!it->second.seal.empty()) {
      const SealParse p = parse_seal(section.fields[it->second.seal.front()].raw_value);
      info.domain = p.seal.domain;
      info.selector = p.seal.selector;
      info.cv = p.seal.cv;
    }
    if (!it->second.ams.empty()) {
      const MessageSignatureParse p = parse_message_signature(section.fields[it->second.ams.front()].raw_value);
      info.ams_domain = p.sig.domain;
      info.ams_selector = p.sig.selector;
    }
  }

  if (section.truncated) return decide(Cv::fail, "header section too large");
  // Step 2: the chain was already failed by the last hop.
  if (chain.newest_seal_failed)
    return decide(Cv::fail, "the newest ARC-Seal (i=" + std::to_string(n) + ") says cv=fail");
  // Step 3: structure.
  if (const std::string problem = chain.structure_problem(); !problem.empty()) return decide(Cv::fail, problem);

  sets_.resize(static_cast<std::size_t>(n));
  for (int i = 1; i <= n; ++i) {
    Set& s = sets_[static_cast<std::size_t>(i - 1)];
    const ChainFields::Set& fields = chain.sets.at(i);
    s.aar = fields.aar.front();
    s.ams = fields.ams.front();
    s.seal = fields.seal.front();
    const AuthResultsParse aar = parse_auth_results(section.fields[s.aar].raw_value);
    if (!aar.ok()) return decide(Cv::fail, aar_label(i) + aar.problem);
    s.seal_parse = parse_seal(section.fields[s.seal].raw_value);
    if (!s.seal_parse.ok()) return decide(Cv::fail, seal_label(i) + s.seal_parse.problem);
    const Cv cv = s.seal_parse.seal.cv;
    if (i == 1 && cv != Cv::none)
      return decide(Cv::fail, seal_label(i) + "cv=" + std::string(to_string(cv)) + " (must be none)");
    if (i > 1 && cv != Cv::pass)
      return decide(Cv::fail, seal_label(i) + "cv=" + std::string(to_string(cv)) + " (must be pass)");
    if (s.seal_parse.seal.algorithm == dkim::Algorithm::rsa_sha1 && !limits_.allow_rsa_sha1)
      return decide(Cv::fail, seal_label(i) + kSha1Refused);
    s.ams_parse = parse_message_signature(section.fields[s.ams].raw_value);
    dkim::canon_header(dkim::Canon::relaxed, dkim::field_text(head, section.fields[s.aar]), s.canon_aar);
    dkim::canon_header(dkim::Canon::relaxed, dkim::field_text(head, section.fields[s.ams]), s.canon_ams);
    dkim::canon_header(dkim::Canon::relaxed, dkim::field_text(head, section.fields[s.seal]), s.canon_seal);
  }

  // Step 4 needs the newest AMS; the older ones only matter for oldest-pass.
  Set& newest = sets_.back();
  if (!newest.ams_parse.ok()) return decide(Cv::fail, ams_label(n) + newest.ams_parse.problem);
  for (int i = n; i >= 1; --i) {
    Set& s = sets_[static_cast<std::size_t>(i - 1)];
    if (i < n && !limits_.oldest_pass) break;
    if (!s.ams_parse.ok()) continue;
    if (s.ams_parse.sig.algorithm == dkim::Algorithm::rsa_sha1 && !limits_.allow_rsa_sha1) {
      s.ams_problem = kSha1Refused;
      continue;
    }
    s.hasher = hasher_for(s.ams_parse.sig, i == n);
    if (!s.hasher) s.ams_problem = "not validated (more distinct body hashes than the limit)";
  }
  if (!newest.ams_problem.empty()) return decide(Cv::fail, ams_label(n) + newest.ams_problem);
}

void ValidationCore::on_body(std::string_view data) {
  for (auto& h : hashers_) h->feed(data);
}

void ValidationCore::finish_message(std::time_t now) {
  if (finished_) return;
  finished_ = true;
  splitter_.finish();
  for (auto& h : hashers_) h->finish();
  if (decided_ || sets_.empty()) return;
  const auto t_now = static_cast<std::int64_t>(now);
  for (auto& s : sets_) {
    if (s.ams_parse.ok() && s.ams_problem.empty()) {
      const MessageSignature& sig = s.ams_parse.sig;
      if (sig.expiration && *sig.expiration < t_now)
        s.ams_problem = "signature expired";
      else if (sig.timestamp && *sig.timestamp > t_now + limits_.max_clock_skew)
        s.ams_problem = "timestamp in the future";
    }
    const Seal& seal = s.seal_parse.seal;
    if (seal.timestamp && *seal.timestamp > t_now + limits_.max_clock_skew) s.seal_problem = "timestamp in the future";
  }
  const int n = static_cast<int>(sets_.size());
  if (!sets_.back().ams_problem.empty()) return decide(Cv::fail, ams_label(n) + sets_.back().ams_problem);
  for (int i = n; i >= 1; --i)
    if (const auto& p = sets_[static_cast<std::size_t>(i - 1)].seal_problem; !p.empty())
      return decide(Cv::fail, seal_label(i) + p);
}

std::vector<std::string> ValidationCore::key_names() const {
  if (decided_) return {};
  std::set<std::string> names;
  const int n = static_cast<int>(sets_.size());
  for (int i = 1; i <= n; ++i) {
    const Set& s = sets_[static_cast<std::size_t>(i - 1)];
    names.insert(dkim::to_lower(s.seal_parse.seal.key_name()));
    if ((i == n || limits_.oldest_pass) && s.ams_parse.ok() && s.ams_problem.empty() && s.hasher)
      names.insert(dkim::to_lower(s.ams_parse.sig.key_name()));
  }
  return {names.begin(), names.end()};
}

ValidationCore::Check ValidationCore::load_key(const std::map<std::string, net::TxtResult>& keys,
                                               const std::string& name, dkim::Algorithm alg,
                                               std::optional<dkim::PublicKey>& key) const {
  const auto it = keys.find(dkim::to_lower(name));
  if (it == keys.end()) return {false, true, "key lookup failed"};
  const net::TxtResult& txt = it->second;
  switch (txt.status) {
    case net::DnsStatus::ok: break;
    case net::DnsStatus::nxdomain:
    case net::DnsStatus::nodata: return {false, false, "no key record"};
    case net::DnsStatus::perm_failure: return {false, false, "bad key record name"};
    case net::DnsStatus::temp_failure: return {false, true, "key lookup failed"};
  }
  const dkim::KeyRecordParse record = dkim::choose_key_record(txt.records);
  if (!record.ok()) return {false, false, record.error};
  if (record.key.revoked) return {false, false, "key revoked"};
  if (record.key.key_type != dkim::key_type_of(alg)) return {false, false, "key type does not match a="};
  if (!record.key.allows(dkim::hash_of(alg))) return {false, false, "hash not allowed by the key"};
  std::string error;
  key = dkim::load_public_key(record.key.key_type, record.key.public_key, error);
  if (!key) return {false, false, error};
  if (key->type == dkim::KeyType::rsa && key->bits < limits_.min_rsa_bits)
    return {false, false, "key too short (" + std::to_string(key->bits) + " bits)"};
  return {true, false, ""};
}

ValidationCore::Check ValidationCore::check_ams(const std::map<std::string, net::TxtResult>& keys, int instance) const {
  const Set& s = sets_[static_cast<std::size_t>(instance - 1)];
  if (!s.ams_parse.ok()) return {false, false, s.ams_parse.problem};
  if (!s.ams_problem.empty()) return {false, false, s.ams_problem};
  if (!s.hasher) return {false, false, "not validated"};
  const MessageSignature& sig = s.ams_parse.sig;
  std::optional<dkim::PublicKey> key;
  if (Check c = load_key(keys, sig.key_name(), sig.algorithm, key); !c.ok) return c;

  const dkim::BodyHasher& body = *hashers_.at(*s.hasher);
  if (sig.body_length && *sig.body_length > body.canonical_length()) return {false, false, "body shorter than l="};
  if (body.digest() != sig.body_hash) return {false, false, "body hash mismatch"};

  const auto& section = splitter_.section();
  const std::string_view head = splitter_.head();
  std::string data;
  for (const std::size_t i : dkim::select_headers(section, sig.headers, s.ams))
    dkim::canon_header(sig.header_canon, dkim::field_text(head, section.fields[i]), data);
  dkim::canon_header(sig.header_canon,
                     dkim::field_without_value_range(dkim::field_text(head, section.fields[s.ams]), sig.b_value_begin,
                                                     sig.b_value_end),
                     data);
  if (!dkim::verify_signature(*key, sig.algorithm, data, sig.signature))
    return {false, false, "signature did not verify"};
  return {true, false, ""};
}

ValidationCore::Check ValidationCore::check_seal(const std::map<std::string, net::TxtResult>& keys,
                                                 int instance) const {
  const Set& s = sets_[static_cast<std::size_t>(instance - 1)];
  if (!s.seal_problem.empty()) return {false, false, s.seal_problem};
  const Seal& seal = s.seal_parse.seal;
  std::optional<dkim::PublicKey> key;
  if (Check c = load_key(keys, seal.key_name(), seal.algorithm, key); !c.ok) return c;

  // The sets 1..i in order AAR, AMS, AS (RFC 8617 5.1.1), this AS without its b= value and
  // without a final CRLF, all in relaxed canonicalisation.
  std::string data;
  for (int j = 1; j < instance; ++j) {
    const Set& earlier = sets_[static_cast<std::size_t>(j - 1)];
    data += earlier.canon_aar;
    data += earlier.canon_ams;
    data += earlier.canon_seal;
  }
  data += s.canon_aar;
  data += s.canon_ams;
  const auto& section = splitter_.section();
  dkim::canon_header(dkim::Canon::relaxed,
                     dkim::field_without_value_range(dkim::field_text(splitter_.head(), section.fields[s.seal]),
                                                     seal.b_value_begin, seal.b_value_end),
                     data);
  if (!dkim::verify_signature(*key, seal.algorithm, data, seal.signature))
    return {false, false, "signature did not verify"};
  return {true, false, ""};
}

ChainResult ValidationCore::complete(const std::map<std::string, net::TxtResult>& keys) const {
  if (decided_) return *decided_;
  ChainResult r = base_;
  const int n = static_cast<int>(sets_.size());
  if (n == 0) {  // finish_message() was not called
    r.cv = Cv::fail;
    r.problem = "message not complete";
    return r;
  }
  const auto record_ams = [&r](int i, const Check& c) {
    InstanceInfo& info = r.sets[static_cast<std::size_t>(i - 1)];
    info.ams_checked = true;
    info.ams_valid = c.ok;
    if (!c.ok) info.problem = ams_label(i) + c.problem;
  };
  const auto fail = [&r](std::string problem, bool temporary) {
    r.cv = Cv::fail;
    r.problem = std::move(problem);
    r.temporary = temporary;
    r.oldest_pass = 0;
    return r;
  };

  // Step 4: the newest AMS.
  const Check newest = check_ams(keys, n);
  record_ams(n, newest);
  if (!newest.ok) return fail(ams_label(n) + newest.problem, newest.temporary);

  // Step 5 (optional): oldest-pass.
  int oldest = n;
  if (limits_.oldest_pass) {
    oldest = 0;
    for (int i = n - 1; i >= 1; --i) {
      const Check c = check_ams(keys, i);
      record_ams(i, c);
      if (!c.ok) {
        oldest = i + 1;
        break;
      }
    }
  }

  // Step 6: every AS, newest first.
  for (int i = n; i >= 1; --i) {
    const Check c = check_seal(keys, i);
    InstanceInfo& info = r.sets[static_cast<std::size_t>(i - 1)];
    info.seal_checked = true;
    info.seal_valid = c.ok;
    if (!c.ok) {
      if (info.problem.empty()) info.problem = seal_label(i) + c.problem;
      return fail(seal_label(i) + c.problem, c.temporary);
    }
  }
  r.cv = Cv::pass;
  r.oldest_pass = n == 1 ? 0 : oldest;
  return r;
}

}  // namespace portcullis::checks::arc
