// MIME header field values and parameters (RFC 2045, 2183, 2231, 2047). Rules: see mime_params.hpp.
#include "mail/mime_params.hpp"

#include <algorithm>
#include <optional>

#include "mail/cfws.hpp"
#include "mail/encoded_words.hpp"

namespace portcullis::mail {
namespace {

constexpr std::size_t kMaxItems = 256;     // raw "name=value" items read from one field
constexpr std::size_t kMaxSections = 64;   // RFC 2231 sections per name
constexpr std::size_t kMaxCharsetName = 60;

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_wsp(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

std::string lowered(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = lower(c);
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_wsp(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_wsp(s.back())) s.remove_suffix(1);
  return s;
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

// One "name=value" item as written.
struct Item {
  std::string name;   // lower-case base name
  int section = -1;   // RFC 2231 section number, -1: none
  bool starred = false;
  std::string raw;    // unquoted value
};

// White space and comments from i on (an unclosed comment runs to the end).
std::size_t skip_space(std::string_view v, std::size_t i) {
  if (const auto j = skip_cfws(v, i)) return *j;
  return v.size();
}

// The quoted string starting at v[i] == '"': its content and the index after it.
std::string read_quoted(std::string_view v, std::size_t& i) {
  std::string out;
  for (++i; i < v.size(); ++i) {
    const char c = v[i];
    if (c == '"') {
      ++i;
      return out;
    }
    if (c == '\\' && i + 1 < v.size()) ++i;
    out += v[i];
  }
  return out;  // unclosed: runs to the end
}

// "name*N*" -> base name, section, starred.
void split_name(std::string_view written, Item& item) {
  std::string name = lowered(trim(written));
  if (!name.empty() && name.back() == '*') {
    item.starred = true;
    name.pop_back();
  }
  if (const auto star = name.rfind('*'); star != std::string::npos) {
    const std::string_view digits = std::string_view(name).substr(star + 1);
    if (!digits.empty() && digits.size() <= 4 &&
        std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      item.section = std::stoi(std::string(digits));
      name.resize(star);
    }
  }
  if (item.starred && item.section < 0) item.section = 0;  // name*=...: the only section
  item.name = std::move(name);
}

std::vector<Item> read_items(std::string_view v, std::size_t i) {
  std::vector<Item> items;
  while (i < v.size() && items.size() < kMaxItems) {
    if (v[i] == ';') {
      ++i;
      continue;
    }
    i = skip_space(v, i);
    const std::size_t name_start = i;
    while (i < v.size() && v[i] != '=' && v[i] != ';') ++i;
    if (i >= v.size() || v[i] == ';') continue;  // no '=': skipped
    Item item;
    split_name(v.substr(name_start, i - name_start), item);
    ++i;  // '='
    i = skip_space(v, i);
    if (i < v.size() && v[i] == '"') {
      item.raw = read_quoted(v, i);
      while (i < v.size() && v[i] != ';') ++i;  // anything after the closing quote
    } else {
      const std::size_t start = i;
      while (i < v.size() && v[i] != ';') ++i;
      item.raw = std::string(trim(v.substr(start, i - start)));
    }
    if (item.raw.size() > kMaxParamValue) item.raw.resize(kMaxParamValue);
    if (!item.name.empty()) items.push_back(std::move(item));
  }
  return items;
}

std::string percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool plain_charset_name(std::string_view cs) {
  if (cs.empty() || cs.size() > kMaxCharsetName) return false;
  return std::all_of(cs.begin(), cs.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

// Octets in `charset` to UTF-8, through the RFC 2047 decoder's charsets: the octets are
// written as one Q-encoded word and decoded. Unknown charsets are read as UTF-8.
std::string charset_to_utf8(std::string_view octets, std::string_view charset) {
  if (octets.empty()) return {};
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string body;
  body.reserve(octets.size() * 3);
  for (const char c : octets) {
    const auto u = static_cast<unsigned char>(c);
    body += '=';
    body += hex[u >> 4];
    body += hex[u & 15];
  }
  const auto decode = [&](std::string_view cs) {
    const std::string word = "=?" + std::string(cs) + "?Q?" + body + "?=";
    std::string out = decode_encoded_words(word, kMaxParamValue);
    return out == word ? std::optional<std::string>() : std::optional<std::string>(std::move(out));
  };
  if (plain_charset_name(charset))
    if (auto out = decode(charset)) return std::move(*out);
  return decode("UTF-8").value_or(std::string());
}

// The RFC 2231 sections of `name` put together.
std::string assemble(const std::vector<Item>& items, const std::string& name) {
  std::vector<const Item*> sections;
  for (const Item& it : items)
    if (it.name == name && it.section >= 0) sections.push_back(&it);
  std::stable_sort(sections.begin(), sections.end(),
                   [](const Item* a, const Item* b) { return a->section < b->section; });
  std::string octets;
  std::string charset;
  int previous = -1;
  std::size_t used = 0;
  for (const Item* s : sections) {
    if (s->section == previous) continue;  // repeated section: the first wins
    if (++used > kMaxSections) break;
    std::string_view raw = s->raw;
    if (s->starred) {
      if (previous < 0) {  // the first section carries charset'language'
        if (const auto q1 = raw.find('\''); q1 != std::string_view::npos) {
          if (const auto q2 = raw.find('\'', q1 + 1); q2 != std::string_view::npos) {
            charset = std::string(raw.substr(0, q1));
            raw.remove_prefix(q2 + 1);
          }
        }
      }
      octets += percent_decoded(raw);
    } else {
      octets += raw;
    }
    previous = s->section;
    if (octets.size() >= kMaxParamValue) {
      octets.resize(kMaxParamValue);
      break;
    }
  }
  return charset_to_utf8(octets, charset);
}

}  // namespace

const MimeParam* ParamHeader::find(std::string_view name) const {
  const MimeParam* plain = nullptr;
  for (const MimeParam& p : params) {
    if (p.name != name) continue;
    if (p.extended) return &p;
    if (!plain) plain = &p;
  }
  return plain;
}

ParamHeader parse_param_header(std::string_view v) {
  ParamHeader out;
  std::size_t i = 0;
  while (i < v.size() && v[i] != ';') {
    const char c = v[i];
    if (c == '(') {
      i = skip_comment(v, i).value_or(v.size());
    } else if (c == '"') {
      out.value += lowered(read_quoted(v, i));
    } else {
      if (!is_wsp(c)) out.value += lower(c);
      ++i;
    }
    if (out.value.size() > kMaxParamValue) out.value.resize(kMaxParamValue);
  }
  const std::vector<Item> items = read_items(v, i);
  std::vector<std::string> assembled;
  for (const Item& it : items) {
    if (out.params.size() >= kMaxParams) break;
    if (it.section < 0) {
      std::string value =
          it.raw.find("=?") != std::string::npos ? decode_encoded_words(it.raw, kMaxParamValue) : it.raw;
      out.params.push_back(MimeParam{it.name, std::move(value), false});
    } else if (std::find(assembled.begin(), assembled.end(), it.name) == assembled.end()) {
      assembled.push_back(it.name);
      out.params.push_back(MimeParam{it.name, assemble(items, it.name), true});
    }
  }
  return out;
}

}  // namespace portcullis::mail
