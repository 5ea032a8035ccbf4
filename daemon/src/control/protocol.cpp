#include "control/protocol.hpp"

namespace portcullis::control {

std::optional<Command> parse_command(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty() || line.size() > max_command_line) return std::nullopt;
  for (char c : line)
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return std::nullopt;
  Command cmd;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    std::size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) {
      std::string word(line.substr(i, j - i));
      if (cmd.verb.empty()) {
        for (char& c : word)
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        cmd.verb = std::move(word);
      } else {
        cmd.args.push_back(std::move(word));
      }
    }
    i = j;
  }
  if (cmd.verb.empty()) return std::nullopt;
  return cmd;
}

std::string stuff_line(std::string_view line) {
  std::string out;
  out.reserve(line.size() + 2);
  if (!line.empty() && line.front() == '.') out += '.';
  for (char c : line) out += (c == '\n' || c == '\r') ? ' ' : c;
  out += '\n';
  return out;
}

std::string format_response(const std::vector<std::string>& lines) {
  std::string out = "ok\n";
  for (const auto& l : lines) out += stuff_line(l);
  out += ".\n";
  return out;
}

std::string format_error(std::string_view message) {
  std::string out = "error: ";
  for (char c : message) out += (c == '\n' || c == '\r') ? ' ' : c;
  out += "\n.\n";
  return out;
}

std::size_t parse_response(std::string_view in, Response& out) {
  Response r;
  std::size_t pos = 0;
  bool first = true;
  while (true) {
    const std::size_t nl = in.find('\n', pos);
    if (nl == std::string_view::npos) return 0;
    std::string_view line = in.substr(pos, nl - pos);
    pos = nl + 1;
    if (first) {
      first = false;
      if (line == "ok") {
        r.ok = true;
      } else if (line.starts_with("error: ")) {
        r.error = line.substr(7);
      } else {
        r.error = "malformed response from the daemon";
      }
      continue;
    }
    if (line == ".") break;
    if (line.starts_with('.')) line.remove_prefix(1);
    r.lines.emplace_back(line);
  }
  out = std::move(r);
  return pos;
}

}  // namespace portcullis::control
