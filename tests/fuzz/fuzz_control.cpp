// The control socket's protocol: commands come from local clients, responses from the daemon
// to the CLI. Neither may crash, and a formatted response must parse back to its lines.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "control/protocol.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace portcullis::control;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)parse_command(in);
  Response r;
  std::string_view rest = in;
  while (!rest.empty()) {
    const std::size_t used = parse_response(rest, r);
    if (used == 0) break;
    if (used > rest.size()) __builtin_trap();
    rest.remove_prefix(used);
  }
  // Round trip: the input split into lines (without CR/LF) survives format + parse.
  std::vector<std::string> lines;
  std::string line;
  for (char c : in) {
    if (c == '\n' || c == '\r') {
      lines.push_back(line);
      line.clear();
    } else {
      line += c;
    }
  }
  Response back;
  const std::string wire = format_response(lines);
  if (parse_response(wire, back) != wire.size() || !back.ok || back.lines != lines) __builtin_trap();
  return 0;
}
