// The verdict of a message for each of its recipients (docs/spam.md): what the checks found
// (scored symbols, spamd's score, a virus, blocked attachments, a scanner that did not answer)
// weighed against each recipient's policy (checks/verdict/policies.hpp), and how the
// recipients travel: one copy per group of recipients whose outcome is the same.
//
// One policy, in this order:
//   1. a scanner the policy uses failed (down, timeout): scanner_failure "tempfail" answers
//      451 4.7.1 (the client retries, nothing is lost); "accept" goes on unscanned (logged);
//   2. a virus (virus_scan on): virus_action reject (554 5.7.1) | quarantine | discard;
//   3. blocked attachments (attachment_action not off): reject (554 5.7.1) | quarantine |
//      remove (the parts are replaced by a short text; when a blocked part cannot be removed,
//      being the whole message, the message is rejected instead);
//   4. the score: the symbols' sum, plus spamd's score when spam_scan is on: at or above
//      reject_score 550 5.7.1, else at or above quarantine_score quarantine, else at or above
//      tag_score delivered marked as spam (X-Spam-Status: Yes, the subject tag); a threshold
//      above store::kThresholdNever is off.
// A message has one SMTP reply for all its recipients, so (decide_message):
//   - any recipient's tempfail makes it a 451 for all (they all get it on the retry);
//   - a reject for every recipient is a 5xx; a reject for some only becomes quarantine for
//     those (held, reviewable, never silently lost), the others get theirs.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "checks/verdict/policies.hpp"
#include "store/store.hpp"

namespace portcullis::checks::verdict {

struct Symbol {
  std::string name;
  double score = 0;
};

struct BlockedAttachment {
  std::string filename;
  std::string reason;  // "extension .exe", "zip member setup.scr", ...
};

struct Findings {
  std::vector<Symbol> symbols;  // every check's and rule's symbols (not spamd's total)
  std::optional<double> spamd_score;  // spamd's total when it scanned the message
  std::vector<std::string> spamd_symbols;
  std::string virus;            // clamd's signature name; "" = none found
  std::vector<BlockedAttachment> attachments;
  bool attachments_removable = true;  // every blocked part can be replaced
  std::string clamd_failure;    // why clamd gave no answer ("" = it answered or was not asked)
  std::string spamd_failure;
  double base_score() const;    // the symbols' sum
};

enum class Action { deliver, quarantine, reject, discard, tempfail };
const char* action_name(Action a);

struct Outcome {
  Action action = Action::deliver;
  bool spam = false;               // at or above tag_score: marked (headers, subject tag)
  std::string subject_tag;         // the tag to put in front of the subject ("" = none)
  bool remove_attachments = false;
  double score = 0;                // what this policy counts
  double required = 0;             // its tag_score (for X-Spam-Status)
  std::string reason;              // quarantine/reject/discard/tempfail: why
  std::string reply;               // reject/tempfail: the SMTP reply
  std::string policy;              // the policy's name
  bool unscanned = false;          // a scanner failed and the policy let it through
  // Recipients with equal outcomes share one copy of the message.
  bool same_copy(const Outcome& o) const;
};

Outcome decide(const store::SpamPolicy& policy, const Findings& findings);

struct Group {
  Outcome outcome;
  std::vector<std::string> recipients;
};

struct MessageDecision {
  enum class Reply { accept, reject, tempfail };
  Reply reply = Reply::accept;
  std::string text;           // the SMTP reply when not accepted
  std::string reason;         // why (log)
  std::vector<Group> groups;  // when accepted: in the order of their first recipient
};

MessageDecision decide_message(const std::vector<std::string>& recipients, const Policies& policies,
                               const Findings& findings);

// "X-Spam-Score: 7.30\r\nX-Spam-Status: Yes, score=7.30 required=5.00 tests=A,B\r\n"
std::string spam_headers(const Outcome& outcome, const Findings& findings);

}  // namespace portcullis::checks::verdict
