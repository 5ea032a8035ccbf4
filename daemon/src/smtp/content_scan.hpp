// The content checks of one message at the end of DATA (docs/spam.md): the attachment rules,
// and the scanners clamd and spamd,
// each asked only when a recipient's policy wants it and the gateway has one ([scanners] in
// the configuration), reading the message from its spool file on the worker pool. What they
// say goes into the verdict's findings; a scanner that is down or too slow is a failure the
// policies weigh (fail open or closed); a message over [scanners] max_size is not scanned.
#pragma once
#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "checks/scanner/endpoint.hpp"
#include "checks/verdict/verdict.hpp"
#include "mail/mime.hpp"
#include "queue/spool.hpp"

namespace portcullis::smtp {

struct Scanners {
  std::optional<checks::scanner::Endpoint> clamd;
  std::optional<checks::scanner::Endpoint> spamd;
  std::chrono::milliseconds timeout{60000};
  std::uint64_t max_size = 10 * 1024 * 1024;
};

// What the log says of the scan ("clean", "infected Eicar-Test-Signature", "timeout", "too_large",
// "" = not asked), per scanner.
struct ScanLog {
  std::string clamd;
  std::string spamd;
};

// Runs the scanners asked for (clamd, then spamd) on the appended data of `writer` (the message
// as received, `size` octets) and records what they found in `findings`.
boost::asio::awaitable<ScanLog> scan_message(const Scanners& scanners, boost::asio::thread_pool& workers,
                                             const queue::SpoolWriter& writer, std::uint64_t size, bool want_clamd,
                                             bool want_spamd, checks::verdict::Findings& findings);

// Finishes the message's MIME parser and applies the attachment rules: the blocked parts go
// into `findings`; returns the replacements that would take them out (for policies that remove).
std::vector<queue::Replacement> check_attachments(mail::MimeParser& parser, checks::verdict::Findings& findings);

}  // namespace portcullis::smtp
