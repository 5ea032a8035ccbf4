// Shared helpers of the DKIM unit tests: files, a coroutine runner for the Verifier, a signer
// that writes any tags (for the checks our Signer never produces), temporary directories and
// external programs (dkimpy, OpenDKIM).
#pragma once
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "checks/dkim/base64.hpp"
#include "checks/dkim/canon.hpp"
#include "checks/dkim/crypto.hpp"
#include "checks/dkim/signature.hpp"
#include "checks/dkim/tags.hpp"
#include "checks/dkim/text.hpp"
#include "checks/dkim/verify.hpp"
#include "mail/headers.hpp"
#include "net/static_dns.hpp"

namespace dkim_test {

namespace dk = portcullis::checks::dkim;
namespace fs = std::filesystem;

inline std::string conformance(const std::string& rel) { return std::string(PORTCULLIS_CONFORMANCE_DIR) + "/" + rel; }

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void write_file(const fs::path& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary);
  out << data;
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

// Bare LFs made CRLF (files on disk; the SMTP layer hands the checks CRLF lines).
inline std::string crlf(const std::string& text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

// Verifies `message` fed in chunks of `chunk` octets (0: at once).
inline std::vector<dk::SignatureResult> verify(const std::string& message, portcullis::net::DnsSource& dns,
                                               std::time_t now, dk::Limits limits = {}, std::size_t chunk = 0) {
  dk::Verifier v(limits);
  if (chunk == 0) {
    v.feed(message);
  } else {
    for (std::size_t pos = 0; pos < message.size(); pos += chunk) v.feed(std::string_view(message).substr(pos, chunk));
  }
  boost::asio::io_context io;
  std::optional<std::vector<dk::SignatureResult>> out;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out = co_await v.finish(dns, now); }, boost::asio::detached);
  io.run();
  if (!out) throw std::runtime_error("verification did not complete");
  return *out;
}

inline std::string describe(const dk::SignatureResult& r) {
  return std::string(dk::to_string(r.result)) + " d=" + r.domain + " s=" + r.selector + " a=" + r.algorithm +
         " problem='" + r.problem + "'";
}

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
};

inline dk::Pkey rsa_key(int bits) {
  std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree> ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1 ||
      EVP_PKEY_generate(ctx.get(), &raw) != 1)
    throw std::runtime_error("RSA keygen failed");
  return dk::Pkey(raw);
}

// "v=DKIM1; k=...; p=..." for a key, with `extra` tags before p=.
inline std::string key_record(EVP_PKEY* key, const std::string& extra = "") {
  const auto type = dk::key_type_of(key);
  return "v=DKIM1; k=" + std::string(dk::to_string(*type)) + "; " + extra + "p=" + dk::public_key_value(key);
}

// The Ed25519 private key as dkimpy wants it: base64 of the 32-octet seed.
inline std::string ed25519_seed_b64(EVP_PKEY* key) {
  unsigned char seed[32];
  std::size_t len = sizeof seed;
  if (EVP_PKEY_get_raw_private_key(key, seed, &len) != 1 || len != 32) throw std::runtime_error("not ed25519");
  return dk::base64_encode(std::string_view(reinterpret_cast<const char*>(seed), len));
}

inline dk::Pkey ed25519_from_seed(const std::string& seed) {
  if (seed.size() != 32) throw std::runtime_error("seed size");
  return dk::Pkey(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr,
                                               reinterpret_cast<const unsigned char*>(seed.data()), seed.size()));
}

// Signs `message` with a DKIM-Signature carrying `tags` (everything but bh= and b=, e.g.
// "v=1; a=rsa-sha1; c=simple/relaxed; d=example.com; s=sel; h=from:to"), computing bh= and b=
// the RFC 6376 way: for the checks our own Signer never writes (rsa-sha1, i=, x=, bad h=...).
inline std::string sign_with_tags(const std::string& message, const std::string& tags, EVP_PKEY* key) {
  const auto parsed = dk::parse_tag_list(tags);
  if (!parsed.ok()) throw std::runtime_error("bad tags: " + parsed.error);
  const auto* a = parsed.list.find("a");
  if (!a) throw std::runtime_error("tags without a=");
  const auto alg = dk::parse_algorithm(a->value).value();
  dk::Canon hc = dk::Canon::simple, bc = dk::Canon::simple;
  if (const auto* c = parsed.list.find("c")) {
    const auto parts = dk::split_list(c->value, '/');
    hc = dk::parse_canon(parts.at(0)).value();
    if (parts.size() > 1) bc = dk::parse_canon(parts.at(1)).value();
  }
  std::optional<std::uint64_t> length;
  if (const auto* l = parsed.list.find("l")) length = std::stoull(l->value);
  std::vector<std::string> names;
  if (const auto* h = parsed.list.find("h"))
    for (const auto name : dk::split_list(h->value)) names.emplace_back(name);

  const auto section = portcullis::mail::parse_headers(message);
  dk::BodyHasher body(bc, dk::hash_of(alg), length);
  body.feed(std::string_view(message).substr(section.body_offset));
  body.finish();
  const std::string field_start = "DKIM-Signature: " + tags + "; bh=" + dk::base64_encode(body.digest()) + "; b=";
  std::string data;
  for (const auto i : dk::select_headers(section, names))
    dk::canon_header(hc, dk::field_text(message, section.fields[i]), data);
  dk::canon_header(hc, field_start, data);
  std::string error;
  const std::string b = dk::sign_data(key, alg, data, error);
  if (b.empty()) throw std::runtime_error("signing failed: " + error);
  return field_start + dk::base64_encode(b) + "\r\n" + message;
}

// A directory under the test temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string templ = (fs::path(::testing::TempDir()) / "dkim-XXXXXX").string();
    if (!mkdtemp(templ.data())) throw std::runtime_error("mkdtemp failed");
    path_ = templ;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  fs::path operator/(const std::string& name) const { return path_ / name; }

 private:
  fs::path path_;
};

// Runs a shell command line; its exit status (-1 if it did not exit normally).
inline int run(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

inline std::string quote(const fs::path& p) { return "'" + p.string() + "'"; }

}  // namespace dkim_test
