// A strict POSIX ustar reader and a deterministic ustar writer, for release bundles only: plain
// regular files, no links, directories, devices or pax/GNU extension headers.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::upgrade {

inline constexpr std::size_t tar_block = 512;

struct TarMember {
  std::string name;  // prefix + "/" + name when the prefix field is used
  std::uint64_t size = 0;
  char typeflag = '0';
};

// Reads members in order from a stream (a file or, for the fuzzer, memory). Every problem is a
// BundleError naming the member or the offset. Mode, owner and mtime are ignored: whoever extracts
// decides those. The data of a member is read in chunks, never whole.
class TarReader {
 public:
  // max_size bounds every byte read, headers and padding included.
  explicit TarReader(std::istream& in, std::uint64_t max_size);

  // The next member's header (the unread data of the previous one is skipped), or nullopt at the
  // end of the archive: two zero blocks, then nothing but zero blocks up to the end of the stream.
  std::optional<TarMember> next();
  // Hands the current member's data to sink in chunks of at most 64 KiB (once per member).
  void read_data(const std::function<void(std::string_view)>& sink);
  void skip();

 private:
  bool read_block(char* block, bool eof_ok);
  void read_exact(char* out, std::size_t n);
  void finish_end();

  std::istream& in_;
  std::uint64_t max_size_;
  std::uint64_t offset_ = 0;
  std::uint64_t remaining_ = 0;  // unread data octets of the current member
  std::uint64_t padding_ = 0;    // then this many padding octets
  std::string current_;          // for messages
  bool ended_ = false;
};

// Writes a deterministic archive (uid/gid 0, uname/gname root, one mtime for all) under a temporary
// name next to out, renamed to out by finish(); destroyed unfinished, it removes the temporary file.
class TarWriter {
 public:
  TarWriter(const std::filesystem::path& out, std::int64_t mtime);
  ~TarWriter();
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  void add_string(std::string_view name, std::string_view data, unsigned mode);
  // Streams a regular file in; returns the SHA-256 (hex) of what was written, so a caller that
  // hashed it earlier can tell if it changed meanwhile.
  std::string add_file(std::string_view name, const std::filesystem::path& source, unsigned mode);
  void finish();

 private:
  void header(std::string_view name, std::uint64_t size, unsigned mode);
  void write(std::string_view data);
  void pad(std::uint64_t size);

  std::filesystem::path out_;
  std::string tmp_;
  int fd_ = -1;
  std::int64_t mtime_;
};

// A member name made safe for messages and logs: control and non-ASCII octets become \xNN.
std::string printable(std::string_view name);

}  // namespace portcullis::upgrade
