// Magic numbers of the file types that matter to the attachment rules. See real_type.hpp.
#include "checks/attachments/real_type.hpp"

#include <array>
#include <cstddef>
#include <cstdint>

namespace portcullis::checks::attachments {
namespace {

bool starts(std::string_view head, std::string_view magic) { return head.substr(0, magic.size()) == magic; }

bool at(std::string_view head, std::size_t offset, std::string_view magic) {
  return head.size() >= offset + magic.size() && head.substr(offset, magic.size()) == magic;
}

// "MZ" also starts some text: an executable's header has a small offset of the PE header
// (e_lfanew, at 0x3C) where text has four printable octets (>= 0x20202020).
bool mz_executable(std::string_view h) {
  if (h.size() < 0x40) return true;
  const auto b = [&](std::size_t k) { return static_cast<std::uint32_t>(static_cast<unsigned char>(h[k])); };
  const std::uint32_t lfanew = b(0x3C) | (b(0x3D) << 8) | (b(0x3E) << 16) | (b(0x3F) << 24);
  return lfanew < 0x10000;
}

}  // namespace

std::string_view real_type(std::string_view h) {
  using namespace std::string_view_literals;
  if (starts(h, "MZ") && mz_executable(h)) return "exe";
  if (starts(h, "\x7f" "ELF")) return "elf";
  // Mach-O 32/64 bits in both byte orders, and universal ("fat") binaries. 0xCAFEBABE is also
  // a Java class file: a universal binary holds few architectures, a class file's version is >= 45.
  for (const std::string_view m :
       {"\xFE\xED\xFA\xCE"sv, "\xFE\xED\xFA\xCF"sv, "\xCE\xFA\xED\xFE"sv, "\xCF\xFA\xED\xFE"sv})
    if (starts(h, m)) return "macho";
  if (starts(h, "\xCA\xFE\xBA\xBE"sv) && h.size() >= 8 && h[4] == 0 && h[5] == 0 && h[6] == 0 &&
      static_cast<unsigned char>(h[7]) < 0x20)
    return "macho";
  if (starts(h, "\x4C\x00\x00\x00\x01\x14\x02\x00"sv)) return "lnk";
  if (starts(h, "#!")) return "script";
  if (starts(h, "PK\x03\x04"sv) || starts(h, "PK\x05\x06"sv) || starts(h, "PK\x07\x08"sv)) return "zip";
  if (starts(h, "Rar!\x1A\x07"sv)) return "rar";
  if (starts(h, "7z\xBC\xAF\x27\x1C"sv)) return "7z";
  if (starts(h, "\x1F\x8B"sv)) return "gzip";
  if (starts(h, "BZh")) return "bzip2";
  if (starts(h, "\xFD" "7zXZ\x00"sv)) return "xz";
  if (starts(h, "MSCF\x00\x00\x00\x00"sv)) return "cab";
  if (starts(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"sv)) return "ole";
  if (starts(h, "\x78\x9F\x3E\x22"sv)) return "tnef";
  if (starts(h, "%PDF-")) return "pdf";
  if (starts(h, "{\\rtf")) return "rtf";
  if (starts(h, "\x89PNG\r\n\x1A\n"sv)) return "png";
  if (starts(h, "\xFF\xD8\xFF"sv)) return "jpeg";
  if (starts(h, "GIF87a") || starts(h, "GIF89a")) return "gif";
  if (at(h, 257, "ustar")) return "tar";
  return "";
}

bool executable_type(std::string_view type) {
  static constexpr std::array<std::string_view, 4> executables = {"exe", "elf", "macho", "lnk"};
  for (const std::string_view t : executables)
    if (t == type) return true;
  return false;
}

}  // namespace portcullis::checks::attachments
