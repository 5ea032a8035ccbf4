// Shared helpers of the ARC unit tests: files, CRLF, a coroutine runner for the Validator,
// keys and their DNS records, a sealing shortcut.
#pragma once
#include <gtest/gtest.h>

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

#include "checks/arc/result.hpp"
#include "checks/arc/seal.hpp"
#include "checks/arc/validate.hpp"
#include "checks/dkim/crypto.hpp"
#include "checks/dkim/sign.hpp"
#include "net/static_dns.hpp"
#include "../dkim/helpers.hpp"

namespace arc_test {

namespace arc = portcullis::checks::arc;
namespace dk = portcullis::checks::dkim;
namespace fs = std::filesystem;

// Files and line ends as the DKIM tests have them.
using dkim_test::conformance;
using dkim_test::crlf;
using dkim_test::read_file;
using dkim_test::write_file;

// Validates `message` fed in chunks of `chunk` octets (0: at once).
inline arc::ChainResult validate(const std::string& message, portcullis::net::DnsSource& dns, std::time_t now,
                                 arc::Limits limits = {}, std::size_t chunk = 0) {
  arc::Validator v(limits);
  if (chunk == 0) {
    v.feed(message);
  } else {
    for (std::size_t pos = 0; pos < message.size(); pos += chunk) v.feed(std::string_view(message).substr(pos, chunk));
  }
  boost::asio::io_context io;
  std::optional<arc::ChainResult> out;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { out = co_await v.finish(dns, now); }, boost::asio::detached);
  io.run();
  if (!out) throw std::runtime_error("validation did not complete");
  return *out;
}

inline std::string describe(const arc::ChainResult& r) {
  std::string s = std::string(arc::to_string(r.cv)) + " N=" + std::to_string(r.instances) +
                  " oldest-pass=" + std::to_string(r.oldest_pass) + " problem='" + r.problem + "'";
  if (r.temporary) s += " (temporary)";
  return s;
}

// A signing key made here (RSA of `bits`, or Ed25519), with its DNS record text.
struct TestKey {
  dk::SigningKey key;
  std::string txt;
};

inline TestKey make_key(const std::string& domain, const std::string& selector, bool ed25519 = false) {
  const auto generated = dk::generate_key(ed25519);
  TestKey out{dk::load_signing_key(domain, selector, generated.private_pem), generated.dns_txt};
  return out;
}

inline void publish(portcullis::net::StaticDns& dns, const TestKey& k) {
  dns.add_txt(k.key.selector + "._domainkey." + k.key.domain, k.txt);
}

// Seals `message` (whose validation result is `chain`) and returns it with the new set on top;
// fails the test (and returns the message unchanged) when nothing was sealed.
inline std::string sealed(const std::string& message, const arc::ChainResult& chain, const dk::SigningKey& key,
                          std::time_t now, const std::string& authserv_id = "mx.example.org",
                          const std::string& results = "spf=pass smtp.mailfrom=example.com") {
  std::string error;
  const auto set = arc::seal_message(message, chain, key, authserv_id, results, now, error);
  EXPECT_TRUE(set) << error;
  if (!set) return message;
  return set->text() + message;
}

}  // namespace arc_test
