// The Asio-free part of ARC chain validation (validate.hpp wraps it with the DNS lookups),
// following RFC 8617 5.2:
//   1. collect the ARC Sets; none: cv none;
//   2. the newest ARC-Seal says cv=fail: fail;
//   3. structure: each instance 1..N has exactly one AAR, AMS and AS, N <= 50, every AAR and AS
//      well-formed, cv=none for i=1 and cv=pass above it;
//   4. the newest AMS validates (like a DKIM signature: body hash, header hash, key record);
//   5. oldest-pass: the older AMSs, from N-1 down, until one does not validate (optional step;
//      Limits::oldest_pass);
//   6. every AS from N down to 1 validates: its signature covers the sets 1..i in order
//      AAR, AMS, AS, relaxed header canonicalisation, its own b= value emptied;
//   7. pass.
// The body hashes are computed while the message streams in (one BodyHasher per distinct
// canonicalisation, hash and l= among the AMSs); nothing of the body is kept. Kept apart from
// the Asio part so the fuzz build can run the whole pipeline with made-up key records.
#pragma once
#include <cstddef>
#include <ctime>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/arc/fields.hpp"
#include "checks/arc/result.hpp"
#include "checks/dkim/canon.hpp"
#include "checks/dkim/crypto.hpp"
#include "checks/dkim/message.hpp"
#include "net/dns_types.hpp"

namespace portcullis::checks::arc {

class ValidationCore {
 public:
  explicit ValidationCore(Limits limits = {});
  ValidationCore(const ValidationCore&) = delete;
  ValidationCore& operator=(const ValidationCore&) = delete;

  // The whole message, headers and body, in any chunking.
  void feed(std::string_view chunk);
  // The end of the message: finishes the body hashes, decides what needs no key record
  // (structure, syntax, timestamps). Once.
  void finish_message(std::time_t now);
  // The key record names to look up (lower case, each once), after finish_message().
  std::vector<std::string> key_names() const;
  // The result, given the TXT lookup of every name key_names() listed (keyed by that name; a
  // missing name counts as a temporary DNS failure).
  ChainResult complete(const std::map<std::string, net::TxtResult>& keys) const;
  std::size_t body_hashes() const { return hashers_.size(); }

 private:
  struct Set {
    std::size_t aar = 0, ams = 0, seal = 0;  // indices into the header section
    MessageSignatureParse ams_parse;
    SealParse seal_parse;
    std::optional<std::size_t> hasher;  // for the AMS
    std::string ams_problem;   // decided without a key (syntax, time, algorithm, no body hash)
    std::string seal_problem;
    std::string canon_aar, canon_ams, canon_seal;  // relaxed, with CRLF (for the AS hashes)
  };
  struct Check {
    bool ok = false;
    bool temporary = false;
    std::string problem;
  };

  void on_header();
  void on_body(std::string_view data);
  void decide(Cv cv, std::string problem);
  std::optional<std::size_t> hasher_for(const MessageSignature& sig, bool always);
  Check load_key(const std::map<std::string, net::TxtResult>& keys, const std::string& name, dkim::Algorithm alg,
                 std::optional<dkim::PublicKey>& key) const;
  Check check_ams(const std::map<std::string, net::TxtResult>& keys, int instance) const;
  Check check_seal(const std::map<std::string, net::TxtResult>& keys, int instance) const;

  Limits limits_;
  dkim::MessageSplitter splitter_;
  std::vector<Set> sets_;  // index i-1 for instance i, when the structure is sound
  std::vector<std::unique_ptr<dkim::BodyHasher>> hashers_;
  std::optional<ChainResult> decided_;  // known without keys
  ChainResult base_;                    // the instance info gathered so far
  bool finished_ = false;
};

}  // namespace portcullis::checks::arc
