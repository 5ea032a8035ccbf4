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
#include "checks/verdict/policies.hpp"
#include "checks/verdict/verdict.hpp"
#include "hooks/event.hpp"
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

// Which scanners the policies of `rcpts` ask for.
struct ScanWanted {
  bool clamd = false;
  bool spamd = false;
};
ScanWanted scans_wanted(const checks::verdict::Policies& policies, const std::vector<std::string>& rcpts);

// What the scanners found, as the Lua rules see it (docs/lua-api.md): SPAMD with spamd's total
// score, SA_NAME (score 0) for each of spamd's rules that hit, CLAMAV_VIRUS (score 0) for a virus.
// Appended to `symbols`; the verdict counts spamd's score by itself (Findings::spamd_score).
void scanner_symbols(const checks::verdict::Findings& findings, std::vector<hooks::Symbol>& symbols);

// Finishes the message's MIME parser and applies the attachment rules: the blocked parts go
// into `findings`; returns the replacements that would take them out (for policies that remove).
std::vector<queue::Replacement> check_attachments(mail::MimeParser& parser, checks::verdict::Findings& findings);

}  // namespace portcullis::smtp
