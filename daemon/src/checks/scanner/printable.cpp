// checks/scanner/printable.hpp: text made safe for details and logs.
#include "checks/scanner/printable.hpp"

namespace portcullis::checks::scanner {

std::string printable(std::string_view text, std::size_t max) {
  std::string out;
  const bool cut = text.size() > max;
  if (cut) text = text.substr(0, max);
  out.reserve(text.size() + 3);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (u >= 0x20 && u <= 0x7e) ? c : '?';
  }
  if (cut) out += "...";
  return out;
}

}  // namespace portcullis::checks::scanner
