// Sender authentication of one SMTP transaction (docs/authentication.md): SPF at MAIL FROM,
// DKIM's body hashes while the data streams in, the DKIM signatures and DMARC at the end of
// the data; and what comes of them: the Authentication-Results field (RFC 8601), the
// symbols and their scores, the message log's fields, and DMARC's verdict when the admin
// honours p=reject / p=quarantine.
//
// Every check is bounded in time (settings.time_limit, through net::DeadlineDns): running out
// gives temperror, never a hang. Nothing here throws for anything a client sends.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/address.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "checks/arc/result.hpp"
#include "checks/arc/validate.hpp"
#include "checks/dkim/verify.hpp"
#include "checks/dmarc/evaluate.hpp"
#include "checks/dmarc/psl.hpp"
#include "checks/spf/evaluate.hpp"
#include "mail/headers.hpp"
#include "net/dns_source.hpp"
#include "store/store.hpp"

namespace portcullis::policy {
class Snapshot;
}

namespace portcullis::checks {

struct AuthSettings {
  bool spf = true;
  bool dkim = true;
  bool dmarc = true;
  bool dmarc_enforce = true;            // honour p=reject / p=quarantine (else only report)
  bool arc = true;                      // validate ARC chains (RFC 8617)
  // Forwarders (mailing lists...) whose passing ARC chain overrides a failed DMARC (RFC 7489
  // 7.2.1's trusted_forwarder): the newest sealer's d=, lower-case.
  std::vector<std::string> arc_trusted_sealers;
  std::string authserv_id;              // our name in Authentication-Results
  std::string receiver;                 // our host name (SPF's %{r})
  std::chrono::seconds time_limit{20};  // for SPF, and again for DKIM + DMARC (RFC 7208 4.6.4)
  bool any() const { return spf || dkim || dmarc || arc; }
};

// The settings of the policy in force: spf, dkim, dmarc, dmarc-enforce, arc ("on"/"off"; on
// by default), authserv-id (default: the host name) and arc-trusted-sealers (domains, separated
// by commas or spaces; default none).
AuthSettings auth_settings(const policy::Snapshot* snapshot, const std::string& hostname);

struct AuthVerdict {
  enum class Action { none, reject, quarantine };
  Action action = Action::none;
  std::string reply;   // reject: the SMTP reply
  std::string reason;  // why (for the log, and the quarantine reason)
};

struct AuthSymbol {
  std::string name;
  double score = 0;
};

class MessageAuth {
 public:
  MessageAuth(AuthSettings settings, boost::asio::ip::address client, std::string helo);
  ~MessageAuth();
  MessageAuth(const MessageAuth&) = delete;
  MessageAuth& operator=(const MessageAuth&) = delete;

  const AuthSettings& settings() const { return settings_; }

  // SPF for the MAIL FROM identity (postmaster@HELO for the null sender, RFC 7208 2.4).
  boost::asio::awaitable<void> mail_from(net::DnsSource& dns, std::string sender);
  // The message as it arrives (unstuffed DATA / BDAT chunks, CRLF lines): DKIM body hashes.
  void feed(std::string_view chunk);
  // After the last chunk: the DKIM signatures, then DMARC (needs `psl`; nullptr: no DMARC).
  boost::asio::awaitable<void> finish(net::DnsSource& dns, const dmarc::PublicSuffixList* psl,
                                      const mail::HeaderSection& headers);

  const std::optional<spf::Outcome>& spf() const { return spf_; }
  const std::vector<dkim::SignatureResult>& dkim() const { return dkim_; }
  const std::optional<dmarc::Outcome>& dmarc() const { return dmarc_; }
  const std::optional<arc::ChainResult>& arc() const { return arc_; }
  // For the spool (the sealer at delivery, queue/arc_sealing): "CV N" of a chain validated for
  // good ("none 0", "pass 2", "fail 3"); empty when ARC did not run or failed only for now.
  std::string arc_state() const;
  const std::string& from_problem() const { return from_problem_; }

  // The Authentication-Results field to add, with its CRLF.
  std::string results_field() const;
  std::vector<AuthSymbol> symbols() const;
  AuthVerdict verdict() const;
  // What is done with the message for DMARC's sake (the A-R "dis=", the report row's
  // disposition): reject, quarantine or none.
  dmarc::Policy disposition() const;
  // DMARC failed, but a trusted forwarder's ARC chain passed: its d= (else empty). The message
  // is then not rejected nor quarantined for DMARC's sake (RFC 8617 7.2, RFC 7489 6.7).
  const std::string& trusted_forwarder() const { return trusted_forwarder_; }
  // For the message log: spf "pass", dkim "pass:example.com,fail:other.example" (or "none"),
  // dmarc "pass"; empty where the check did not run.
  struct LogFields {
    std::string spf, dkim, dmarc, arc;
  };
  LogFields log_fields() const;
  // The DMARC aggregate-report row of this message (RFC 7489 7.2), or nullopt when no DMARC
  // record applied (no report is due) or DMARC did not come to pass/fail.
  std::optional<store::DmarcRow> report_row(std::string queue_id, int64_t received) const;

 private:
  void find_trusted_forwarder();
  AuthSettings settings_;
  boost::asio::ip::address client_;
  std::string helo_;
  std::string envelope_domain_;
  std::optional<spf::Outcome> spf_;
  std::unique_ptr<dkim::Verifier> verifier_;
  std::unique_ptr<arc::Validator> arc_validator_;
  std::optional<arc::ChainResult> arc_;
  std::string trusted_forwarder_;  // set by finish() (find_trusted_forwarder)
  bool dkim_done_ = false;
  std::vector<dkim::SignatureResult> dkim_;
  std::optional<dmarc::Outcome> dmarc_;
  std::string from_problem_;
  bool several_from_ = false;
};

// The (offset, length) of each Authentication-Results field that claims to be ours (our
// authserv-id): a sender's forgery, removed before ours is added (RFC 8601 5).
std::vector<std::pair<std::size_t, std::size_t>> forged_results(const mail::HeaderSection& headers,
                                                                 std::string_view authserv_id);

}  // namespace portcullis::checks
