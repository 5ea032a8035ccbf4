// The quarantine digest (docs/spam.md): one plain-text mail to a recipient listing the messages
// held for them (arrival, sender, subject, why, the id to quote when asking for a release).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace portcullis::queue {

// The complete message (CRLF lines), From: `from` (the bounce-sender or postmaster address),
// To: `recipient`. Subjects and senders come from mail: they are shown as printable ASCII
// ('?' for anything else) and cut to a line. At most `max_rows` entries are listed (newest
// first), with a line telling how many more there are.
std::string make_quarantine_digest(const std::string& hostname, const std::string& from, const std::string& recipient,
                                   const std::vector<store::QuarantineEntry>& held, int64_t now,
                                   std::size_t max_rows = 200);

}  // namespace portcullis::queue
