// checks/dkim/tags.hpp: the RFC 6376 3.2 tag=value list.
#include "checks/dkim/tags.hpp"

#include "checks/dkim/text.hpp"

namespace portcullis::checks::dkim {

namespace {

bool is_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }
bool is_digit(char ch) { return ch >= '0' && ch <= '9'; }

// VALCHAR (%x21-3A / %x3C-7E), whitespace, or a UTF-8 octet.
bool value_octet(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return is_fws(ch) || (c >= 0x21 && c <= 0x7E && c != ';') || c >= 0x80;
}

}  // namespace

const Tag* TagList::find(std::string_view name) const {
  for (const auto& t : tags)
    if (t.name == name) return &t;
  return nullptr;
}

TagParse parse_tag_list(std::string_view text, TagLimits limits) {
  TagParse out;
  if (text.size() > limits.max_bytes) {
    out.error = "tag list too long";
    return out;
  }
  std::size_t pos = 0;
  const std::size_t n = text.size();
  while (pos < n) {
    while (pos < n && is_fws(text[pos])) ++pos;
    if (pos == n) break;
    if (text[pos] == ';') {  // an empty tag-spec
      ++pos;
      continue;
    }
    const std::size_t name_begin = pos;
    if (!is_alpha(text[pos])) {
      out.error = "bad tag name";
      return out;
    }
    while (pos < n && (is_alpha(text[pos]) || is_digit(text[pos]) || text[pos] == '_')) ++pos;
    const std::string_view name = text.substr(name_begin, pos - name_begin);
    while (pos < n && is_fws(text[pos])) ++pos;
    if (pos == n || text[pos] != '=') {
      out.error = (pos == n || text[pos] == ';') ? "tag " + std::string(name.substr(0, 32)) + " without a value"
                                                 : "bad tag name";
      return out;
    }
    ++pos;
    const std::size_t value_begin = pos;
    while (pos < n && text[pos] != ';') {
      if (!value_octet(text[pos])) {
        out.error = "bad character in tag " + std::string(name.substr(0, 32));
        return out;
      }
      ++pos;
    }
    if (out.list.find(name) != nullptr) {
      out.error = "duplicate tag " + std::string(name.substr(0, 32));
      return out;
    }
    if (out.list.tags.size() >= limits.max_tags) {
      out.error = "too many tags";
      return out;
    }
    Tag tag;
    tag.name.assign(name);
    tag.value.assign(trim_fws(text.substr(value_begin, pos - value_begin)));
    tag.value_begin = value_begin;
    tag.value_end = pos;
    out.list.tags.push_back(std::move(tag));
    if (pos < n) ++pos;  // the ';'
  }
  return out;
}

}  // namespace portcullis::checks::dkim
