// Small text helpers shared by the policy room: ASCII case folding, splitting and rendering
// addresses, and the LDH domain check used to validate settings. No I/O, no allocation games.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mail/address.hpp"

namespace portcullis::policy {

// Lower-cases ASCII letters only; other octets (UTF-8 included) are copied unchanged.
std::string lower_ascii(std::string_view text);

// A setting's list of names, separated by commas and/or spaces: the non-empty items,
// lower-cased (lower_ascii), in order.
std::vector<std::string> split_names(std::string_view list);

struct AddressParts {
  std::string local;
  std::string domain;
};
// Splits "local@domain" at the last '@'. nullopt if there is no '@' or either side is empty.
std::optional<AddressParts> split_address(std::string_view text);

// RFC 5322 dot-atom-text: atext runs separated by single dots. With allow_utf8, octets >= 0x80
// count as atext (RFC 6531).
bool is_dot_atom(std::string_view text, bool allow_utf8);

// A host/domain name: LDH labels of 1..63 octets (no leading/trailing '-'), total <= 253,
// no trailing dot, at least one letter somewhere (so an IPv4 literal is not a domain).
bool is_valid_domain(std::string_view text);

// The mailbox as it goes on the wire: local@domain, quoting the local part when it is not a
// dot-atom. Control characters are never produced raw: they become '?', so the result is safe
// to put into an SMTP reply or a log line.
std::string wire_form(const mail::Mailbox& mailbox);

// The lookup key of a mailbox: lower-cased local part (as received, unquoted) @ lower-cased
// domain. Matches how recipients and aliases are keyed in a Snapshot.
std::string lookup_key(const mail::Mailbox& mailbox);

}  // namespace portcullis::policy
