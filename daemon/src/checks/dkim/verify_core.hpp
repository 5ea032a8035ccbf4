// The Asio-free part of DKIM verification (verify.hpp wraps it with the DNS lookups): takes the
// message in chunks, finds and parses the DKIM-Signature fields when the header section is
// complete, hashes the body on the fly (one BodyHasher per distinct canonicalisation, hash and
// l=), and, given the key records, decides every signature. Kept apart so that the fuzz build
// can run the whole pipeline with key records it makes up.
#pragma once
#include <cstddef>
#include <ctime>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/canon.hpp"
#include "checks/dkim/message.hpp"
#include "checks/dkim/result.hpp"
#include "checks/dkim/signature.hpp"
#include "net/dns_types.hpp"

namespace portcullis::checks::dkim {

class VerificationCore {
 public:
  explicit VerificationCore(Limits limits);
  VerificationCore(const VerificationCore&) = delete;
  VerificationCore& operator=(const VerificationCore&) = delete;

  void feed(std::string_view chunk);
  // The end of the message: finishes the body hashes and decides what needs no key record
  // (syntax, expiry, t= in the future, limits). Once.
  void finish_message(std::time_t now);
  // The key record names still to be looked up (lower case, each once), after finish_message().
  std::vector<std::string> key_names() const;
  // The results, given the TXT lookup of every name key_names() listed (keyed by that name; a
  // name missing from the map counts as a temporary DNS failure).
  std::vector<SignatureResult> complete(const std::map<std::string, net::TxtResult>& keys) const;
  // Body hashes being computed (signatures with the same canonicalisation, hash and l= share one).
  std::size_t body_hashes() const { return hashers_.size(); }

 private:
  struct Entry {
    std::size_t field = 0;  // index in the header section
    SignatureParse parse;
    SignatureResult result;
    bool decided = false;
    std::size_t hasher = 0;  // index in hashers_, when parse.ok()
  };

  void on_header();
  void on_body(std::string_view data);
  void decide(Entry& e, Result result, std::string problem) const;
  SignatureResult evaluate(const Entry& e, const net::TxtResult& txt) const;

  Limits limits_;
  MessageSplitter splitter_;
  std::vector<Entry> entries_;
  std::vector<std::unique_ptr<BodyHasher>> hashers_;
  bool finished_ = false;
};

}  // namespace portcullis::checks::dkim
