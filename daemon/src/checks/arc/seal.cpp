// checks/arc/seal.hpp: ARC sealing.
#include "checks/arc/seal.hpp"

#include <stdexcept>
#include <utility>

#include "checks/arc/chain.hpp"
#include "checks/dkim/base64.hpp"
#include "checks/dkim/crypto.hpp"
#include "checks/dkim/folder.hpp"
#include "checks/dkim/text.hpp"

namespace portcullis::checks::arc {

namespace {

using dkim::Folder;

constexpr std::size_t kLineMax = dkim::Folder::kLineMax;

// A base64 value folded onto lines of its own ("\r\n\t" between chunks); `first` octets go
// on the current line.
std::string folded_base64(std::string_view b64, std::size_t first, bool fold) {
  if (!fold) return std::string(b64);
  std::string out(b64.substr(0, first));
  for (std::size_t pos = first; pos < b64.size(); pos += kLineMax - 1) {
    out += "\r\n\t";
    out += b64.substr(pos, kLineMax - 1);
  }
  return out;
}

bool token_octet(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  if (c <= 0x20 || c >= 0x7F) return false;
  for (const char special : std::string_view("()<>@,;:\\\"/[]?=", 15))
    if (ch == special) return false;
  return true;
}

// The results text as clauses: unfolded, control characters dropped, whitespace runs made one
// space, split at the semicolons outside comments and quoted strings, empty clauses dropped.
std::vector<std::string> result_clauses(std::string_view text) {
  std::vector<std::string> out;
  std::string clause;
  int depth = 0;
  bool quoted = false;
  bool escape = false;
  bool space = false;
  const auto flush = [&] {
    const auto trimmed = dkim::trim_fws(clause);
    if (!trimmed.empty()) out.emplace_back(trimmed);
    clause.clear();
  };
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      space = true;
      continue;
    }
    if (c < 0x20 || c == 0x7F) continue;
    if (space && !clause.empty()) clause += ' ';
    space = false;
    if (escape) {
      escape = false;
    } else if (ch == '\\' && (quoted || depth > 0)) {
      escape = true;
    } else if (quoted) {
      if (ch == '"') quoted = false;
    } else if (ch == '"') {
      quoted = true;
    } else if (ch == '(') {
      ++depth;
    } else if (ch == ')') {
      if (depth > 0) --depth;
    } else if (ch == ';' && depth == 0) {
      flush();
      continue;
    }
    clause += ch;
  }
  flush();
  return out;
}

// An item of `clause` at a time, so that a long clause folds at its spaces.
void add_clause(Folder& f, const std::string& clause, bool last) {
  std::size_t pos = 0;
  bool first = true;
  while (pos <= clause.size()) {
    std::size_t end = clause.find(' ', pos);
    if (end == std::string::npos) end = clause.size();
    std::string word = clause.substr(pos, end - pos);
    if (end == clause.size() && !last) word += ';';
    f.add(word, !first);
    first = false;
    pos = end + 1;
  }
}

bool refused_name(std::string_view name) {
  return dkim::iequals(name, "Authentication-Results") ||
         (name.size() >= 4 && dkim::iequals(name.substr(0, 4), "ARC-"));
}

}  // namespace

std::vector<std::string> default_sealed_headers() {
  std::vector<std::string> names = dkim::default_signed_headers();
  names.emplace_back("DKIM-Signature");
  return names;
}

Sealer::Sealer(const dkim::SigningKey& key, SealOptions options)
    : key_(&key),
      options_(std::move(options)),
      splitter_(options_.limits, [] {}, [this](std::string_view data) { body_.feed(data); }),
      body_(dkim::Canon::relaxed, dkim::HashAlg::sha256) {
  if (!key.key) throw std::invalid_argument("ARC sealer: key without its private half");
  if (!dkim::valid_domain(key.domain) || !dkim::valid_domain(key.selector))
    throw std::invalid_argument("ARC sealer: bad domain or selector");
  for (const auto* list : {&options_.headers, &options_.oversign}) {
    for (const auto& name : *list) {
      if (!dkim::valid_field_name(name))
        throw std::invalid_argument("ARC sealer: bad header field name '" + name + "'");
      if (refused_name(name))
        throw std::invalid_argument("ARC sealer: " + name +
                                    " may not be signed by an ARC-Message-Signature (RFC 8617 4.1.2)");
    }
  }
}

void Sealer::feed(std::string_view chunk) { splitter_.feed(chunk); }

std::optional<ArcSet> Sealer::finish(const ChainResult& chain, std::string_view authserv_id, std::string_view results,
                                     std::time_t now) {
  if (finished_) {
    error_ = "finish() called twice";
    return std::nullopt;
  }
  finished_ = true;
  splitter_.finish();
  body_.finish();
  const auto refuse = [this](std::string why) -> std::optional<ArcSet> {
    error_ = std::move(why);
    return std::nullopt;
  };
  if (authserv_id.empty()) return refuse("no authserv-id");
  for (const char ch : authserv_id)
    if (!token_octet(ch)) return refuse("bad authserv-id");
  if (splitter_.truncated()) return refuse("header section too large");

  const auto& section = splitter_.section();
  const std::string_view head = splitter_.head();
  const ChainFields fields = collect_chain(section);
  // RFC 8617 5.1 step 1: a chain its last hop marked failed gets nothing more.
  if (fields.newest_seal_failed) return refuse("the newest ARC-Seal already says cv=fail (RFC 8617 5.1)");
  if (fields.highest >= kMaxInstance) return refuse("the chain has 50 ARC sets already (RFC 8617 4.2.1)");
  switch (chain.cv) {
    case Cv::none:
      if (fields.any) return refuse("the validation result (none) does not fit the message: it has ARC fields");
      break;
    case Cv::pass:
      if (!fields.any || fields.highest != chain.instances || !fields.structure_problem().empty())
        return refuse("the validation result (pass) does not fit the message's ARC fields");
      break;
    case Cv::fail:
      if (chain.temporary) return refuse("chain validation failed for now (a key lookup): not sealing cv=fail");
      if (!fields.any) return refuse("the validation result (fail) does not fit the message: it has no ARC field");
      if (fields.highest == 0) return refuse("the broken chain has no usable instance number");
      break;
  }
  const int instance = fields.highest + 1;
  const std::string i_tag = "i=" + std::to_string(instance);
  const std::string t_tag = "t=" + std::to_string(static_cast<std::int64_t>(now));
  const dkim::Algorithm alg =
      key_->type == dkim::KeyType::ed25519 ? dkim::Algorithm::ed25519_sha256 : dkim::Algorithm::rsa_sha256;
  const std::string a_tag = "a=" + std::string(dkim::to_string(alg)) + ";";

  ArcSet out;
  out.instance = instance;
  out.cv = chain.cv;

  // ARC-Authentication-Results: i=N; authserv-id; results (4.1.1).
  {
    Folder f("ARC-Authentication-Results:");
    f.add(i_tag + ";");
    std::vector<std::string> clauses = result_clauses(results);
    if (clauses.empty()) clauses.emplace_back("none");
    f.add(std::string(authserv_id) + ";");
    for (std::size_t k = 0; k < clauses.size(); ++k) {
      f.fold();
      add_clause(f, clauses[k], k + 1 == clauses.size());
    }
    out.auth_results = f.text() + "\r\n";
  }

  std::string error;
  // ARC-Message-Signature (4.1.2): tags a, b, bh, c, d, h, i, s, t; b= on lines of its own.
  {
    // h=: every instance present of the signed names, then each over-signed name once more;
    // From at least once (RFC 6376 5.4), even when the message has none.
    std::vector<std::string> names;
    std::vector<std::string> done;
    const auto contains = [](const std::vector<std::string>& list, const std::string& name) {
      for (const auto& n : list)
        if (n == name) return true;
      return false;
    };
    const auto sign_present = [&](const std::string& name) {
      const std::string lower = dkim::to_lower(name);
      if (contains(done, lower)) return;
      done.push_back(lower);
      for (std::size_t n = section.all(name).size(); n > 0; --n) names.push_back(lower);
    };
    for (const auto& name : options_.headers) sign_present(name);
    for (const auto& name : options_.oversign) sign_present(name);
    std::vector<std::string> oversigned;
    for (const auto& name : options_.oversign) {
      const std::string lower = dkim::to_lower(name);
      if (contains(oversigned, lower)) continue;
      oversigned.push_back(lower);
      names.push_back(lower);
    }
    if (!contains(names, "from")) names.insert(names.begin(), "from");
    std::string signed_fields;
    for (const std::size_t i : dkim::select_headers(section, names))
      dkim::canon_header(dkim::Canon::relaxed, dkim::field_text(head, section.fields[i]), signed_fields);

    Folder prefix("ARC-Message-Signature:");
    prefix.add(a_tag);
    prefix.fold();
    prefix.add("b=", false);
    Folder rest(";");
    rest.fold();
    rest.add("bh=" + dkim::base64_encode(body_.digest()) + ";", false);
    rest.add("c=relaxed/relaxed;");
    rest.add("d=" + key_->domain + ";");
    // i= stays on the line of the last h= name: some verifiers (dkimpy) find the AMS of an
    // instance by looking for " i=N;" in it, which a fold right before i= would hide.
    for (std::size_t k = 0; k < names.size(); ++k)
      rest.add((k == 0 ? "h=" : "") + names[k] + (k + 1 < names.size() ? ":" : "; " + i_tag + ";"), k == 0);
    rest.add("s=" + key_->selector + ";");
    rest.add(t_tag);
    std::string data = signed_fields;
    dkim::canon_header(dkim::Canon::relaxed, prefix.text() + rest.text(), data);
    const std::string sig = dkim::sign_data(key_->key.get(), alg, data, error);
    if (sig.empty()) return refuse("signing failed: " + error);
    const std::string b = folded_base64(dkim::base64_encode(sig), kLineMax - 3, options_.fold_signatures);
    out.message_signature = prefix.text() + b + rest.text() + "\r\n";
  }

  // ARC-Seal (4.1.3): tags a, b, cv, d, i, s, t over the sets (5.1.1), or the new set alone
  // when the chain failed (5.1.2).
  {
    std::string data;
    if (chain.cv == Cv::pass) {
      for (int j = 1; j < instance; ++j) {
        const ChainFields::Set& set = fields.sets.at(j);
        for (const std::size_t i : {set.aar.front(), set.ams.front(), set.seal.front()})
          dkim::canon_header(dkim::Canon::relaxed, dkim::field_text(head, section.fields[i]), data);
      }
    }
    dkim::canon_header(dkim::Canon::relaxed, out.auth_results, data);
    dkim::canon_header(dkim::Canon::relaxed, out.message_signature, data);
    Folder prefix("ARC-Seal:");
    prefix.add(a_tag);
    prefix.fold();
    prefix.add("b=", false);
    Folder rest(";");
    rest.fold();
    rest.add("cv=" + std::string(to_string(chain.cv)) + ";", false);
    rest.add("d=" + key_->domain + ";");
    rest.add(i_tag + ";");
    rest.add("s=" + key_->selector + ";");
    rest.add(t_tag);
    dkim::canon_header(dkim::Canon::relaxed, prefix.text() + rest.text(), data);
    const std::string sig = dkim::sign_data(key_->key.get(), alg, data, error);
    if (sig.empty()) return refuse("signing failed: " + error);
    const std::string b = folded_base64(dkim::base64_encode(sig), kLineMax - 3, options_.fold_signatures);
    out.seal = prefix.text() + b + rest.text() + "\r\n";
  }
  return out;
}

std::optional<ArcSet> seal_message(std::string_view message, const ChainResult& chain, const dkim::SigningKey& key,
                                   std::string_view authserv_id, std::string_view results, std::time_t now,
                                   std::string& error, SealOptions options) {
  Sealer sealer(key, std::move(options));
  sealer.feed(message);
  auto out = sealer.finish(chain, authserv_id, results, now);
  error = sealer.error();
  return out;
}

}  // namespace portcullis::checks::arc
