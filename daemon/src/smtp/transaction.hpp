// What a session keeps of its current mail transaction next to the protocol machine
// (smtp/session.hpp): the spool file being written, the recipients as delivered, the rules'
// symbols and route, and the checks that read the message as it streams (headers, SPF/DKIM/
// DMARC, the MIME parser for the attachment rules). clear() drops it all (RSET, the end).
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "checks/auth/message_auth.hpp"
#include "checks/verdict/policies.hpp"
#include "hooks/event.hpp"
#include "mail/headers.hpp"
#include "mail/mime.hpp"
#include "queue/spool.hpp"

namespace portcullis::smtp {

struct Transaction {
  std::unique_ptr<queue::SpoolWriter> writer;
  std::vector<std::string> deliver_to;  // final recipients of every accepted RCPT
  std::string first_rcpt;
  std::vector<hooks::Symbol> symbols;   // added by rules during this transaction
  std::string route;                    // chosen by a rule at RCPT
  std::optional<mail::HeaderCollector> headers;
  std::unique_ptr<checks::MessageAuth> auth;  // SPF, DKIM, DMARC of this transaction
  std::size_t prefix_size = 0;          // our Received field, before the appended data
  std::optional<checks::verdict::Policies> policies;  // the spam policies (made at the first RCPT)
  std::optional<mail::MimeParser> mime;  // every part of the message, for the attachment rules
  void clear() {
    if (writer) writer->abort();
    writer.reset();
    deliver_to.clear();
    first_rcpt.clear();
    symbols.clear();
    route.clear();
    headers.reset();
    auth.reset();
    policies.reset();
    mime.reset();
  }
};

}  // namespace portcullis::smtp
