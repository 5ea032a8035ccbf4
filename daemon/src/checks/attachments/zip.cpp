// The zip central directory reader. Rules: see zip.hpp.
#include "checks/attachments/zip.hpp"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "core/utf8.hpp"

namespace portcullis::checks::attachments {
namespace {

constexpr std::size_t kEocdSize = 22;
constexpr std::size_t kMaxComment = 65535;
constexpr std::size_t kCentralSize = 46;
constexpr std::size_t kLocalSize = 30;
constexpr std::size_t kLocatorSize = 20;
constexpr std::size_t kZip64EocdSize = 56;

// Little-endian fields; the caller has checked the bounds.
std::uint16_t u16(std::string_view d, std::size_t at) {
  return static_cast<std::uint16_t>(static_cast<unsigned char>(d[at]) | (static_cast<unsigned char>(d[at + 1]) << 8));
}
std::uint32_t u32(std::string_view d, std::size_t at) {
  return static_cast<std::uint32_t>(u16(d, at)) | (static_cast<std::uint32_t>(u16(d, at + 2)) << 16);
}
std::uint64_t u64(std::string_view d, std::size_t at) {
  return static_cast<std::uint64_t>(u32(d, at)) | (static_cast<std::uint64_t>(u32(d, at + 4)) << 32);
}

bool sig_at(std::string_view d, std::size_t at, char a, char b) {
  return at <= d.size() && d.size() - at >= 4 && d[at] == 'P' && d[at + 1] == 'K' && d[at + 2] == a && d[at + 3] == b;
}

bool fits(std::string_view d, std::uint64_t at, std::uint64_t n) { return at <= d.size() && n <= d.size() - at; }

std::string utf8_name(std::string_view raw, std::size_t max) {
  std::string out;
  if (core::valid_utf8(raw)) {
    out.assign(raw);
  } else {
    for (const char c : raw) {
      if (static_cast<unsigned char>(c) < 0x80) {
        out += c;
      } else {
        out += "\xEF\xBF\xBD";
      }
    }
  }
  if (out.size() > max) {
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  return out;
}

bool ends_with_zip(std::string_view name) {
  if (name.size() < 4) return false;
  std::string ext(name.substr(name.size() - 4));
  for (char& c : ext) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return ext == ".zip";
}

struct Reader {
  std::string_view d;
  std::uint64_t window_start = 0;  // archive offset of d[0]
  const ZipLimits& limits;
  mail::ArchiveListing out;
  std::size_t name_bytes = 0;
  std::size_t entries = 0;
  std::size_t nested_reads = 0;
  std::uint64_t nested_bytes = 0;

  bool add_name(std::string name) {
    if (entries >= limits.max_entries || name_bytes + name.size() > limits.max_name_bytes) {
      out.truncated = true;
      return false;
    }
    ++entries;
    name_bytes += name.size();
    out.names.push_back(std::move(name));
    return true;
  }

  // The last end-of-central-directory signature that has room for its fixed fields.
  std::optional<std::size_t> find_eocd() const {
    if (d.size() < kEocdSize) return std::nullopt;
    const std::size_t lowest = d.size() - kEocdSize > kMaxComment ? d.size() - kEocdSize - kMaxComment : 0;
    for (std::size_t at = d.size() - kEocdSize + 1; at-- > lowest;)
      if (sig_at(d, at, 5, 6)) return at;
    return std::nullopt;
  }

  // Extra fields of a central entry: a Unicode Path name (0x7075) and ZIP64 sizes (0x0001).
  void read_extra(std::string_view extra, std::string& unicode_name, std::uint64_t& csize, std::uint64_t& usize,
                  std::uint64_t& local) const {
    std::size_t at = 0;
    while (extra.size() - at >= 4) {
      const std::uint16_t id = u16(extra, at);
      const std::uint16_t len = u16(extra, at + 2);
      at += 4;
      if (len > extra.size() - at) return;
      const std::string_view body = extra.substr(at, len);
      if (id == 0x7075 && body.size() >= 5 && body[0] == 1) {
        unicode_name = utf8_name(body.substr(5), limits.max_name);
      } else if (id == 0x0001) {  // only the fields whose 32-bit value is 0xFFFFFFFF are present
        std::size_t k = 0;
        for (std::uint64_t* field : {&usize, &csize, &local}) {
          if (*field != 0xFFFFFFFFu) continue;
          if (body.size() - k < 8) break;
          *field = u64(body, k);
          k += 8;
        }
      }
      at += len;
    }
  }

  // A stored member that is itself a zip: its names, prefixed.
  // The directory was found at d[cd_at] and says it is at archive offset cd_offset: a local
  // header at archive offset `local` is at d[local + cd_at - cd_offset].
  void read_nested(const std::string& name, std::uint64_t local, std::uint64_t csize, std::size_t cd_at,
                   std::uint64_t cd_offset) {
    if (!limits.nested || nested_reads >= kMaxNested) return;
    if (local > UINT64_MAX - cd_at || local + cd_at < cd_offset) return;
    const std::uint64_t lh = local + cd_at - cd_offset;
    if (!fits(d, lh, kLocalSize) || !sig_at(d, lh, 3, 4)) return;
    const std::uint64_t data = lh + kLocalSize + u16(d, lh + 26) + u16(d, lh + 28);
    if (!fits(d, data, csize)) return;
    if (nested_bytes + csize > d.size()) return;  // overlapping members cannot make this quadratic
    const std::string_view inner = d.substr(data, csize);
    if (!sig_at(inner, 0, 3, 4) && !ends_with_zip(name)) return;
    ++nested_reads;
    nested_bytes += csize;
    ZipLimits sub = limits;
    sub.nested = false;
    sub.max_entries = limits.max_entries > entries ? limits.max_entries - entries : 0;
    sub.max_name_bytes = limits.max_name_bytes > name_bytes ? limits.max_name_bytes - name_bytes : 0;
    mail::ArchiveListing listing = read_zip(inner, inner.size(), sub);
    out.encrypted = out.encrypted || listing.encrypted;
    out.truncated = out.truncated || listing.truncated;
    for (const std::string& n : listing.names)
      if (!add_name(name + "/" + n)) break;
  }

  // Central directory entries from d[at] on; false when none could be read there.
  bool read_central(std::size_t at, std::uint64_t expected, std::uint64_t cd_offset) {
    if (!sig_at(d, at, 1, 2)) return false;
    const std::size_t cd_at = at;
    std::uint64_t seen = 0;
    while (sig_at(d, at, 1, 2)) {
      if (!fits(d, at, kCentralSize)) {
        out.truncated = true;
        break;
      }
      const std::uint16_t flags = u16(d, at + 8);
      const std::uint16_t method = u16(d, at + 10);
      std::uint64_t csize = u32(d, at + 20);
      std::uint64_t usize = u32(d, at + 24);
      const std::size_t nlen = u16(d, at + 28), xlen = u16(d, at + 30), clen = u16(d, at + 32);
      std::uint64_t local = u32(d, at + 42);
      if (!fits(d, at + kCentralSize, static_cast<std::uint64_t>(nlen) + xlen + clen)) {
        out.truncated = true;
        break;
      }
      const std::string_view raw = d.substr(at + kCentralSize, nlen);
      std::string unicode;
      read_extra(d.substr(at + kCentralSize + nlen, xlen), unicode, csize, usize, local);
      if (flags & 1) out.encrypted = true;
      std::string name = utf8_name(raw, limits.max_name);
      ++seen;
      if (!add_name(name)) return true;
      if (!unicode.empty() && unicode != name && !add_name(unicode)) return true;
      if (method == 0 && !(flags & 1)) read_nested(name, local, csize, cd_at, cd_offset);
      at += kCentralSize + nlen + xlen + clen;
    }
    if (seen < expected && d.size() - std::min(at, d.size()) < kCentralSize) out.truncated = true;  // cut off
    return true;
  }

  // Local file headers from the start of the archive.
  void read_local() {
    std::size_t at = 0;
    while (true) {
      const std::size_t found = d.find("PK\x03\x04", at);
      if (found == std::string_view::npos || !fits(d, found, kLocalSize)) return;
      const std::uint16_t flags = u16(d, found + 6);
      const std::uint64_t csize = u32(d, found + 18);
      const std::size_t nlen = u16(d, found + 26), xlen = u16(d, found + 28);
      if (!fits(d, found + kLocalSize, static_cast<std::uint64_t>(nlen) + xlen)) return;
      if (flags & 1) out.encrypted = true;
      if (!add_name(utf8_name(d.substr(found + kLocalSize, nlen), limits.max_name))) return;
      std::uint64_t next = found + kLocalSize + nlen + xlen;
      if (!(flags & 8)) next += csize;  // else: sizes in a data descriptor after the data
      if (next <= found) next = found + 4;
      if (next >= d.size()) return;
      at = static_cast<std::size_t>(next);
    }
  }

  void run() {
    const auto eocd = find_eocd();
    if (!eocd) {
      if (window_start == 0) {
        read_local();
      } else {
        out.truncated = true;
      }
      return;
    }
    std::uint64_t count = u16(d, *eocd + 10);
    std::uint64_t cd_size = u32(d, *eocd + 12);
    std::uint64_t cd_offset = u32(d, *eocd + 16);
    std::size_t record = *eocd;  // where the directory ends
    if ((count == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_offset == 0xFFFFFFFFu) && *eocd >= kLocatorSize &&
        sig_at(d, *eocd - kLocatorSize, 6, 7)) {
      const std::size_t locator = *eocd - kLocatorSize;
      std::optional<std::size_t> z64;
      const std::uint64_t abs = u64(d, locator + 8);
      if (abs >= window_start && fits(d, abs - window_start, kZip64EocdSize) && sig_at(d, abs - window_start, 6, 6))
        z64 = static_cast<std::size_t>(abs - window_start);
      else if (locator >= kZip64EocdSize && sig_at(d, locator - kZip64EocdSize, 6, 6))
        z64 = locator - kZip64EocdSize;
      if (z64) {
        count = u64(d, *z64 + 32);
        cd_size = u64(d, *z64 + 40);
        cd_offset = u64(d, *z64 + 48);
        record = *z64;
      }
    }
    if (count == 0 && cd_size == 0) return;  // an empty archive
    // Where the record says (relative to the window), or right before the record.
    if (cd_offset >= window_start && cd_offset - window_start < d.size()) {
      const auto at = static_cast<std::size_t>(cd_offset - window_start);
      if (read_central(at, count, cd_offset)) return;
    }
    if (cd_size <= record) {
      const std::size_t at = record - static_cast<std::size_t>(cd_size);
      if (read_central(at, count, cd_offset)) return;
    }
    if (window_start == 0) {
      read_local();
    } else {
      out.truncated = true;
    }
  }
};

}  // namespace

mail::ArchiveListing read_zip(std::string_view data, std::uint64_t total, const ZipLimits& limits) {
  Reader r{data, total > data.size() ? total - data.size() : 0, limits, {}, 0, 0, 0, 0};
  r.run();
  return std::move(r.out);
}

}  // namespace portcullis::checks::attachments
