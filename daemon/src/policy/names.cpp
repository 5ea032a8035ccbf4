#include "policy/names.hpp"

#include <algorithm>
#include <cstddef>

namespace portcullis::policy {
namespace {

bool is_atext(unsigned char c, bool allow_utf8) {
  if (c >= 0x80) return allow_utf8;
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~";
  return specials.find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_ldh_label(std::string_view label) {
  if (label.empty() || label.size() > 63) return false;
  if (label.front() == '-' || label.back() == '-') return false;
  return std::all_of(label.begin(), label.end(), [](char ch) {
    const auto c = static_cast<unsigned char>(ch);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
}

void append_safe(std::string& out, std::string_view text) {
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    out += (c < 0x20 || c == 0x7f) ? '?' : ch;
  }
}

}  // namespace

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& ch : out)
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  return out;
}

std::vector<std::string> split_names(std::string_view list) {
  std::vector<std::string> out;
  while (!list.empty()) {
    const auto end = list.find_first_of(", ");
    if (end != 0) out.push_back(lower_ascii(list.substr(0, end)));
    if (end == std::string_view::npos) break;
    list.remove_prefix(end + 1);
  }
  return out;
}

std::optional<AddressParts> split_address(std::string_view text) {
  const auto at = text.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size()) return std::nullopt;
  return AddressParts{std::string(text.substr(0, at)), std::string(text.substr(at + 1))};
}

bool is_dot_atom(std::string_view text, bool allow_utf8) {
  if (text.empty() || text.front() == '.' || text.back() == '.') return false;
  char prev = '\0';
  for (char ch : text) {
    if (ch == '.') {
      if (prev == '.') return false;
    } else if (!is_atext(static_cast<unsigned char>(ch), allow_utf8)) {
      return false;
    }
    prev = ch;
  }
  return true;
}

bool is_valid_domain(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  bool has_letter = false;
  std::size_t start = 0;
  while (true) {
    const auto dot = text.find('.', start);
    const auto label = text.substr(start, dot == std::string_view::npos ? text.npos : dot - start);
    if (!is_ldh_label(label)) return false;
    for (char ch : label)
      if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')) has_letter = true;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return has_letter;
}

std::string wire_form(const mail::Mailbox& mailbox) {
  std::string out;
  out.reserve(mailbox.local.size() + mailbox.domain.size() + 3);
  if (is_dot_atom(mailbox.local, true)) {
    out += mailbox.local;
  } else {
    out += '"';
    for (char ch : mailbox.local) {
      if (ch == '"' || ch == '\\') out += '\\';
      append_safe(out, std::string_view(&ch, 1));
    }
    out += '"';
  }
  out += '@';
  append_safe(out, mailbox.domain);
  return out;
}

std::string lookup_key(const mail::Mailbox& mailbox) {
  return lower_ascii(mailbox.local) + "@" + lower_ascii(mailbox.domain);
}

}  // namespace portcullis::policy
