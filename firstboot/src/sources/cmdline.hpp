// The kernel command line as an answer source: `portcullis.answers=VALUE` points the wizard
// at its answers, either inline (`base64:` + an answers.toml, standard or URL-safe alphabet,
// padding optional) or as an absolute path to an answers.toml file:
//
//   linux /vmlinuz ... portcullis.answers=base64:W3N5c3RlbV0KaG9zdG5hbWUgPSAibXgiCg
//   linux /vmlinuz ... portcullis.answers=/run/seed/answers.toml
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "answers.hpp"

namespace portcullis::firstboot {

inline constexpr std::size_t max_cmdline_size = 128 * 1024;
inline constexpr std::size_t max_inline_answers_size = 64 * 1024;

// The value of the last `portcullis.answers=` word of a command line (/proc/cmdline text),
// nullopt if there is none. Words are split as the kernel does: at white space outside
// double quotes; the quotes themselves are removed (`portcullis.answers="a b"` is "a b").
// A word `--` ends the kernel's parameters (what follows is init's): the search stops there.
// An empty value ("portcullis.answers=") is returned as "" for decode_answers_ref to refuse.
// Throws SourceError for a command line longer than max_cmdline_size.
std::optional<std::string> cmdline_answers(std::string_view cmdline);

struct AnswersRef {
  enum Kind { inline_toml, file } kind;
  std::string text;  // inline_toml: the TOML text; file: the absolute path
};

// "base64:..." -> inline_toml with the decoded text (valid UTF-8, no NUL, not empty, at most
// max_inline_answers_size bytes; one alphabet, canonical encoding); "/abs/path" -> file (no
// ".." component, no NUL, not ending in '/', at most 4096 bytes). Throws SourceError for
// anything else.
AnswersRef decode_answers_ref(std::string_view value);

}  // namespace portcullis::firstboot
