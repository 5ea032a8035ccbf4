#include "tls/cert_store.hpp"
#include "core/text.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace portcullis::tls {

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
  auto text = core::read_file(p);
  if (!text) throw std::runtime_error("cannot read " + p.string() + ": " + std::strerror(errno));
  return std::move(*text);
}

}  // namespace

CertStore::CertStore(fs::path dir, std::optional<gid_t> key_group) : dir_(std::move(dir)), key_group_(key_group) {}

bool CertStore::valid_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  const auto ok = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!ok(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return ok(c) || c == '.' || c == '_' || c == '-'; });
}

void CertStore::check_name(const std::string& name) const {
  if (!valid_name(name))
    throw std::runtime_error("invalid certificate name '" + name +
                             "' (1-64 of a-z 0-9 . _ -, starting with a letter or digit)");
}

bool CertStore::exists(const std::string& name) const {
  std::error_code ec;
  return valid_name(name) && fs::exists(cert_path(name), ec) && fs::exists(key_path(name), ec);
}

std::vector<std::string> CertStore::names() const {
  std::set<std::string> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const auto ext = e.path().extension().string();
    const auto stem = e.path().stem().string();
    if ((ext == ".crt" || ext == ".key") && valid_name(stem)) found.insert(stem);
  }
  return {found.begin(), found.end()};
}

std::vector<CertStore::Entry> CertStore::list() const {
  std::error_code ec;
  std::vector<Entry> out;
  for (const auto& name : names()) {
    Entry entry;
    entry.name = name;
    entry.has_key = fs::exists(key_path(name), ec);
    if (!fs::exists(cert_path(name), ec)) {
      entry.pending = entry.has_key;
      entry.problem = entry.pending ? "request pending (import the signed certificate)" : "no certificate";
    } else {
      try {
        const auto loaded = load(name);
        entry.info = loaded.info;
      } catch (const std::exception& e) {
        entry.problem = e.what();
        try {
          entry.info = describe(chain_from_pem(read_text(cert_path(name))).front().get());
        } catch (const std::exception&) {
        }
      }
    }
    out.push_back(std::move(entry));
  }
  return out;
}

StoredCertificate CertStore::load(const std::string& name) const {
  check_name(name);
  StoredCertificate c;
  c.name = name;
  c.chain_pem = read_text(cert_path(name));
  c.key_pem = read_text(key_path(name));
  const auto chain = chain_from_pem(c.chain_pem);
  const Pkey key = key_from_pem(c.key_pem);
  if (!key_matches(chain.front().get(), key.get()))
    throw std::runtime_error(name + ": the key does not match the certificate");
  c.info = describe(chain.front().get());
  return c;
}

CertInfo CertStore::install(const std::string& name, const std::string& chain_pem, const std::string& key_pem,
                            const std::string& extra_ca_pem, bool allow_self_signed) {
  check_name(name);
  const auto chain = chain_from_pem(chain_pem);
  const Pkey key = key_from_pem(key_pem);
  if (!key_matches(chain.front().get(), key.get()))
    throw std::runtime_error("the private key does not belong to the certificate");
  const std::string problem = verify_chain(chain, extra_ca_pem, allow_self_signed);
  if (!problem.empty()) throw std::runtime_error("the certificate chain does not verify: " + problem);
  fs::create_directories(dir_);
  // Key first: a certificate is never visible next to a key that is not its own.
  write_file(key_path(name), key_to_pem(key.get()), true);
  write_file(cert_path(name), chain_to_pem(chain), false);
  std::error_code ec;
  fs::remove(csr_path(name), ec);
  return describe(chain.front().get());
}

std::optional<std::string> CertStore::pending_key(const std::string& name) const {
  check_name(name);
  std::error_code ec;
  if (fs::exists(cert_path(name), ec) || !fs::exists(key_path(name), ec)) return std::nullopt;
  return read_text(key_path(name));
}

void CertStore::write_request(const std::string& name, const std::string& key_pem, const std::string& csr_pem) {
  check_name(name);
  std::error_code ec;
  if (fs::exists(cert_path(name), ec))
    throw std::runtime_error("certificate '" + name + "' exists: remove it first or choose another name");
  fs::create_directories(dir_);
  write_file(key_path(name), key_pem, true);
  write_file(csr_path(name), csr_pem, false);
}

bool CertStore::remove(const std::string& name) {
  check_name(name);
  bool any = false;
  for (const auto& p : {cert_path(name), key_path(name), csr_path(name)}) {
    std::error_code ec;
    any = fs::remove(p, ec) || any;
  }
  return any;
}

// Written to a temporary file with its final mode from the start, synced, then renamed.
void CertStore::write_file(const fs::path& path, const std::string& text, bool secret) const {
  const fs::path tmp = path.string() + ".tmp";
  ::unlink(tmp.c_str());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, secret ? 0600 : 0644);
  if (fd < 0) throw std::runtime_error("cannot write " + tmp.string() + ": " + std::strerror(errno));
  bool ok = true;
  if (secret && key_group_ && ::fchown(fd, static_cast<uid_t>(-1), *key_group_) != 0) ok = false;
  if (ok && secret && ::fchmod(fd, 0640) != 0) ok = false;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    else done += static_cast<std::size_t>(n);
  }
  if (ok && ::fsync(fd) != 0) ok = false;
  const int saved = errno;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    throw std::runtime_error("cannot write " + path.string() + ": " + std::strerror(ok ? errno : saved));
  }
}

}  // namespace portcullis::tls
