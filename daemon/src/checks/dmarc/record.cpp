// checks/dmarc/record.hpp: the DMARC record's tag-list, tag by tag.
#include "checks/dmarc/record.hpp"

#include <limits>
#include <set>
#include <string>
#include <utility>

namespace portcullis::checks::dmarc {

namespace {

bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t k = 0; k < a.size(); ++k)
    if (lower(a[k]) != lower(b[k])) return false;
  return true;
}

std::string lowered(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = lower(c);
  return out;
}

// For messages: at most 40 octets, anything unprintable as '?'.
std::string printable(std::string_view s) {
  std::string out;
  for (const char c : s.substr(0, 40)) out += (c >= 0x20 && c < 0x7F) ? c : '?';
  if (s.size() > 40) out += "...";
  return out;
}

void warn(ParsedRecord& out, std::string text) {
  if (out.warnings.size() < kMaxWarnings) out.warnings.push_back(std::move(text));
}

// Splits `s` at every `sep`, calling f(piece) for each piece; stops early if f returns false.
template <typename F>
void split(std::string_view s, char sep, F&& f) {
  std::size_t start = 0;
  while (true) {
    const std::size_t at = s.find(sep, start);
    if (!f(s.substr(start, at == std::string_view::npos ? at : at - start))) return;
    if (at == std::string_view::npos) return;
    start = at + 1;
  }
}

std::optional<Policy> parse_policy(std::string_view v) {
  if (iequals(v, "none")) return Policy::none;
  if (iequals(v, "quarantine")) return Policy::quarantine;
  if (iequals(v, "reject")) return Policy::reject;
  return std::nullopt;
}

std::optional<Alignment> parse_alignment(std::string_view v) {
  if (iequals(v, "r")) return Alignment::relaxed;
  if (iequals(v, "s")) return Alignment::strict;
  return std::nullopt;
}

// 1*DIGIT, at most `max`.
std::optional<std::uint64_t> parse_number(std::string_view v, std::uint64_t max) {
  if (v.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (const char c : v) {
    if (!is_digit(c)) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (max - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

std::optional<FailureOptions> parse_fo(std::string_view v, std::string& text) {
  FailureOptions fo;
  fo.all_fail = false;
  bool ok = true, any = false;
  text.clear();
  split(v, ':', [&](std::string_view item) {
    item = trim(item);
    if (item.size() != 1) return ok = false;
    switch (lower(item[0])) {
      case '0': fo.all_fail = true; break;
      case '1': fo.any_fail = true; break;
      case 'd': fo.dkim = true; break;
      case 's': fo.spf = true; break;
      default: return ok = false;
    }
    if (!text.empty()) text += ':';
    text += lower(item[0]);
    any = true;
    return true;
  });
  if (!ok || !any) return std::nullopt;
  return fo;
}

// Keyword (RFC 5321 Ldh-str): letters and digits, hyphens inside.
bool is_keyword(std::string_view s) {
  if (s.empty() || s.front() == '-' || s.back() == '-') return false;
  for (const char c : s)
    if (!is_alpha(c) && !is_digit(c) && c != '-') return false;
  return true;
}

std::optional<std::vector<std::string>> parse_rf(std::string_view v) {
  std::vector<std::string> formats;
  bool ok = true;
  split(v, ':', [&](std::string_view item) {
    item = trim(item);
    if (!is_keyword(item) || formats.size() >= 16) return ok = false;
    formats.push_back(lowered(item));
    return true;
  });
  if (!ok || formats.empty()) return std::nullopt;
  return formats;
}

// An RFC 3986 URI, loosely: a scheme, ":", then one or more octets of the URI character set
// (percent-encodings well formed). "," and "!" must be encoded in a DMARC URI; ";" cannot be.
bool is_uri(std::string_view s) {
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 >= s.size()) return false;
  if (!is_alpha(s[0])) return false;
  for (std::size_t k = 1; k < colon; ++k) {
    const char c = s[k];
    if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '-' && c != '.') return false;
  }
  constexpr std::string_view kAllowed = "-._~:/?#[]@$&'()*+=";
  for (std::size_t k = colon + 1; k < s.size(); ++k) {
    const char c = s[k];
    if (c == '%') {
      if (k + 2 >= s.size() || !is_hex(s[k + 1]) || !is_hex(s[k + 2])) return false;
      k += 2;
    } else if (!is_alpha(c) && !is_digit(c) && kAllowed.find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// rua= / ruf=: the valid URIs (at most kMaxReportUris); every invalid one is a warning.
std::vector<ReportUri> parse_uri_list(std::string_view v, std::string_view tag, ParsedRecord& out) {
  std::vector<ReportUri> uris;
  split(v, ',', [&](std::string_view item) {
    if (auto uri = parse_report_uri(item)) {
      if (uris.size() < kMaxReportUris) uris.push_back(std::move(*uri));
    } else {
      warn(out, std::string(tag) + "=: invalid URI '" + printable(trim(item)) + "' ignored");
    }
    return true;
  });
  return uris;
}

// "v" *WSP "=" *WSP "DMARC1", then the end or ";" (after optional WSP). Returns the offset
// just after the version tag's value, or npos.
std::size_t version_end(std::string_view txt) {
  std::size_t k = 0;
  while (k < txt.size() && is_wsp(txt[k])) ++k;
  if (k >= txt.size() || lower(txt[k]) != 'v') return std::string_view::npos;
  ++k;
  while (k < txt.size() && is_wsp(txt[k])) ++k;
  if (k >= txt.size() || txt[k] != '=') return std::string_view::npos;
  ++k;
  while (k < txt.size() && is_wsp(txt[k])) ++k;
  if (txt.substr(k, 6) != "DMARC1") return std::string_view::npos;
  k += 6;
  std::size_t j = k;
  while (j < txt.size() && is_wsp(txt[j])) ++j;
  if (j < txt.size() && txt[j] != ';') return std::string_view::npos;
  return k;
}

// Tag name: ALPHA *(ALPHA / DIGIT / "_").
bool is_tag_name(std::string_view s) {
  if (s.empty() || !is_alpha(s[0])) return false;
  for (const char c : s)
    if (!is_alpha(c) && !is_digit(c) && c != '_') return false;
  return true;
}

}  // namespace

bool is_dmarc_record(std::string_view txt) { return version_end(txt) != std::string_view::npos; }

std::optional<ReportUri> parse_report_uri(std::string_view text) {
  text = trim(text);
  ReportUri out;
  const std::size_t bang = text.find('!');
  std::string_view uri = text.substr(0, bang);
  if (bang != std::string_view::npos) {
    std::string_view size = text.substr(bang + 1);
    std::uint64_t unit = 1;
    if (!size.empty()) {
      switch (lower(size.back())) {
        case 'k': unit = 1ull << 10; break;
        case 'm': unit = 1ull << 20; break;
        case 'g': unit = 1ull << 30; break;
        case 't': unit = 1ull << 40; break;
        default: break;
      }
      if (unit != 1) size.remove_suffix(1);
    }
    const auto n = parse_number(size, std::numeric_limits<std::uint64_t>::max());
    if (!n) return std::nullopt;
    // Saturates: a limit beyond 2^64 octets is no limit in practice.
    out.max_size = *n > std::numeric_limits<std::uint64_t>::max() / unit ? std::numeric_limits<std::uint64_t>::max()
                                                                          : *n * unit;
  }
  if (!is_uri(uri)) return std::nullopt;
  out.uri = std::string(uri);
  return out;
}

ParsedRecord parse_record(std::string_view txt) {
  ParsedRecord out;
  const std::size_t vend = version_end(txt);
  if (vend == std::string_view::npos) {
    out.problem = "not a DMARC record (does not start with v=DMARC1)";
    return out;
  }
  Record& r = out.record;
  std::optional<Policy> p, sp;
  bool p_seen = false, sp_bad = false;
  std::set<std::string> seen{"v"};
  std::string duplicate;

  split(txt.substr(vend), ';', [&](std::string_view spec) {
    spec = trim(spec);
    if (spec.empty()) return true;
    const std::size_t eq = spec.find('=');
    const std::string_view raw_name = trim(spec.substr(0, eq));
    if (eq == std::string_view::npos || !is_tag_name(raw_name)) {
      warn(out, "ignored '" + printable(spec) + "' (not a tag=value)");
      return true;
    }
    const std::string name = lowered(raw_name);
    const std::string_view value = trim(spec.substr(eq + 1));
    if (!seen.insert(name).second) {
      duplicate = name;
      return false;
    }
    if (name == "p") {
      p_seen = true;
      p = parse_policy(value);
    } else if (name == "sp") {
      sp = parse_policy(value);
      sp_bad = !sp;
    } else if (name == "np") {
      r.np = parse_policy(value);
      if (!r.np) warn(out, "np=: invalid value '" + printable(value) + "' ignored");
    } else if (name == "adkim" || name == "aspf") {
      const auto a = parse_alignment(value);
      if (a)
        (name == "adkim" ? r.adkim : r.aspf) = *a;
      else
        warn(out, name + "=: invalid value '" + printable(value) + "', relaxed applies");
    } else if (name == "pct") {
      const auto n = value.size() <= 3 ? parse_number(value, 100) : std::nullopt;
      if (n)
        r.pct = static_cast<int>(*n);
      else
        warn(out, "pct=: invalid value '" + printable(value) + "', 100 applies");
    } else if (name == "ri") {
      const auto n = parse_number(value, std::numeric_limits<std::uint32_t>::max());
      if (n)
        r.ri = static_cast<std::uint32_t>(*n);
      else
        warn(out, "ri=: invalid value '" + printable(value) + "', 86400 applies");
    } else if (name == "fo") {
      std::string text;
      if (const auto fo = parse_fo(value, text)) {
        r.fo = *fo;
        r.fo_text = text;
      } else {
        warn(out, "fo=: invalid value '" + printable(value) + "', 0 applies");
      }
    } else if (name == "rf") {
      if (auto rf = parse_rf(value))
        r.rf = std::move(*rf);
      else
        warn(out, "rf=: invalid value '" + printable(value) + "', afrf applies");
    } else if (name == "rua") {
      r.rua = parse_uri_list(value, "rua", out);
    } else if (name == "ruf") {
      r.ruf = parse_uri_list(value, "ruf", out);
    }
    // Any other tag is unknown and ignored (6.3).
    return true;
  });

  if (!duplicate.empty()) {
    out.status = RecordStatus::invalid;
    out.problem = "tag " + printable(duplicate) + "= given twice";
    out.record = Record{};
    return out;
  }
  if (p && !sp_bad) {
    r.p = *p;
    r.sp = sp;
    out.status = RecordStatus::ok;
    return out;
  }
  const std::string why = !p_seen ? "no p= tag" : !p ? "invalid p= value" : "invalid sp= value";
  if (!r.rua.empty()) {
    // 6.6.3 step 6.1: act as if "v=DMARC1; p=none" was published (with its rua=).
    r.p = Policy::none;
    r.sp.reset();
    r.np.reset();
    r.p_defaulted = true;
    warn(out, why + ", but a valid rua=: p=none applies");
    out.status = RecordStatus::ok;
    return out;
  }
  out.status = RecordStatus::invalid;
  out.problem = why + " and no valid rua=";
  out.record = Record{};
  return out;
}

}  // namespace portcullis::checks::dmarc
