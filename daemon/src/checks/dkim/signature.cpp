// checks/dkim/signature.hpp: DKIM-Signature parsing and its self-contained checks.
#include "checks/dkim/signature.hpp"

#include <limits>

#include "checks/dkim/base64.hpp"
#include "checks/dkim/tags.hpp"
#include "checks/dkim/text.hpp"

namespace portcullis::checks::dkim {

namespace {

bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  return -1;
}

// 1*DIGIT, saturated at the type's maximum. nullopt if empty or not all digits.
std::optional<std::uint64_t> parse_count(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::uint64_t v = 0;
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  for (const char ch : s) {
    if (!is_digit(ch)) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(ch - '0');
    v = (v > (max - d) / 10) ? max : v * 10 + d;
  }
  return v;
}

// t= and x=: 1*12DIGIT in RFC 6376; up to 18 digits accepted (fits int64).
std::optional<std::int64_t> parse_time(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  const auto v = parse_count(s);
  if (!v) return std::nullopt;
  return static_cast<std::int64_t>(*v);
}

}  // namespace

std::string Signature::key_name() const { return selector + "._domainkey." + domain; }

std::optional<std::string> decode_dkim_qp(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (is_fws(ch)) continue;
    const auto c = static_cast<unsigned char>(ch);
    if (ch == '=') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
      continue;
    }
    if (c < 0x21 || c == ';' || c == 0x7F) return std::nullopt;
    out += ch;
  }
  return out;
}

std::string encode_dkim_qp(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x21 && c <= 0x7E && ch != ';' && ch != '=') {
      out += ch;
    } else {
      out += '=';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

SignatureParse parse_signature(std::string_view value, SignatureLimits limits) {
  SignatureParse out;
  Signature& sig = out.sig;
  TagLimits tl;
  tl.max_bytes = limits.max_bytes;
  TagParse parsed = parse_tag_list(value, tl);
  const TagList& tags = parsed.list;
  // What can be reported is taken before judging anything.
  if (const Tag* d = tags.find("d")) sig.domain = d->value.substr(0, 255);
  if (const Tag* s = tags.find("s")) sig.selector = s->value.substr(0, 255);
  if (const Tag* a = tags.find("a")) sig.algorithm_text = a->value.substr(0, 64);
  if (const Tag* b = tags.find("b")) {
    sig.b_text = strip_fws(b->value);
    sig.b_value_begin = b->value_begin;
    sig.b_value_end = b->value_end;
  }
  const auto fail = [&](std::string why) {
    out.error = std::move(why);
    return out;
  };
  if (!parsed.ok()) return fail(parsed.error);

  const Tag* v = tags.find("v");
  if (!v) return fail("missing v= tag");
  if (v->value != "1") return fail("incompatible version");
  for (const char* required : {"a", "b", "bh", "d", "h", "s"})
    if (!tags.find(required)) return fail(std::string("missing ") + required + "= tag");

  const auto alg = parse_algorithm(sig.algorithm_text);
  if (!alg) return fail("unsupported algorithm");
  sig.algorithm = *alg;

  if (const Tag* c = tags.find("c")) {
    const std::string_view text = c->value;
    const std::size_t slash = text.find('/');
    const auto header = parse_canon(trim_fws(text.substr(0, slash)));
    std::optional<Canon> body = Canon::simple;
    if (slash != std::string_view::npos) body = parse_canon(trim_fws(text.substr(slash + 1)));
    if (!header || !body) return fail("unsupported canonicalization");
    sig.header_canon = *header;
    sig.body_canon = *body;
  }

  if (const Tag* q = tags.find("q")) {
    bool dns_txt = false;
    for (const auto item : split_list(q->value))
      if (iequals(item, "dns/txt")) dns_txt = true;
    if (!dns_txt) return fail("unsupported query method");
  }

  if (!valid_domain(sig.domain)) return fail("bad d= domain");
  if (!valid_domain(sig.selector)) return fail("bad s= selector");

  const Tag* h = tags.find("h");
  const auto names = split_list(h->value);
  if (names.size() > limits.max_headers) return fail("too many names in h=");
  bool from = false;
  for (const auto name : names) {
    if (!valid_field_name(name)) return fail("bad h= list");
    if (iequals(name, "from")) from = true;
    sig.headers.emplace_back(name);
  }
  if (!from) return fail("From not signed");

  auto bh = base64_decode(tags.find("bh")->value);
  if (!bh || bh->empty()) return fail("bad bh= value");
  sig.body_hash = std::move(*bh);
  auto b = base64_decode(tags.find("b")->value);
  if (!b || b->empty()) return fail("bad b= value");
  sig.signature = std::move(*b);

  if (const Tag* i = tags.find("i")) {
    auto identity = decode_dkim_qp(i->value);
    if (!identity) return fail("bad i= value");
    const std::size_t at = identity->rfind('@');
    if (at == std::string::npos) return fail("bad i= value");
    const std::string_view idomain = std::string_view(*identity).substr(at + 1);
    if (!valid_domain(idomain)) return fail("bad i= value");
    if (!same_or_subdomain(idomain, sig.domain)) return fail("i= not within d=");
    sig.identity = std::move(*identity);
    sig.identity_given = true;
  } else {
    sig.identity = "@" + sig.domain;
  }

  if (const Tag* l = tags.find("l")) {
    const auto n = parse_count(l->value);
    if (!n) return fail("bad l= value");
    sig.body_length = *n;
  }
  if (const Tag* t = tags.find("t")) {
    sig.timestamp = parse_time(t->value);
    if (!sig.timestamp) return fail("bad t= value");
  }
  if (const Tag* x = tags.find("x")) {
    sig.expiration = parse_time(x->value);
    if (!sig.expiration) return fail("bad x= value");
    if (sig.timestamp && *sig.expiration <= *sig.timestamp) return fail("x= not after t=");
  }
  return out;
}

}  // namespace portcullis::checks::dkim
