// Helpers shared by the bundle-format tests: temporary directories, files, and raw tar members
// (to build the malformed and malicious archives the writer would never produce).
#pragma once

#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace portcullis::upgrade::bundletest {

namespace fs = std::filesystem;

struct TempDir {
  fs::path path;
  TempDir() {
    char tmpl[] = "/tmp/portcullis-bundle-test-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  fs::path operator/(const std::string& name) const { return path / name; }
};

inline void write_file(const fs::path& p, std::string_view data) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A ustar header with a correct checksum; the fields a test wants wrong it edits afterwards
// (then calls fix_checksum).
inline void fix_checksum(std::string& header) {
  std::memset(header.data() + 148, ' ', 8);
  unsigned sum = 0;
  for (unsigned char c : header) sum += c;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06o", sum);
  std::memcpy(header.data() + 148, buf, 7);  // six digits and a NUL, then the space
}

inline std::string raw_header(const std::string& name, std::size_t size, char typeflag = '0') {
  std::string h(512, '\0');
  std::memcpy(h.data(), name.data(), std::min<std::size_t>(name.size(), 100));
  std::memcpy(h.data() + 100, "0000644", 7);
  std::memcpy(h.data() + 108, "0000000", 7);
  std::memcpy(h.data() + 116, "0000000", 7);
  char buf[13];
  std::snprintf(buf, sizeof buf, "%011zo", size);
  std::memcpy(h.data() + 124, buf, 11);
  std::memcpy(h.data() + 136, "00000000000", 11);
  h[156] = typeflag;
  std::memcpy(h.data() + 257, "ustar\0" "00", 8);
  fix_checksum(h);
  return h;
}

inline std::string padded(std::string_view data) {
  std::string out(data);
  out.resize((data.size() + 511) / 512 * 512, '\0');
  return out;
}

inline std::string raw_member(const std::string& name, std::string_view data, char typeflag = '0') {
  return raw_header(name, data.size(), typeflag) + padded(data);
}

inline std::string end_blocks() { return std::string(1024, '\0'); }

}  // namespace portcullis::upgrade::bundletest
