// The certificate folder (config `tls.cert_dir`, default /etc/portcullis/certs): for each
// certificate NAME, NAME.crt (the chain, leaf first; 0644) and NAME.key (0640, group = the
// gateway's group, owned by whoever runs the CLI — root on the appliance), plus NAME.csr while
// a request is out. The daemon reads them as its own user; nobody but root writes them.
// (The daemon holds every key it serves in memory anyway, so a key readable by its group
// exposes nothing more than the running process; it can never change one.)
#pragma once
#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tls/x509.hpp"

namespace portcullis::tls {

struct StoredCertificate {
  std::string name;
  std::string chain_pem;
  std::string key_pem;
  CertInfo info;
};

class CertStore {
 public:
  // key_group: the group given the key files (none: keep the process's own group).
  explicit CertStore(std::filesystem::path dir, std::optional<gid_t> key_group = std::nullopt);

  // Names: 1-64 of a-z 0-9 . _ - starting with a letter or digit.
  static bool valid_name(std::string_view name);

  struct Entry {
    std::string name;
    std::optional<CertInfo> info;  // empty: only a key (a request is out) or unreadable
    bool has_key = false;
    bool pending = false;          // key + request, no certificate yet
    std::string problem;           // why info is missing, or a key that does not match
  };
  std::vector<Entry> list() const;
  // The names with a .crt or .key file, sorted (nothing read).
  std::vector<std::string> names() const;

  // Reads and checks one certificate (chain parses, key parses and matches). Throws.
  StoredCertificate load(const std::string& name) const;
  bool exists(const std::string& name) const;

  // Writes chain + key after checking they match (and, unless self-signed is allowed, that the
  // chain verifies against the system trust store plus extra_ca_pem). Replaces an existing
  // certificate of that name atomically. Returns what was installed.
  CertInfo install(const std::string& name, const std::string& chain_pem, const std::string& key_pem,
                   const std::string& extra_ca_pem, bool allow_self_signed);
  // The key of a pending request (NAME.key without NAME.crt), if any.
  std::optional<std::string> pending_key(const std::string& name) const;
  // Writes NAME.key and NAME.csr for a request; refuses if NAME already has a certificate.
  void write_request(const std::string& name, const std::string& key_pem, const std::string& csr_pem);
  // Removes NAME's files; false if there were none.
  bool remove(const std::string& name);

  std::filesystem::path cert_path(const std::string& name) const { return dir_ / (name + ".crt"); }
  std::filesystem::path key_path(const std::string& name) const { return dir_ / (name + ".key"); }
  std::filesystem::path csr_path(const std::string& name) const { return dir_ / (name + ".csr"); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void check_name(const std::string& name) const;
  void write_file(const std::filesystem::path& path, const std::string& text, bool secret) const;

  std::filesystem::path dir_;
  std::optional<gid_t> key_group_;
};

}  // namespace portcullis::tls
