// Small text helpers shared by the rooms: a whole file read into a string, its first line, and
// a list joined with a separator.
#pragma once
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::core {

// The file's bytes, or nullopt if it cannot be opened or read.
inline std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return text.str();
}

// The text up to its first line break (one-line files such as /etc/hostname or a password file).
inline std::string first_line(std::string_view text) { return std::string(text.substr(0, text.find('\n'))); }

inline std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

// Printable ASCII of `text` (a tab becomes a space, other octets are dropped), at most `max`
// characters, trailing spaces removed: remote text (a DNS TXT record) fit for a log or a reply.
inline std::string printable_ascii(std::string_view text, std::size_t max) {
  std::string out;
  for (const char c : text) {
    if (out.size() == max) break;
    if (c >= 0x20 && c <= 0x7e) out += c;
    else if (c == '\t') out += ' ';
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace portcullis::core
