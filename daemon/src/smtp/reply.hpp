// SMTP replies as the outbound client sees them, and the client side of DATA transparency.
// Pure functions (no I/O): the parsers of what remote servers send are fuzzed.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace portcullis::smtp {

struct Reply {
  int code = 0;       // 0: no reply (connection problem)
  std::string text;   // all lines joined by '\n', without CRLF, including the codes
  bool ok() const { return code >= 200 && code < 300; }
  bool transient() const { return code == 0 || (code >= 400 && code < 500); }
  bool permanent() const { return code >= 500; }
  // One line for logs and DSNs: "550 5.1.1 No such user" (continuation lines joined by ' ').
  std::string line() const;
};

// Parses one SMTP reply from `buf` starting at its beginning; returns the number of bytes
// consumed (0 if incomplete) and sets `out`; throws std::runtime_error on malformed input.
std::size_t parse_reply(std::string_view buf, Reply& out);
// Dot-stuffs `content` and appends the terminator (adds a CRLF first if content lacks one).
std::string dot_stuff(std::string_view content);

}  // namespace portcullis::smtp
