// ARC sealing (RFC 8617 5.1): the ARC Set a forwarder adds, instance N+1 after a chain of N.
//
// Feed the message as it will leave (after every other change to it, RFC 8617 5.1: "All
// message modifications (including adding a DKIM-Signature header field(s)) MUST be performed
// before sealing"; Authentication-Results and Received fields may still be added afterwards,
// the AMS never covers them), then finish() with the ChainResult the Validator gave for it, our
// authserv-id and the results of our Authentication-Results field (its "arc=" clause
// included, RFC 8617 4.1.1). Out come three header fields to put on top of the message:
//   ARC-Seal: a=...; b=...; cv=...; d=...; i=N+1; s=...; t=...
//   ARC-Message-Signature: a=...; b=...; bh=...; c=relaxed/relaxed; d=...; h=...; i=N+1; s=...; t=...
//   ARC-Authentication-Results: i=N+1; authserv-id; results
// The AMS is a DKIM signature, relaxed/relaxed, over the header fields named in
// SealOptions::headers (every instance present; From always; over-signing SealOptions::oversign)
// and never over ARC fields or
// Authentication-Results (4.1.2); DKIM-Signature fields are signed (they should be, 4.1.2).
// The AS signs, relaxed, the sets 1..N in order AAR, AMS, AS and then the new set with its own
// b= empty (5.1.1), and carries the chain's cv= (none, pass, fail). When the chain failed, it
// signs the new set alone (5.1.2). RSA keys give rsa-sha256, Ed25519 keys ed25519-sha256.
// Lines are folded at 78 octets (long tokens aside).
//
// Nothing is sealed (finish() gives nullopt and error() says why) when: the newest ARC-Seal
// already says cv=fail (5.1 step 1), there are 50 sets already (4.2.1), the validation failed
// only for a temporary DNS failure (sealing cv=fail would break the chain for good), the
// ChainResult does not fit the message, or the header section is beyond the limits.
// Pure code: no I/O, no Asio.
#pragma once
#include <ctime>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/arc/result.hpp"
#include "checks/dkim/canon.hpp"
#include "checks/dkim/message.hpp"
#include "checks/dkim/sign.hpp"
#include "mail/headers.hpp"

namespace portcullis::checks::arc {

// dkim::default_signed_headers() and DKIM-Signature.
std::vector<std::string> default_sealed_headers();

struct SealOptions {
  // The AMS h=: every instance present of these names (From always), in this order ...
  std::vector<std::string> headers = default_sealed_headers();
  // ... then each of these once more, present or not ("over-signing", as the DKIM Signer
  // does: a From, Subject, To... added after sealing breaks the AMS instead of going unseen).
  std::vector<std::string> oversign = dkim::default_oversigned_headers();
  mail::HeaderLimits limits;                                     // of the header section
  // b= values folded onto lines of at most 78 octets; false: each on one line. (The AS signs
  // the new AMS as written, b= layout included.)
  bool fold_signatures = true;
};

struct ArcSet {
  int instance = 0;
  Cv cv = Cv::none;
  std::string seal;               // "ARC-Seal: ...\r\n"
  std::string message_signature;  // "ARC-Message-Signature: ...\r\n"
  std::string auth_results;       // "ARC-Authentication-Results: ...\r\n"
  // The three fields to prepend, in their order from the top: AS, AMS, AAR.
  std::string text() const { return seal + message_signature + auth_results; }
};

class Sealer {
 public:
  // `key` must outlive the Sealer. Throws std::invalid_argument for a key without its private
  // half, a bad d=/s=, a malformed header name, or an ARC-* / Authentication-Results name in
  // options.headers.
  explicit Sealer(const dkim::SigningKey& key, SealOptions options = {});
  Sealer(const Sealer&) = delete;
  Sealer& operator=(const Sealer&) = delete;

  void feed(std::string_view chunk);  // the whole message, in any chunking
  // `results`: what follows "authserv-id;" in our Authentication-Results, e.g.
  // "spf=pass smtp.mailfrom=example.com; dkim=pass header.d=example.com; arc=pass" (folding is
  // redone; empty means "none"). `now` gives t=. Once.
  std::optional<ArcSet> finish(const ChainResult& chain, std::string_view authserv_id, std::string_view results,
                               std::time_t now);
  const std::string& error() const { return error_; }

 private:
  const dkim::SigningKey* key_;
  SealOptions options_;
  dkim::MessageSplitter splitter_;
  dkim::BodyHasher body_;
  std::string error_;
  bool finished_ = false;
};

// The same for a message held whole. nullopt with `error` set when nothing is sealed.
std::optional<ArcSet> seal_message(std::string_view message, const ChainResult& chain, const dkim::SigningKey& key,
                                   std::string_view authserv_id, std::string_view results, std::time_t now,
                                   std::string& error, SealOptions options = {});

}  // namespace portcullis::checks::arc
