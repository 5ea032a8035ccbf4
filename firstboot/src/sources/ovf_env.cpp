// OVF environment parsing (see ovf_env.hpp): a tokenizer for the XML that environment
// documents use (elements, attributes, entities, comments, processing instructions, CDATA in
// content), collecting the Property elements of the root's PropertySection.
#include "sources/ovf_env.hpp"

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sources/source_text.hpp"

namespace portcullis::firstboot {
namespace {

constexpr std::size_t max_input = 1024 * 1024;
constexpr std::size_t max_depth = 64;  // environments nest three or four levels
constexpr std::string_view key_prefix = "portcullis.";

[[noreturn]] void fail(std::string_view what, std::size_t at) {
  throw SourceError("OVF environment: " + std::string(what) + " at byte " + std::to_string(at));
}

bool space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// XML name characters, ASCII subset plus any non-ASCII byte (the input is valid UTF-8).
bool name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool name_char(char c) { return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.'; }

std::string_view local_name(std::string_view qname) {
  const auto colon = qname.rfind(':');
  return colon == std::string_view::npos ? qname : qname.substr(colon + 1);
}

// XML 1.0 Char: what a character reference may name.
bool xml_char(uint32_t cp) {
  return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) ||
         (cp >= 0xE000 && cp <= 0xFFFD) || (cp >= 0x10000 && cp <= 0x10FFFF);
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int digit_value(char c, bool hex) {
  if (c >= '0' && c <= '9') return c - '0';
  if (hex && c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (hex && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Text with its entity and character references replaced and line ends (CR LF, CR) made LF.
// `at` is the offset of `raw` in the document, for messages.
std::string decode(std::string_view raw, std::size_t at) {
  std::string out;
  out.reserve(raw.size());
  std::size_t i = 0;
  while (i < raw.size()) {
    const char c = raw[i];
    if (c == '\r') {
      out += '\n';
      i += (i + 1 < raw.size() && raw[i + 1] == '\n') ? 2 : 1;
      continue;
    }
    if (c != '&') {
      out += c;
      ++i;
      continue;
    }
    const auto semi = raw.find(';', i + 1);
    if (semi == std::string_view::npos) fail("'&' without a closing ';'", at + i);
    const std::string_view ref = raw.substr(i + 1, semi - i - 1);
    if (!ref.empty() && ref[0] == '#') {
      const bool hex = ref.size() > 1 && ref[1] == 'x';
      const std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) fail("empty character reference", at + i);
      uint32_t cp = 0;
      for (const char d : digits) {
        const int v = digit_value(d, hex);
        if (v < 0) fail("bad character reference", at + i);
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(v);
        if (cp > 0x10FFFF) fail("character reference beyond U+10FFFF", at + i);
      }
      if (!xml_char(cp)) fail("character reference to a character XML does not allow", at + i);
      append_utf8(out, cp);
    } else if (ref == "amp") {
      out += '&';
    } else if (ref == "lt") {
      out += '<';
    } else if (ref == "gt") {
      out += '>';
    } else if (ref == "quot") {
      out += '"';
    } else if (ref == "apos") {
      out += '\'';
    } else {
      fail("unknown entity", at + i);
    }
    i = semi + 1;
  }
  return out;
}

class Parser {
 public:
  Parser(std::string_view in, std::size_t from) : in_(in), pos_(from) {}

  AnswerMap run() {
    while (pos_ < in_.size()) {
      if (in_[pos_] != '<') {
        text();
      } else if (starts("<!--")) {
        comment();
      } else if (starts("<?")) {
        skip_past("?>", pos_ + 2, "unterminated processing instruction");
      } else if (starts("<![CDATA[")) {
        if (stack_.empty()) fail("CDATA outside the root element", pos_);
        skip_past("]]>", pos_ + 9, "unterminated CDATA section");
      } else if (starts("<!")) {
        fail("DOCTYPE and other declarations are not allowed", pos_);
      } else if (starts("</")) {
        end_tag();
      } else {
        start_tag();
      }
    }
    if (!stack_.empty()) fail("unclosed element", pos_);
    if (!root_seen_) fail("no root element", pos_);
    return std::move(out_);
  }

 private:
  bool starts(std::string_view s) const { return in_.substr(pos_).starts_with(s); }

  bool skip_space() {
    const std::size_t from = pos_;
    while (pos_ < in_.size() && space(in_[pos_])) ++pos_;
    return pos_ != from;
  }

  void skip_past(std::string_view end, std::size_t from, std::string_view error) {
    const auto at = in_.find(end, from);
    if (at == std::string_view::npos) fail(error, pos_);
    pos_ = at + end.size();
  }

  void text() {
    const std::size_t start = pos_;
    const auto lt = in_.find('<', pos_);
    pos_ = lt == std::string_view::npos ? in_.size() : lt;
    const std::string_view run = in_.substr(start, pos_ - start);
    if (stack_.empty()) {
      for (const char c : run)
        if (!space(c)) fail("text outside the root element", start);
    } else {
      (void)decode(run, start);  // only checked: element text is not an answer
    }
  }

  void comment() {
    const auto dashes = in_.find("--", pos_ + 4);
    if (dashes == std::string_view::npos) fail("unterminated comment", pos_);
    if (dashes + 2 >= in_.size() || in_[dashes + 2] != '>') fail("'--' inside a comment", dashes);
    pos_ = dashes + 3;
  }

  std::string_view name() {
    const std::size_t start = pos_;
    if (pos_ >= in_.size() || !name_start(in_[pos_])) fail("expected a name", pos_);
    while (pos_ < in_.size() && name_char(in_[pos_])) ++pos_;
    return in_.substr(start, pos_ - start);
  }

  void end_tag() {
    const std::size_t start = pos_;
    pos_ += 2;
    const std::string_view n = name();
    skip_space();
    if (pos_ >= in_.size()) fail("unterminated end tag", start);
    if (in_[pos_] != '>') fail("unexpected character in end tag", pos_);
    ++pos_;
    if (stack_.empty() || stack_.back() != n) fail("mismatched end tag", start);
    stack_.pop_back();
    if (stack_.empty()) root_closed_ = true;
  }

  void start_tag() {
    const std::size_t start = pos_;
    ++pos_;
    const std::string_view n = name();
    if (root_closed_) fail("content after the root element", start);
    if (stack_.empty() && local_name(n) != "Environment") fail("the root element is not an OVF Environment", start);
    const bool property = local_name(n) == "Property" && stack_.size() == 2 && local_name(stack_[1]) == "PropertySection";

    std::optional<std::string> key;
    std::optional<std::string> value;
    std::set<std::string_view> attributes;
    bool self_closing = false;
    for (;;) {
      const bool separated = skip_space();
      if (pos_ >= in_.size()) fail("unterminated tag", start);
      if (in_[pos_] == '>') {
        ++pos_;
        break;
      }
      if (starts("/>")) {
        pos_ += 2;
        self_closing = true;
        break;
      }
      if (!separated) fail("unexpected character in tag", pos_);
      const std::size_t attribute_at = pos_;
      const std::string_view attribute = name();
      skip_space();
      if (pos_ >= in_.size()) fail("unterminated tag", start);
      if (in_[pos_] != '=') fail("attribute without a value", attribute_at);
      ++pos_;
      skip_space();
      if (pos_ >= in_.size()) fail("unterminated tag", start);
      const char quote = in_[pos_];
      if (quote != '"' && quote != '\'') fail("attribute value without quotes", pos_);
      const std::size_t value_at = pos_ + 1;
      const auto close = in_.find(quote, value_at);
      if (close == std::string_view::npos) fail("unterminated attribute value", attribute_at);
      const std::string_view raw = in_.substr(value_at, close - value_at);
      if (raw.find('<') != std::string_view::npos) fail("'<' in an attribute value", value_at + raw.find('<'));
      pos_ = close + 1;
      if (!attributes.insert(attribute).second) fail("duplicate attribute", attribute_at);
      std::string decoded = decode(raw, value_at);
      if (!property) continue;
      const std::string_view local = local_name(attribute);
      if (local == "key" || local == "value") {
        auto& slot = local == "key" ? key : value;
        if (slot) fail("Property with two " + std::string(local) + " attributes", attribute_at);
        slot = std::move(decoded);
      }
    }

    if (stack_.empty()) root_seen_ = true;
    if (!self_closing) {
      if (stack_.size() == max_depth) fail("elements nested too deeply", start);
      stack_.push_back(n);
    } else if (stack_.empty()) {
      root_closed_ = true;
    }
    if (property) add(start, key, value);
  }

  void add(std::size_t at, const std::optional<std::string>& key, const std::optional<std::string>& value) {
    if (!key) fail("Property without a key", at);
    if (!value) fail("Property without a value", at);
    std::string_view k = *key;
    if (k.starts_with(key_prefix)) k.remove_prefix(key_prefix.size());
    if (!detail::answer_key_syntax(k)) return;  // someone else's property
    if (!seen_.emplace(k).second) throw SourceError("OVF environment: property " + std::string(k) + " is set twice");
    if (!value->empty()) out_.emplace(k, *value);
  }

  std::string_view in_;
  std::size_t pos_ = 0;
  std::vector<std::string_view> stack_;  // names of the open elements, root first
  bool root_seen_ = false;
  bool root_closed_ = false;
  std::set<std::string, std::less<>> seen_;
  AnswerMap out_;
};

}  // namespace

AnswerMap parse_ovf_env(std::string_view xml) {
  if (xml.size() > max_input) throw SourceError("OVF environment: larger than 1 MiB");
  if (!detail::valid_utf8(xml)) throw SourceError("OVF environment: not UTF-8");
  for (std::size_t i = 0; i < xml.size(); ++i) {
    const auto c = static_cast<unsigned char>(xml[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
      fail("control character", i);
  }
  return Parser(xml, xml.starts_with("\xEF\xBB\xBF") ? 3 : 0).run();  // skipping a byte order mark
}

}  // namespace portcullis::firstboot
