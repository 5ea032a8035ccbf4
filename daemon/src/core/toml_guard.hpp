// A check of TOML text before toml11 reads it. toml11 3.7.1 (Debian's libtoml11-dev) has two
// memory-safety bugs on hostile input:
//   - invalid UTF-8 inside a literal string '...' or '''...''' overflows a heap buffer while
//     the error is being reported (parser.hpp, inner_loc.reset(first));
//   - arrays and inline tables are parsed recursively, and the values built are copied and
//     destroyed recursively, so "k = [[[[..." or "{b={b=..." a few hundred deep overflows the
//     stack (so do dotted keys and table headers some ten thousand components long).
// Every caller that hands text from outside to toml11 asks here first.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::core {

struct TomlInputProblem {
  std::size_t line = 0;  // 1-based
  std::string what;      // e.g. "invalid UTF-8 (octet 0xFF at column 9)"
};

// The first problem of `text`, or nullopt:
//  (a) it must be valid UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF, no
//      truncated sequence);
//  (b) nothing may be nested more than max_depth deep. The depth of a place is the most
//      tables and arrays toml11 may put around it: 1 for each array and inline table, 1 for
//      each bracket of a table header, and 2 for each dot of a table header or dotted key
//      (the component before the dot may be an array of tables: the array and its last
//      table). So "k = [[1]]" is depth 2, [a] 1, [[a]] 2, [a.b] 3, and "a.b = 1" puts the 1
//      at depth 2. Strings (basic, literal and both multi-line forms, with basic strings'
//      escapes) and comments are skipped, so brackets inside them do not count. The scan is
//      built to count at least as deep as toml11 nests on any text it reads without error up
//      to that point.
std::optional<TomlInputProblem> find_toml_input_problem(std::string_view text, int max_depth);

// The same as one message "line N: what", or nullopt.
std::optional<std::string> toml_input_problem(std::string_view text, int max_depth);

// Only check (b): the line where the nesting first goes deeper than max_depth, or nullopt.
std::optional<std::size_t> toml_nesting_exceeded(std::string_view text, int max_depth);

}  // namespace portcullis::core
