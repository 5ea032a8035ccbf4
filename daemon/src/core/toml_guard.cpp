// The check of TOML text before toml11 reads it (see toml_guard.hpp).
#include "core/toml_guard.hpp"

#include "core/utf8.hpp"

#include <algorithm>
#include <vector>

namespace portcullis::core {
namespace {

std::size_t line_of(std::string_view text, std::size_t offset) {
  const auto end = text.begin() + static_cast<std::ptrdiff_t>(offset);
  return 1 + static_cast<std::size_t>(std::count(text.begin(), end, '\n'));
}

std::size_t column_of(std::string_view text, std::size_t offset) {
  const std::size_t nl = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  return nl == std::string_view::npos ? offset + 1 : offset - nl;
}

// The offset where the nesting first goes deeper than max_depth, or nullopt.
//
// The scan follows TOML's shape just enough to tell keys from values: a key starts a line at
// the top level, follows '{', and follows ',' inside an inline table; a value follows '=', '['
// (an array) and ',' inside an array. A dot counts only in a key (1.5 and 07:32:00.5 are
// values), and counts 2: the component before it may name an array of tables (toml11 goes
// into its last table), so it may stand for two levels. A '[' where a key may start at the top
// level opens a table header, whose path starts at the root; its depth then holds for the
// lines below it. A line break inside an inline table (not TOML 1.0) starts a key, so dots
// after it count. Where the text is not TOML the count may go either way, but toml11 stops at
// the first error, before nesting further.
std::optional<std::size_t> nesting_exceeded_at(std::string_view t, int max_depth) {
  struct Open {
    char bracket;      // '[' or '{'
    int depth_before;  // the depth of the place the bracket opened at
  };
  std::vector<Open> open;  // at most max_depth + 1 entries: the scan stops there
  int depth = 0;           // of the current place
  int table_depth = 0;     // of the lines under the last table header
  int header_depth = 0;    // the deepest point of the header being read
  bool in_header = false;
  bool in_key = true;  // a key, not a value, is being read
  const std::size_t n = t.size();
  const auto at = [&](std::size_t k, std::string_view what) { return t.substr(k, what.size()) == what; };
  const auto deeper = [&](int by) {
    depth += by;
    if (in_header) header_depth = std::max(header_depth, depth);
    return depth > max_depth;
  };

  std::size_t i = 0;
  while (i < n) {
    const char c = t[i];
    if (c == '\n') {
      if (open.empty()) {
        depth = table_depth;
        in_key = true;
        in_header = false;
      } else if (open.back().bracket == '{') {
        in_key = true;
      }
      ++i;
    } else if (c == '#') {
      while (i < n && t[i] != '\n') ++i;  // the line break itself is handled above
    } else if (at(i, "\"\"\"") || at(i, "'''")) {
      const char q = c;
      i += 3;
      while (i < n && !at(i, q == '"' ? "\"\"\"" : "'''")) i += (q == '"' && t[i] == '\\') ? 2 : 1;
      i = std::min(i + 3, n);
      for (int extra = 0; extra < 2 && i < n && t[i] == q; ++extra) ++i;  // """a"""" is 'a"'
    } else if (c == '"' || c == '\'') {
      ++i;
      while (i < n && t[i] != c && t[i] != '\n') i += (c == '"' && t[i] == '\\') ? 2 : 1;
      if (i < n && t[i] == c) ++i;  // an unclosed string leaves its line break to the loop
    } else if (c == '[' || c == '{') {
      if (c == '[' && open.empty() && in_key) {  // a table header: its path starts at the root
        in_header = true;
        header_depth = 0;
        depth = 0;
      }
      open.push_back({c, depth});
      if (deeper(1)) return i;
      in_key = c == '{' || in_header;
      ++i;
    } else if (c == ']' || c == '}') {
      if (!open.empty()) {
        depth = open.back().depth_before;
        open.pop_back();
        if (open.empty() && in_header) {
          table_depth = header_depth;
          depth = table_depth;
          in_header = false;
        }
      }
      in_key = false;  // a value (or a header) ended; ',' or a line break comes next
      ++i;
    } else if (c == ',') {
      if (!open.empty()) {
        depth = open.back().depth_before + 1;
        in_key = open.back().bracket == '{';
      }
      ++i;
    } else if (c == '=') {
      in_key = false;
      ++i;
    } else if (c == '.') {
      if (in_key && deeper(2)) return i;
      ++i;
    } else {
      ++i;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::size_t> toml_nesting_exceeded(std::string_view text, int max_depth) {
  const auto at = nesting_exceeded_at(text, max_depth);
  if (!at) return std::nullopt;
  return line_of(text, *at);
}

std::optional<TomlInputProblem> find_toml_input_problem(std::string_view text, int max_depth) {
  if (const auto bad = invalid_utf8_at(text)) {
    static const char hex[] = "0123456789ABCDEF";
    const auto octet = static_cast<unsigned char>(text[*bad]);
    std::string what = "invalid UTF-8 (octet 0x";
    what += hex[octet >> 4];
    what += hex[octet & 15];
    what += " at column " + std::to_string(column_of(text, *bad)) + ")";
    return TomlInputProblem{.line = line_of(text, *bad), .what = std::move(what)};
  }
  if (const auto deep = nesting_exceeded_at(text, max_depth))
    return TomlInputProblem{.line = line_of(text, *deep),
                            .what = "tables and arrays nested more than " + std::to_string(max_depth) + " deep"};
  return std::nullopt;
}

std::optional<std::string> toml_input_problem(std::string_view text, int max_depth) {
  const auto problem = find_toml_input_problem(text, max_depth);
  if (!problem) return std::nullopt;
  return "line " + std::to_string(problem->line) + ": " + problem->what;
}

}  // namespace portcullis::core
