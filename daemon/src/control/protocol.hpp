// The control socket's protocol: line-oriented text over a unix stream socket.
//   client: one command line, e.g. "status\n", "reload\n", "queue flush\n", "tail\n"
//   server: "ok\n" or "error: TEXT\n", then payload lines, then ".\n". A payload line that
//           starts with '.' is sent with one more '.' in front (dot-stuffing, as in SMTP).
//   "tail" sends "ok\n" and then log lines as they happen, without an end, until the client
//   closes. Several commands may follow one another on one connection.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::control {

constexpr std::size_t max_command_line = 1024;

struct Command {
  std::string verb;               // lower-case
  std::vector<std::string> args;  // as given
};

// Splits a command line (without its newline) into words; nullopt for an empty line, a line
// with control characters, or one longer than max_command_line.
std::optional<Command> parse_command(std::string_view line);

// A whole response: "ok" (or "error: ...") + dot-stuffed payload lines + ".".
std::string format_response(const std::vector<std::string>& lines);
std::string format_error(std::string_view message);
// One dot-stuffed payload line (tail).
std::string stuff_line(std::string_view line);

// Client side: reads a response from `in` (the bytes received so far). Returns the number of
// octets consumed when a whole response is there (filling ok/error/lines), 0 if more is needed.
struct Response {
  bool ok = false;
  std::string error;
  std::vector<std::string> lines;  // unstuffed
};
std::size_t parse_response(std::string_view in, Response& out);

}  // namespace portcullis::control
