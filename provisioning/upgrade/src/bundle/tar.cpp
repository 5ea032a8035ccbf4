#include "bundle/tar.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "bundle/digest.hpp"
#include "bundle/error.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t chunk_size = 64 * 1024;

// Header field offsets and lengths (POSIX.1-1988 ustar).
struct Field {
  std::size_t offset, length;
};
constexpr Field f_name{0, 100}, f_mode{100, 8}, f_uid{108, 8}, f_gid{116, 8}, f_size{124, 12}, f_mtime{136, 12},
    f_chksum{148, 8}, f_magic{257, 6}, f_version{263, 2}, f_uname{265, 32}, f_gname{297, 32}, f_devmajor{329, 8},
    f_devminor{337, 8}, f_prefix{345, 155};
constexpr std::size_t f_typeflag = 156;

std::string_view field(const char* block, Field f) { return {block + f.offset, f.length}; }

std::string c_string(std::string_view f) { return std::string(f.substr(0, f.find('\0'))); }

// Octal digits, optionally led by spaces and ended by NUL/space padding. Base-256 (high bit set,
// GNU's encoding for sizes >= 8 GiB) is refused: a bundle never needs it.
std::optional<std::uint64_t> parse_octal(std::string_view f) {
  std::size_t i = 0;
  while (i < f.size() && f[i] == ' ') ++i;
  std::uint64_t n = 0;
  std::size_t digits = 0;
  for (; i < f.size() && f[i] >= '0' && f[i] <= '7'; ++i, ++digits) n = n * 8 + static_cast<std::uint64_t>(f[i] - '0');
  if (digits == 0 || digits > 12) return std::nullopt;
  for (; i < f.size(); ++i)
    if (f[i] != '\0' && f[i] != ' ') return std::nullopt;
  return n;
}

std::uint64_t checksum(const char* block) {
  std::uint64_t sum = 0;
  for (std::size_t i = 0; i < tar_block; ++i)
    sum += (i >= f_chksum.offset && i < f_chksum.offset + f_chksum.length) ? ' ' : static_cast<unsigned char>(block[i]);
  return sum;
}

bool all_zero(const char* p, std::size_t n) {
  return std::all_of(p, p + n, [](char c) { return c == '\0'; });
}

const char* type_name(char t) {
  switch (t) {
    case '1': return "a hard link";
    case '2': return "a symbolic link";
    case '3': return "a character device";
    case '4': return "a block device";
    case '5': return "a directory";
    case '6': return "a FIFO";
    case '7': return "a contiguous file";
    case 'x': return "a pax extended header";
    case 'g': return "a pax global header";
    case 'L': return "a GNU long name";
    case 'K': return "a GNU long link name";
    default: return "an unknown member type";
  }
}

std::string member(const std::string& name) { return "tar: member '" + printable(name) + "'"; }

}  // namespace

std::string printable(std::string_view name) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : name) {
    if (c < 0x20 || c >= 0x7f || c == '\\' || c == '\'') {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// --- reader ---

TarReader::TarReader(std::istream& in, std::uint64_t max_size) : in_(in), max_size_(max_size) {}

void TarReader::read_exact(char* out, std::size_t n) {
  if (n == 0) return;
  in_.read(out, static_cast<std::streamsize>(n));
  if (static_cast<std::size_t>(in_.gcount()) != n) {
    if (in_.bad()) throw BundleError("tar: read error at offset " + std::to_string(offset_));
    throw BundleError(member(current_) + ": truncated");
  }
  offset_ += n;
}

// False only at a clean end of stream (no octet at all) when eof_ok.
bool TarReader::read_block(char* block, bool eof_ok) {
  in_.read(block, tar_block);
  const auto got = static_cast<std::size_t>(in_.gcount());
  if (got == 0 && eof_ok && !in_.bad()) return false;
  if (offset_ + tar_block > max_size_) throw BundleError("tar: archive larger than the size bound");
  if (in_.bad()) throw BundleError("tar: read error at offset " + std::to_string(offset_));
  if (got == 0) throw BundleError("tar: truncated: no end-of-archive blocks at offset " + std::to_string(offset_));
  if (got != tar_block) throw BundleError("tar: truncated at offset " + std::to_string(offset_ + got));
  offset_ += tar_block;
  return true;
}

// After the first zero block: a second one is required, then only zero blocks (what tar's
// record padding adds) until the end. Anything else is trailing garbage.
void TarReader::finish_end() {
  std::array<char, tar_block> block;
  read_block(block.data(), false);
  if (!all_zero(block.data(), block.size())) throw BundleError("tar: a single zero block inside the archive");
  while (read_block(block.data(), true))
    if (!all_zero(block.data(), block.size())) throw BundleError("tar: trailing data after the end of the archive");
  ended_ = true;
}

std::optional<TarMember> TarReader::next() {
  if (ended_) return std::nullopt;
  skip();
  std::array<char, tar_block> b;
  const std::uint64_t at = offset_;
  read_block(b.data(), false);
  if (all_zero(b.data(), b.size())) {
    finish_end();
    return std::nullopt;
  }
  const auto sum = parse_octal(field(b.data(), f_chksum));
  if (!sum || *sum != checksum(b.data()))
    throw BundleError("tar: bad header checksum at offset " + std::to_string(at));
  if (field(b.data(), f_magic) != std::string_view("ustar\0", 6) || field(b.data(), f_version) != "00")
    throw BundleError("tar: not a POSIX ustar header at offset " + std::to_string(at));

  TarMember m;
  const std::string prefix = c_string(field(b.data(), f_prefix));
  m.name = c_string(field(b.data(), f_name));
  if (!prefix.empty()) m.name = prefix + "/" + m.name;
  current_ = m.name;
  m.typeflag = b[f_typeflag];
  if (m.name.empty()) throw BundleError("tar: member with an empty name at offset " + std::to_string(at));
  if (m.typeflag != '0' && m.typeflag != '\0')
    throw BundleError(member(m.name) + ": " + type_name(m.typeflag) + ", not a regular file");
  if (static_cast<unsigned char>(b[f_size.offset]) & 0x80)
    throw BundleError(member(m.name) + ": base-256 size field not supported");
  const auto size = parse_octal(field(b.data(), f_size));
  if (!size) throw BundleError(member(m.name) + ": bad size field");
  m.size = *size;
  const std::uint64_t padded = (m.size + tar_block - 1) / tar_block * tar_block;
  if (m.size > max_size_ || padded > max_size_ - offset_)
    throw BundleError(member(m.name) + ": larger than the archive's size bound");
  remaining_ = m.size;
  padding_ = padded - m.size;
  return m;
}

void TarReader::read_data(const std::function<void(std::string_view)>& sink) {
  std::string buf(static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, chunk_size)), '\0');
  while (remaining_ > 0) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, chunk_size));
    read_exact(buf.data(), n);
    remaining_ -= n;
    sink(std::string_view(buf.data(), n));
  }
  std::array<char, tar_block> pad;
  read_exact(pad.data(), static_cast<std::size_t>(padding_));
  padding_ = 0;
}

void TarReader::skip() {
  read_data([](std::string_view) {});
}

// --- writer ---

namespace {

void put(char* block, Field f, std::string_view value) {
  std::memcpy(block + f.offset, value.data(), std::min(value.size(), f.length));
}

// Zero-padded octal filling the field but its final NUL.
void put_octal(char* block, Field f, std::uint64_t n) {
  std::string digits(f.length - 1, '0');
  for (std::size_t i = digits.size(); i-- > 0 && n; n /= 8) digits[i] = static_cast<char>('0' + n % 8);
  if (n) throw BundleError("tar: value too large for its header field");
  put(block, f, digits);
}

}  // namespace

TarWriter::TarWriter(const fs::path& out, std::int64_t mtime) : out_(out), tmp_(out.string() + ".tmp-XXXXXX"), mtime_(mtime) {
  if (mtime < 0) throw BundleError("tar: negative mtime");
  fd_ = ::mkstemp(tmp_.data());
  if (fd_ < 0) throw BundleError("cannot create " + tmp_ + ": " + std::strerror(errno));
  if (::fchmod(fd_, 0644) != 0) {
    const int err = errno;
    ::close(fd_);
    ::unlink(tmp_.c_str());
    fd_ = -1;
    throw BundleError("cannot chmod " + tmp_ + ": " + std::strerror(err));
  }
}

TarWriter::~TarWriter() {
  if (fd_ >= 0) {
    ::close(fd_);
    ::unlink(tmp_.c_str());
  }
}

void TarWriter::write(std::string_view data) {
  if (fd_ < 0) throw BundleError("tar: write after finish");
  while (!data.empty()) {
    const ssize_t n = ::write(fd_, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw BundleError("cannot write " + tmp_ + ": " + std::strerror(errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

void TarWriter::pad(std::uint64_t size) {
  static constexpr char zeros[tar_block] = {};
  write(std::string_view(zeros, (tar_block - size % tar_block) % tar_block));
}

void TarWriter::header(std::string_view name, std::uint64_t size, unsigned mode) {
  // Names go in the 100-octet name field only (bundle names have no '/', so no prefix split).
  if (name.empty() || name.size() > f_name.length || name.find('\0') != name.npos)
    throw BundleError("tar: cannot store the name '" + printable(name) + "'");
  if (mode > 07777) throw BundleError("tar: bad mode for '" + printable(name) + "'");
  std::array<char, tar_block> b{};
  put(b.data(), f_name, name);
  put_octal(b.data(), f_mode, mode);
  put_octal(b.data(), f_uid, 0);
  put_octal(b.data(), f_gid, 0);
  put_octal(b.data(), f_size, size);
  put_octal(b.data(), f_mtime, static_cast<std::uint64_t>(mtime_));
  b[f_typeflag] = '0';
  put(b.data(), f_magic, std::string_view("ustar\0", 6));
  put(b.data(), f_version, "00");
  put(b.data(), f_uname, "root");
  put(b.data(), f_gname, "root");
  put_octal(b.data(), f_devmajor, 0);
  put_octal(b.data(), f_devminor, 0);
  // Checksum: six octal digits, NUL, space (computed with the field as spaces).
  std::string sum(7, '0');
  std::uint64_t n = checksum(b.data());
  for (std::size_t i = 6; i-- > 0; n /= 8) sum[i] = static_cast<char>('0' + n % 8);
  sum[6] = '\0';
  put(b.data(), f_chksum, sum + " ");
  write(std::string_view(b.data(), b.size()));
}

void TarWriter::add_string(std::string_view name, std::string_view data, unsigned mode) {
  header(name, data.size(), mode);
  write(data);
  pad(data.size());
}

std::string TarWriter::add_file(std::string_view name, const fs::path& source, unsigned mode) {
  const int in = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) throw BundleError("cannot read " + source.string() + ": " + std::strerror(errno));
  struct Close {
    int fd;
    ~Close() { ::close(fd); }
  } closer{in};
  struct stat st {};
  if (::fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) throw BundleError(source.string() + ": not a regular file");
  const auto size = static_cast<std::uint64_t>(st.st_size);
  header(name, size, mode);
  Sha256 hash;
  std::string buf(chunk_size, '\0');
  std::uint64_t done = 0;
  while (true) {
    const ssize_t n = ::read(in, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw BundleError("cannot read " + source.string() + ": " + std::strerror(errno));
    if (n == 0) break;
    if (static_cast<std::uint64_t>(n) > size - done) throw BundleError(source.string() + ": grew while being read");
    const std::string_view chunk(buf.data(), static_cast<std::size_t>(n));
    write(chunk);
    hash.update(chunk);
    done += static_cast<std::uint64_t>(n);
  }
  if (done != size) throw BundleError(source.string() + ": shrank while being read");
  pad(size);
  return hash.finish();
}

void TarWriter::finish() {
  static constexpr char zeros[2 * tar_block] = {};
  write(std::string_view(zeros, sizeof zeros));
  if (::fsync(fd_) != 0) throw BundleError("cannot sync " + tmp_ + ": " + std::strerror(errno));
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0 || ::rename(tmp_.c_str(), out_.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp_.c_str());
    throw BundleError("cannot write " + out_.string() + ": " + std::strerror(err));
  }
  const fs::path dir = out_.has_parent_path() ? out_.parent_path() : fs::path(".");
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace portcullis::upgrade
