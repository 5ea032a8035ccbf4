// DKIM signing of outbound mail at delivery (design: queue -> route -> DKIM sign -> SMTP
// client; docs/authentication.md "Outbound signing").
//
// A message is signed when it came from the organisation (a relay network or the submission
// listener: EnvelopeRecord::sign) or is a DSN of ours, the `dkim-sign` setting is not "off",
// and the domain of its From field (or a parent of it) has active keys in the policy: every
// active key of the nearest such domain signs (dual signing: an RSA and an Ed25519 key). The
// keys are parsed once and kept while the policy has them. Signing never holds mail back: a
// message that cannot be signed (no From, a header section beyond the limits, a broken key)
// is delivered unsigned and the reason logged.
//
// ARC sealing (RFC 8617 5.1) uses the same keys: mail from outside whose chain was validated
// on arrival (EnvelopeRecord::arc) gets an ARC Set of ours when the `arc-seal-domain` setting
// names a domain with an active key (an RSA one if it has one: RFC 8617 names rsa-sha256); its
// ARC-Authentication-Results carries our Authentication-Results field's results. Sealing is
// the last change to a message (after DKIM signing), and never holds mail back either.
#pragma once
#include <ctime>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "checks/dkim/sign.hpp"
#include "policy/snapshot.hpp"
#include "queue/spool.hpp"

namespace portcullis::queue {

class DkimSigning {
 public:
  struct Result {
    std::string fields;     // the DKIM-Signature fields to prepend ("" = unsigned)
    std::string domain;     // d= of the keys used
    std::string selectors;  // "rsa2026,ed2026"
    std::string error;      // why a message that should have been signed was not
  };
  // Is this message one we sign at all (before looking at keys)?
  static bool wanted(const policy::Snapshot& snapshot, const EnvelopeRecord& envelope);
  // Thread-safe (runs on the worker pool: hashing and RSA are CPU work).
  Result sign(const policy::Snapshot& snapshot, std::string_view message, std::time_t now);

  // The domain to seal this message for, or "" (no validated chain, no arc-seal-domain).
  static std::string seal_domain(const policy::Snapshot& snapshot, const EnvelopeRecord& envelope);
  // The ARC Set to prepend (Result::fields "" when not sealed; error says why). `authserv_id`:
  // ours, whose Authentication-Results field in the message gives the results. Thread-safe.
  Result seal(const policy::Snapshot& snapshot, const EnvelopeRecord& envelope, std::string_view message,
              std::string_view authserv_id, std::time_t now);

 private:
  std::shared_ptr<const checks::dkim::SigningKey> key_for(const store::DkimKey& row, std::string& error);
  std::mutex mutex_;
  // By domain, selector and the stored PEM (a re-imported key under the same name is new).
  std::map<std::string, std::shared_ptr<const checks::dkim::SigningKey>> keys_;
};

}  // namespace portcullis::queue
