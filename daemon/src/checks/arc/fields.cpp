// checks/arc/fields.hpp: the ARC header fields, parsed strictly.
#include "checks/arc/fields.hpp"

#include <limits>
#include <utility>

#include "checks/dkim/base64.hpp"
#include "checks/dkim/tags.hpp"
#include "checks/dkim/text.hpp"

namespace portcullis::checks::arc {

namespace {

using dkim::is_fws;

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

// 1..max_digits DIGITs, saturating at UINT64_MAX; nullopt if empty, too long or not all digits.
std::optional<std::uint64_t> parse_digits(std::string_view s, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  std::uint64_t v = 0;
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  for (const char ch : s) {
    if (!is_digit(ch)) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(ch - '0');
    v = (v > (max - d) / 10) ? max : v * 10 + d;
  }
  return v;
}

// instance-value = 1*2DIGIT, 1..50 (RFC 8617 4.2.1).
std::optional<int> parse_instance(std::string_view s) {
  const auto v = parse_digits(s, 2);
  if (!v || *v < 1 || *v > static_cast<std::uint64_t>(kMaxInstance)) return std::nullopt;
  return static_cast<int>(*v);
}

// t= and x=: RFC 6376 says 1*12DIGIT; up to 18 accepted (fits int64).
std::optional<std::int64_t> parse_time(std::string_view s) {
  const auto v = parse_digits(s, 18);
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

// A tag-spec of nothing but whitespace followed by ";" (";;", a leading ";"): RFC 6376 3.2's
// tag-list has none (a single trailing ";" is allowed). Values cannot hold ";", so splitting
// on it is exact.
bool has_empty_tag_spec(std::string_view text) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t semi = text.find(';', start);
    if (semi == std::string_view::npos) return false;
    if (dkim::trim_fws(text.substr(start, semi - start)).empty()) return true;
    start = semi + 1;
  }
}

// FWS and RFC 5322 comments (nested, with quoted-pairs), at most 16 deep. false on an
// unterminated or too deeply nested comment.
bool skip_cfws(std::string_view s, std::size_t& pos) {
  for (;;) {
    while (pos < s.size() && is_fws(s[pos])) ++pos;
    if (pos >= s.size() || s[pos] != '(') return true;
    int depth = 0;
    while (pos < s.size()) {
      const char ch = s[pos];
      if (ch == '\\') {
        pos += 2;
        continue;
      }
      ++pos;
      if (ch == '(') {
        if (++depth > 16) return false;
      } else if (ch == ')') {
        if (--depth == 0) break;
      }
    }
    if (depth != 0 || pos > s.size()) return false;
  }
}

// RFC 2045 token octets (UTF-8 octets allowed, RFC 8616).
bool token_octet(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  if (c >= 0x80) return true;
  if (c <= 0x20 || c == 0x7F) return false;
  for (const char special : std::string_view("()<>@,;:\\\"/[]?=", 15))
    if (ch == special) return false;
  return true;
}

// The text with its line breaks removed (unfolded) and trimmed.
std::string unfold_trim(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char ch : s)
    if (ch != '\r' && ch != '\n') out += ch;
  return std::string(dkim::trim_fws(out));
}

// c= ("relaxed/simple", "relaxed": body simple).
bool parse_canon_pair(std::string_view text, dkim::Canon& header, dkim::Canon& body) {
  const std::size_t slash = text.find('/');
  const auto h = dkim::parse_canon(dkim::trim_fws(text.substr(0, slash)));
  std::optional<dkim::Canon> b = dkim::Canon::simple;
  if (slash != std::string_view::npos) b = dkim::parse_canon(dkim::trim_fws(text.substr(slash + 1)));
  if (!h || !b) return false;
  header = *h;
  body = *b;
  return true;
}

dkim::TagLimits tag_limits(const FieldLimits& limits) {
  dkim::TagLimits tl;
  tl.max_bytes = limits.max_bytes;
  return tl;
}

}  // namespace

std::string_view to_string(Cv cv) {
  switch (cv) {
    case Cv::none: return "none";
    case Cv::pass: return "pass";
    case Cv::fail: return "fail";
  }
  return "none";
}

std::optional<Cv> parse_cv(std::string_view text) {
  if (dkim::iequals(text, "none")) return Cv::none;
  if (dkim::iequals(text, "pass")) return Cv::pass;
  if (dkim::iequals(text, "fail")) return Cv::fail;
  return std::nullopt;
}

std::optional<FieldKind> field_kind(std::string_view name) {
  if (dkim::iequals(name, "ARC-Authentication-Results")) return FieldKind::auth_results;
  if (dkim::iequals(name, "ARC-Message-Signature")) return FieldKind::message_signature;
  if (dkim::iequals(name, "ARC-Seal")) return FieldKind::seal;
  return std::nullopt;
}

std::string_view field_name(FieldKind kind) {
  switch (kind) {
    case FieldKind::auth_results: return "ARC-Authentication-Results";
    case FieldKind::message_signature: return "ARC-Message-Signature";
    case FieldKind::seal: return "ARC-Seal";
  }
  return "ARC-Seal";
}

std::string MessageSignature::key_name() const { return selector + "._domainkey." + domain; }
std::string Seal::key_name() const { return selector + "._domainkey." + domain; }

AuthResultsParse parse_auth_results(std::string_view value) {
  AuthResultsParse out;
  const auto fail = [&out](std::string why) {
    out.problem = std::move(why);
    return out;
  };
  if (value.size() > FieldLimits{}.max_bytes) return fail("field too long");
  std::size_t pos = 0;
  if (!skip_cfws(value, pos)) return fail("bad comment");
  const char* const no_i = "missing i= tag (it must come first)";
  if (pos >= value.size() || value[pos] != 'i') return fail(no_i);
  ++pos;
  if (!skip_cfws(value, pos) || pos >= value.size() || value[pos] != '=') return fail(no_i);
  ++pos;
  if (!skip_cfws(value, pos)) return fail("bad comment");
  const std::size_t digits = pos;
  while (pos < value.size() && !is_fws(value[pos]) && value[pos] != ';' && value[pos] != '(') ++pos;
  const auto instance = parse_instance(value.substr(digits, pos - digits));
  if (!instance) return fail("bad i= value");
  out.field.instance = *instance;
  if (!skip_cfws(value, pos) || pos >= value.size() || value[pos] != ';') return fail("no \";\" after i=");
  ++pos;

  // authres-payload = [CFWS] authserv-id [CFWS authres-version] (no-result / 1*resinfo)
  if (!skip_cfws(value, pos)) return fail("bad comment");
  if (pos < value.size() && value[pos] == '"') {
    ++pos;
    std::string id;
    bool closed = false;
    while (pos < value.size()) {
      const char ch = value[pos++];
      if (ch == '"') {
        closed = true;
        break;
      }
      if (ch == '\\' && pos < value.size()) {
        id += value[pos++];
        continue;
      }
      if (ch != '\r' && ch != '\n') id += ch;
    }
    if (!closed) return fail("unterminated quoted authserv-id");
    out.field.authserv_id = std::move(id);
  } else {
    const std::size_t start = pos;
    while (pos < value.size() && token_octet(value[pos])) ++pos;
    out.field.authserv_id.assign(value.substr(start, pos - start));
  }
  if (out.field.authserv_id.empty()) return fail("missing authserv-id");
  if (!skip_cfws(value, pos)) return fail("bad comment");
  if (pos < value.size() && is_digit(value[pos])) {  // authres-version
    while (pos < value.size() && is_digit(value[pos])) ++pos;
    if (!skip_cfws(value, pos)) return fail("bad comment");
  }
  if (pos >= value.size() || value[pos] != ';') return fail("no results after the authserv-id");
  out.field.results = unfold_trim(value.substr(pos + 1));
  if (out.field.results.empty()) return fail("no results after the authserv-id");
  return out;
}

MessageSignatureParse parse_message_signature(std::string_view value, FieldLimits limits) {
  MessageSignatureParse out;
  MessageSignature& sig = out.sig;
  const dkim::TagParse parsed = dkim::parse_tag_list(value, tag_limits(limits));
  const dkim::TagList& tags = parsed.list;
  if (const auto* d = tags.find("d")) sig.domain = d->value.substr(0, 255);
  if (const auto* s = tags.find("s")) sig.selector = s->value.substr(0, 255);
  if (const auto* a = tags.find("a")) sig.algorithm_text = a->value.substr(0, 64);
  if (const auto* b = tags.find("b")) {
    sig.b_text = dkim::strip_fws(b->value);
    sig.b_value_begin = b->value_begin;
    sig.b_value_end = b->value_end;
  }
  const auto fail = [&out](std::string why) {
    out.problem = std::move(why);
    return out;
  };
  if (!parsed.ok()) return fail(parsed.error);
  if (has_empty_tag_spec(value)) return fail("empty tag-spec");
  for (const char* required : {"i", "a", "b", "bh", "d", "h", "s"})
    if (!tags.find(required)) return fail(std::string("missing ") + required + "= tag");

  const auto instance = parse_instance(tags.find("i")->value);
  if (!instance) return fail("bad i= value");
  sig.instance = *instance;

  const auto alg = dkim::parse_algorithm(sig.algorithm_text);
  if (!alg) return fail("unsupported algorithm");
  sig.algorithm = *alg;

  if (const auto* c = tags.find("c"))
    if (!parse_canon_pair(c->value, sig.header_canon, sig.body_canon)) return fail("unsupported canonicalization");

  if (const auto* q = tags.find("q")) {
    bool dns_txt = false;
    for (const auto item : dkim::split_list(q->value))
      if (dkim::iequals(item, "dns/txt")) dns_txt = true;
    if (!dns_txt) return fail("unsupported query method");
  }

  if (!dkim::valid_domain(sig.domain)) return fail("bad d= domain");
  if (!dkim::valid_domain(sig.selector)) return fail("bad s= selector");

  const auto names = dkim::split_list(tags.find("h")->value);
  if (names.size() > limits.max_headers) return fail("too many names in h=");
  bool from = false;
  for (const auto name : names) {
    if (!dkim::valid_field_name(name)) return fail("bad h= list");
    if (dkim::iequals(name, "from")) from = true;
    if (dkim::iequals(name, "arc-seal")) return fail("h= lists ARC-Seal");
    sig.headers.emplace_back(name);
  }
  if (!from) return fail("From not signed");

  auto bh = dkim::base64_decode(tags.find("bh")->value);
  if (!bh || bh->empty()) return fail("bad bh= value");
  sig.body_hash = std::move(*bh);
  auto b = dkim::base64_decode(tags.find("b")->value);
  if (!b || b->empty()) return fail("bad b= value");
  sig.signature = std::move(*b);

  if (const auto* l = tags.find("l")) {
    sig.body_length = parse_digits(l->value, 76);
    if (!sig.body_length) return fail("bad l= value");
  }
  if (const auto* t = tags.find("t")) {
    sig.timestamp = parse_time(t->value);
    if (!sig.timestamp) return fail("bad t= value");
  }
  if (const auto* x = tags.find("x")) {
    sig.expiration = parse_time(x->value);
    if (!sig.expiration) return fail("bad x= value");
    if (sig.timestamp && *sig.expiration <= *sig.timestamp) return fail("x= not after t=");
  }
  return out;
}

SealParse parse_seal(std::string_view value, FieldLimits limits) {
  SealParse out;
  Seal& seal = out.seal;
  const dkim::TagParse parsed = dkim::parse_tag_list(value, tag_limits(limits));
  const dkim::TagList& tags = parsed.list;
  if (const auto* d = tags.find("d")) seal.domain = d->value.substr(0, 255);
  if (const auto* s = tags.find("s")) seal.selector = s->value.substr(0, 255);
  if (const auto* a = tags.find("a")) seal.algorithm_text = a->value.substr(0, 64);
  if (const auto* b = tags.find("b")) {
    seal.b_text = dkim::strip_fws(b->value);
    seal.b_value_begin = b->value_begin;
    seal.b_value_end = b->value_end;
  }
  const auto fail = [&out](std::string why) {
    out.problem = std::move(why);
    return out;
  };
  if (!parsed.ok()) return fail(parsed.error);
  if (has_empty_tag_spec(value)) return fail("empty tag-spec");
  if (tags.find("h")) return fail("h= tag in an ARC-Seal");
  for (const char* required : {"i", "cv", "a", "b", "d", "s"})
    if (!tags.find(required)) return fail(std::string("missing ") + required + "= tag");

  const auto instance = parse_instance(tags.find("i")->value);
  if (!instance) return fail("bad i= value");
  seal.instance = *instance;
  const auto cv = parse_cv(tags.find("cv")->value);
  if (!cv) return fail("bad cv= value");
  seal.cv = *cv;

  const auto alg = dkim::parse_algorithm(seal.algorithm_text);
  if (!alg) return fail("unsupported algorithm");
  seal.algorithm = *alg;
  if (!dkim::valid_domain(seal.domain)) return fail("bad d= domain");
  if (!dkim::valid_domain(seal.selector)) return fail("bad s= selector");

  auto b = dkim::base64_decode(tags.find("b")->value);
  if (!b || b->empty()) return fail("bad b= value");
  seal.signature = std::move(*b);
  if (const auto* t = tags.find("t")) {
    seal.timestamp = parse_time(t->value);
    if (!seal.timestamp) return fail("bad t= value");
  }
  return out;
}

std::optional<int> field_instance(FieldKind kind, std::string_view value) {
  if (kind == FieldKind::auth_results) {
    const AuthResultsParse p = parse_auth_results(value);
    if (p.field.instance == 0) return std::nullopt;
    return p.field.instance;
  }
  const dkim::TagParse parsed = dkim::parse_tag_list(value);
  if (!parsed.ok()) return std::nullopt;
  const auto* i = parsed.list.find("i");
  if (!i) return std::nullopt;
  return parse_instance(i->value);
}

}  // namespace portcullis::checks::arc
