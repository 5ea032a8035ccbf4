// From the verdict of a message to the spool (docs/spam.md): one copy per group of
// recipients whose outcome is the same (checks/verdict), each with its own envelope and
// changes: X-Spam-Score / X-Spam-Status (when something scored it), the subject tag, the removed attachments, and the
// quarantine reason of a held copy. Discarded groups get no copy.
#pragma once
#include <string>
#include <vector>

#include "checks/verdict/verdict.hpp"
#include "mail/headers.hpp"
#include "queue/spool.hpp"
#include "store/store.hpp"

namespace portcullis::policy {
struct Snapshot;
}

namespace portcullis::smtp {

struct Copy {
  queue::Amendment amendment;  // envelope always set (its own id for every copy but the first)
  const checks::verdict::Group* group = nullptr;
};

// `base`: the changes every copy gets (Authentication-Results, forged fields dropped, the rules'
// edits); `envelope`: the message's envelope after the rules; `removal`: the replacements that
// take out the blocked attachments (for groups whose policy removes them); `held`: a quarantine
// reason that applies to every copy that would be delivered (a rule's, DMARC's), "" if none.
// The first copy keeps the envelope's id; the others get new ones.
std::vector<Copy> plan_copies(const checks::verdict::MessageDecision& decision, const checks::verdict::Findings& findings,
                              const queue::Amendment& base, const queue::EnvelopeRecord& envelope,
                              const mail::HeaderSection& headers, const std::vector<queue::Replacement>& removal,
                              const std::string& held);

// The quarantine index rows of a held copy, one per recipient (subject as printable ASCII).
std::vector<store::QuarantineEntry> quarantine_rows(const Copy& copy, const mail::HeaderSection& headers,
                                                    std::uint64_t size, const std::string& gateway, int64_t retention);
// How long a held message is kept: the setting quarantine-retention (days, default 30), in seconds.
int64_t quarantine_retention(const policy::Snapshot* snap);

// The replacement putting `tag` in front of the Subject field's value (an added Subject field
// when there is none: returned as header text in `added`).
void tag_subject(const mail::HeaderSection& headers, const std::string& tag, queue::Amendment& out);

}  // namespace portcullis::smtp
