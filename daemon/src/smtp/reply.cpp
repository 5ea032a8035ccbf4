#include "smtp/reply.hpp"

#include <cctype>
#include <stdexcept>

namespace portcullis::smtp {
namespace {
constexpr std::size_t kMaxReply = 64 * 1024;
}  // namespace

std::string Reply::line() const {
  if (code == 0) return text.empty() ? std::string("connection failed") : text;
  std::string out = text;
  for (auto& c : out)
    if (c == '\n') c = ' ';
  return out;
}

std::size_t parse_reply(std::string_view buf, Reply& out) {
  std::size_t pos = 0;
  std::string text;
  int code = -1;
  for (;;) {
    const auto eol = buf.find("\r\n", pos);
    if (eol == std::string_view::npos) {
      if (buf.size() > kMaxReply) throw std::runtime_error("reply too long");
      return 0;
    }
    std::string_view line = buf.substr(pos, eol - pos);
    if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
        !std::isdigit(static_cast<unsigned char>(line[1])) || !std::isdigit(static_cast<unsigned char>(line[2])) ||
        line[0] < '2' || line[0] > '5' || (line.size() > 3 && line[3] != ' ' && line[3] != '-'))
      throw std::runtime_error("malformed reply line");
    const int c = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (code != -1 && c != code) throw std::runtime_error("inconsistent multi-line reply codes");
    code = c;
    if (!text.empty()) text += '\n';
    text.append(line);
    pos = eol + 2;
    if (line.size() == 3 || line[3] == ' ') break;
    if (pos > kMaxReply) throw std::runtime_error("reply too long");
  }
  out.code = code;
  out.text = std::move(text);
  return pos;
}

std::string dot_stuff(std::string_view content) {
  std::string out;
  out.reserve(content.size() + content.size() / 64 + 8);
  bool line_start = true;
  for (char c : content) {
    if (line_start && c == '.') out += '.';
    out += c;
    line_start = (c == '\n');
  }
  if (!content.empty() && (content.size() < 2 || content.substr(content.size() - 2) != "\r\n")) out += "\r\n";
  out += ".\r\n";
  return out;
}

}  // namespace portcullis::smtp
