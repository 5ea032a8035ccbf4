// Turns what the rules decided at the end of DATA into the spool's Amendment: header edits
// (in order: a removal also drops headers added earlier under that name; a header added
// after a removal stays) against the message's parsed header section, and the final
// recipient list and route.
#pragma once
#include <string>
#include <vector>

#include "hooks/event.hpp"
#include "mail/headers.hpp"
#include "queue/spool.hpp"

namespace portcullis::smtp {

// Header lines to insert and ranges of the received data to drop.
void header_amendment(const std::vector<hooks::HeaderEdit>& edits, const mail::HeaderSection& headers,
                      queue::Amendment& out);

// `current` with a rule's recipient effects applied (replacement first, then additions;
// duplicates removed, order kept).
std::vector<std::string> edited_recipients(const std::vector<std::string>& current, const hooks::Outcome& outcome);

}  // namespace portcullis::smtp
