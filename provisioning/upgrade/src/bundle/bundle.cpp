#include "bundle/bundle.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "bundle/digest.hpp"
#include "bundle/signature.hpp"
#include "bundle/tar.hpp"

namespace portcullis::upgrade {
namespace {

namespace fs = std::filesystem;

constexpr const char* manifest_name = "manifest.toml";
constexpr const char* signature_name = "manifest.sig";

std::string quoted(const std::string& name) { return "'" + printable(name) + "'"; }

[[noreturn]] void fail_member(const std::string& name, const std::string& what) {
  throw BundleError("bundle: member " + quoted(name) + ": " + what);
}

// The destination of an extraction. Files are created relative to a directory descriptor with
// O_EXCL|O_NOFOLLOW, so nothing (a planted symlink, a renamed path) can redirect a write outside
// it; the directory must be ours and not writable by others, who could otherwise swap a script
// after its hash was checked. Until commit(), the destructor removes every file created.
class Extraction {
 public:
  explicit Extraction(const fs::path& dir) : dir_(dir) {
    const auto open_dir = [&] { return ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC); };
    fd_ = open_dir();
    if (fd_ < 0 && errno == ENOENT) {
      if (::mkdir(dir.c_str(), 0700) != 0) throw BundleError("cannot create " + dir.string() + ": " + std::strerror(errno));
      fd_ = open_dir();
    }
    if (fd_ < 0) {
      if (errno == ENOTDIR || errno == ELOOP) throw BundleError(dir.string() + ": exists and is not a directory");
      throw BundleError("cannot open " + dir.string() + ": " + std::strerror(errno));
    }
    struct stat st {};
    std::error_code ec;
    std::string problem;
    if (::fstat(fd_, &st) != 0 || st.st_uid != ::geteuid() || (st.st_mode & 022) != 0)
      problem = ": must be owned by this user and writable by no one else";
    else if (!fs::is_empty(dir, ec) || ec)
      problem = ": exists and is not empty";
    if (!problem.empty()) {
      ::close(fd_);
      throw BundleError(dir.string() + problem);
    }
  }
  ~Extraction() {
    if (!committed_)
      for (const auto& name : created_) ::unlinkat(fd_, name.c_str(), 0);
    ::close(fd_);
  }
  Extraction(const Extraction&) = delete;
  Extraction& operator=(const Extraction&) = delete;

  int create(const std::string& name, mode_t mode) {
    const int fd = ::openat(fd_, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) throw BundleError("cannot create " + (dir_ / name).string() + ": " + std::strerror(errno));
    created_.push_back(name);
    if (::fchmod(fd, mode) != 0) {  // exactly mode, whatever the umask
      const int err = errno;
      ::close(fd);
      throw BundleError("cannot chmod " + (dir_ / name).string() + ": " + std::strerror(err));
    }
    return fd;
  }
  void commit() {
    ::fsync(fd_);
    committed_ = true;
  }

 private:
  fs::path dir_;
  int fd_ = -1;
  std::vector<std::string> created_;
  bool committed_ = false;
};

class OutFile {
 public:
  OutFile(Extraction& x, const std::string& name, mode_t mode) : name_(name), fd_(x.create(name, mode)) {}
  ~OutFile() { ::close(fd_); }
  OutFile(const OutFile&) = delete;
  OutFile& operator=(const OutFile&) = delete;
  void write(std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::write(fd_, data.data(), data.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) fail_member(name_, std::string("cannot write: ") + std::strerror(errno));
      data.remove_prefix(static_cast<std::size_t>(n));
    }
  }
  void sync() {
    if (::fsync(fd_) != 0) fail_member(name_, std::string("cannot sync: ") + std::strerror(errno));
  }

 private:
  std::string name_;
  int fd_;
};

std::string read_small_member(TarReader& tar, const TarMember& m) {
  std::string out;
  out.reserve(static_cast<std::size_t>(m.size));
  tar.read_data([&](std::string_view chunk) { out.append(chunk); });
  return out;
}

void check_signature(const std::string& manifest, const std::string& sig, const std::vector<std::string>& trusted) {
  if (trusted.empty()) throw BundleError("bundle: no trusted release keys to check the signature with");
  std::string tried;
  for (const auto& pem : trusted) {
    if (verify(pem, manifest, sig)) return;
    std::string id;
    try {
      id = key_id(pem);
    } catch (const BundleError&) {
      id = "(not an Ed25519 key)";
    }
    tried += (tried.empty() ? "" : ", ") + id;
  }
  throw BundleError("bundle signature does not verify with any trusted release key (tried: " + tried + ")");
}

// Why the member `name` is not the expected file `index` of the manifest.
[[noreturn]] void wrong_member(const Manifest& m, std::size_t index, const std::string& name) {
  const auto it = std::find_if(m.files.begin(), m.files.end(), [&](const BundleFile& f) { return f.name == name; });
  if (it == m.files.end()) fail_member(name, "not listed in the manifest");
  if (static_cast<std::size_t>(it - m.files.begin()) < index) fail_member(name, "appears twice");
  fail_member(name, "out of order (expected " + quoted(m.files[index].name) + ")");
}

void read_payload(TarReader& tar, const Manifest& m, Extraction* extraction) {
  for (std::size_t i = 0; i < m.files.size(); ++i) {
    const BundleFile& f = m.files[i];
    const auto member = tar.next();
    if (!member) throw BundleError("bundle: member " + quoted(f.name) + " is missing");
    // Names are compared only after this check, so an unsafe name is reported as such.
    if (!plain_file_name(member->name)) fail_member(member->name, "not a plain file name");
    if (member->name != f.name) wrong_member(m, i, member->name);
    if (member->size != f.size)
      fail_member(f.name, "size " + std::to_string(member->size) + " differs from the manifest's " + std::to_string(f.size));
    Sha256 hash;
    std::optional<OutFile> out;
    if (extraction) out.emplace(*extraction, f.name, f.role == "migration" ? 0700 : 0600);
    tar.read_data([&](std::string_view chunk) {
      hash.update(chunk);
      if (out) out->write(chunk);
    });
    if (hash.finish() != f.sha256) fail_member(f.name, "SHA-256 differs from the manifest");
    if (out) out->sync();
  }
  if (const auto extra = tar.next()) {
    if (!plain_file_name(extra->name)) fail_member(extra->name, "not a plain file name");
    const bool listed =
        std::any_of(m.files.begin(), m.files.end(), [&](const BundleFile& f) { return f.name == extra->name; });
    fail_member(extra->name, listed ? "appears twice" : "not listed in the manifest");
  }
}

}  // namespace

void create_bundle(const fs::path& out, Manifest m, const std::vector<BundleInput>& files, const fs::path& private_key,
                   const std::string& created) {
  m.format = manifest_format;
  m.product = "portcullis";
  m.created = created;
  m.files.clear();
  for (const auto& in : files) {
    if (in.mode != 0644 && in.mode != 0755) throw BundleError(in.path.string() + ": mode must be 0644 or 0755");
    std::error_code ec;
    const auto size = fs::file_size(in.path, ec);
    if (ec || !fs::is_regular_file(in.path)) throw BundleError(in.path.string() + ": not a readable regular file");
    m.files.push_back({in.path.filename().string(), in.role, size, sha256_file_hex(in.path)});
  }
  const std::string text = serialize_manifest(m);  // validates
  const std::string sig = sign(private_key, text);
  // Every member carries the manifest's creation time: the same inputs make the same bundle.
  TarWriter tar(out, *parse_utc_timestamp(created));
  tar.add_string(manifest_name, text, 0644);
  tar.add_string(signature_name, sig, 0644);
  for (std::size_t i = 0; i < files.size(); ++i)
    if (tar.add_file(m.files[i].name, files[i].path, files[i].mode) != m.files[i].sha256)
      throw BundleError(files[i].path.string() + ": changed while the bundle was being written");
  tar.finish();
}

Manifest open_bundle(std::istream& in, const std::vector<std::string>& trusted, const fs::path& extract_to) {
  std::optional<Extraction> extraction;
  if (!extract_to.empty()) extraction.emplace(extract_to);
  // Headers, padding and the manifest and signature members on top of the payload's bound.
  TarReader tar(in, max_bundle_size + max_manifest_size + 64 * 1024);

  const auto first = tar.next();
  if (!first) throw BundleError("bundle: empty archive");
  if (first->name != manifest_name) fail_member(first->name, "the first member must be manifest.toml");
  if (first->size > max_manifest_size) throw BundleError("bundle: manifest.toml larger than 64 KiB");
  const std::string text = read_small_member(tar, *first);

  const auto second = tar.next();
  if (!second) throw BundleError("bundle: manifest.sig is missing");
  if (second->name != signature_name) fail_member(second->name, "the second member must be manifest.sig");
  if (second->size != signature_size) throw BundleError("bundle: manifest.sig is not 64 octets");
  const std::string sig = read_small_member(tar, *second);

  // Nothing from the manifest is parsed, let alone trusted, before its signature checks out.
  check_signature(text, sig, trusted);
  Manifest m = parse_manifest(text);
  read_payload(tar, m, extraction ? &*extraction : nullptr);
  if (extraction) extraction->commit();
  return m;
}

Manifest open_bundle(const fs::path& bundle, const std::vector<std::string>& trusted, const fs::path& extract_to) {
  std::ifstream in(bundle, std::ios::binary);
  std::error_code ec;
  if (!in || !fs::is_regular_file(bundle, ec)) throw BundleError("cannot read " + bundle.string() + ": not a readable file");
  try {
    return open_bundle(in, trusted, extract_to);
  } catch (const BundleError& e) {
    throw BundleError(bundle.string() + ": " + e.what());
  }
}

}  // namespace portcullis::upgrade
