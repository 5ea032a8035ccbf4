// A small zip writer for the tests: stored (uncompressed) entries, with the knobs the reader
// cares about (encrypted flag, data descriptor, UTF-8 flag, Unicode Path extra field, prepended
// data, archive comment, ZIP64 end records). Also base64 for putting archives into messages.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace portcullis::checks::attachments::test {

struct ZipEntry {
  ZipEntry(std::string n, std::string d) : name(std::move(n)), data(std::move(d)) {}

  std::string name;
  std::string data;
  bool encrypted = false;
  bool descriptor = false;      // sizes in a data descriptor (bit 3), zero in the local header
  bool utf8 = false;            // bit 11
  std::string unicode_path;     // Info-ZIP 0x7075 extra field, "" = none
};

struct ZipOptions {
  std::string prefix;           // data before the archive (self-extracting stub)
  std::string comment;
  bool zip64 = false;           // 0xFFFFFFFF in the end record, real values in ZIP64 records
  bool offsets_from_prefix = false;  // offsets counted from the file's start (as SFX tools do)
};

inline std::uint32_t crc32(std::string_view data) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const char c : data) {
    crc ^= static_cast<unsigned char>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

inline void put16(std::string& out, std::uint32_t v) {
  out += static_cast<char>(v & 0xFF);
  out += static_cast<char>((v >> 8) & 0xFF);
}
inline void put32(std::string& out, std::uint32_t v) {
  put16(out, v & 0xFFFF);
  put16(out, v >> 16);
}
inline void put64(std::string& out, std::uint64_t v) {
  put32(out, static_cast<std::uint32_t>(v & 0xFFFFFFFFu));
  put32(out, static_cast<std::uint32_t>(v >> 32));
}

inline std::string make_zip(const std::vector<ZipEntry>& entries, const ZipOptions& opt = {}) {
  std::string out = opt.prefix;
  const std::size_t base = opt.offsets_from_prefix ? 0 : opt.prefix.size();
  std::string central;
  for (const ZipEntry& e : entries) {
    const std::uint32_t offset = static_cast<std::uint32_t>(out.size() - base);
    const std::uint32_t flags = (e.encrypted ? 1u : 0u) | (e.descriptor ? 8u : 0u) | (e.utf8 ? 0x800u : 0u);
    const std::uint32_t crc = crc32(e.data);
    const auto size = static_cast<std::uint32_t>(e.data.size());
    std::string extra;
    if (!e.unicode_path.empty()) {
      put16(extra, 0x7075);
      put16(extra, static_cast<std::uint32_t>(5 + e.unicode_path.size()));
      extra += '\x01';
      put32(extra, crc32(e.name));
      extra += e.unicode_path;
    }
    out += "PK\x03\x04";
    put16(out, 10);  // version needed
    put16(out, flags);
    put16(out, 0);   // stored
    put32(out, 0);   // time, date
    put32(out, e.descriptor ? 0 : crc);
    put32(out, e.descriptor ? 0 : size);
    put32(out, e.descriptor ? 0 : size);
    put16(out, static_cast<std::uint32_t>(e.name.size()));
    put16(out, static_cast<std::uint32_t>(extra.size()));
    out += e.name;
    out += extra;
    out += e.data;
    if (e.descriptor) {
      out += "PK\x07\x08";
      put32(out, crc);
      put32(out, size);
      put32(out, size);
    }
    central += "PK\x01\x02";
    put16(central, 20);  // version made by
    put16(central, 10);
    put16(central, flags);
    put16(central, 0);
    put32(central, 0);
    put32(central, crc);
    put32(central, size);
    put32(central, size);
    put16(central, static_cast<std::uint32_t>(e.name.size()));
    put16(central, static_cast<std::uint32_t>(extra.size()));
    put16(central, 0);  // comment
    put16(central, 0);  // disk
    put16(central, 0);  // internal attributes
    put32(central, 0);  // external attributes
    put32(central, offset);
    central += e.name;
    central += extra;
  }
  const std::uint64_t cd_offset = out.size() - base;
  out += central;
  if (opt.zip64) {
    const std::uint64_t record = out.size() - base;
    out += "PK\x06\x06";
    put64(out, 44);
    put16(out, 45);
    put16(out, 45);
    put32(out, 0);
    put32(out, 0);
    put64(out, entries.size());
    put64(out, entries.size());
    put64(out, central.size());
    put64(out, cd_offset);
    out += "PK\x06\x07";
    put32(out, 0);
    put64(out, record);
    put32(out, 1);
  }
  out += "PK\x05\x06";
  put16(out, 0);
  put16(out, 0);
  put16(out, opt.zip64 ? 0xFFFF : static_cast<std::uint32_t>(entries.size()));
  put16(out, opt.zip64 ? 0xFFFF : static_cast<std::uint32_t>(entries.size()));
  put32(out, opt.zip64 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(central.size()));
  put32(out, opt.zip64 ? 0xFFFFFFFFu : static_cast<std::uint32_t>(cd_offset));
  put16(out, static_cast<std::uint32_t>(opt.comment.size()));
  out += opt.comment;
  return out;
}

inline std::string base64(std::string_view in, std::size_t line = 76) {
  static constexpr char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t col = 0;
  for (std::size_t i = 0; i < in.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(in[i])) << 16;
    if (i + 1 < in.size()) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(in[i + 1])) << 8;
    if (i + 2 < in.size()) v |= static_cast<unsigned char>(in[i + 2]);
    out += t[v >> 18];
    out += t[(v >> 12) & 63];
    out += i + 1 < in.size() ? t[(v >> 6) & 63] : '=';
    out += i + 2 < in.size() ? t[v & 63] : '=';
    col += 4;
    if (col >= line && i + 3 < in.size()) {
      out += "\r\n";
      col = 0;
    }
  }
  return out;
}

}  // namespace portcullis::checks::attachments::test
