// The RFC5322.From domain that DMARC evaluates (RFC 7489 3.1 and 6.6.1): the domain of the
// message's author, found only when the header section has exactly one From field holding
// exactly one mailbox. Anything else is reported, and the caller decides (6.6.1 allows the
// rejection of messages with no, several or several-address From fields).
//
// The From value is parsed as an RFC 5322 mailbox-list (3.4, 3.6.2) with the obsolete forms
// of section 4 (CFWS anywhere between tokens, obs-phrase, obs-route, empty list elements)
// and RFC 6532 UTF-8; comments, quoted strings and domain literals are understood, so
// `"a@b, c@d" <x@example.com>` is one mailbox at example.com. Group syntax (RFC 6854) counts
// its members. The domain is returned in lower-case A-label form (U-labels converted with
// the Punycode encoder) and must then be a host name (mail::normalize_domain: LDH labels).
// Untrusted input (fuzzed): never throws, bounded (kMaxFromValue octets, kMaxFromMailboxes).
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mail/headers.hpp"

namespace portcullis::checks::dmarc {

inline constexpr std::size_t kMaxFromValue = 16 * 1024;
inline constexpr std::size_t kMaxFromMailboxes = 100;

enum class AuthorError {
  none,
  no_from,            // no From field
  several_from,       // more than one From field
  no_address,         // a From field with no mailbox (empty, or only an empty group)
  several_addresses,  // a From field with several mailboxes (their domains are listed)
  unparsable,         // not an RFC 5322 mailbox-list (or longer than kMaxFromValue)
  bad_domain,         // one mailbox, but its domain is an address literal or not a host name
};

struct Author {
  std::string domain;   // lower-case A-labels; empty when there is a problem
  std::string problem;  // empty when `domain` was found
  AuthorError error = AuthorError::none;
  // several_addresses: the domain of each mailbox (as `domain`, or "" where unusable), so a
  // caller may apply DMARC to each (6.6.1) instead of rejecting.
  std::vector<std::string> domains;
  explicit operator bool() const { return error == AuthorError::none; }
};

// From the header fields as mail::parse_headers returns them (the unfolded values are used).
Author author_domain(const mail::HeaderSection& headers);
// From a raw header section (or a whole message: only its header section is read).
Author author_domain(std::string_view header_section);
// From the value of one From field (after the colon).
Author author_domain_of_value(std::string_view from_value);

// A domain (U-labels or A-labels, any case) as a lower-case A-label host name, or empty if it
// is not one. Used for the From domain and by the evaluator for SPF and DKIM domains.
std::string normalize_host(std::string_view domain);

}  // namespace portcullis::checks::dmarc
