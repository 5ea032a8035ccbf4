// Helpers shared by the command groups: option parsing, argument validation of admin input
// (host names, ports, addresses of our domains), and the plain aligned table output.
#pragma once
#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cli/commands.hpp"

namespace portcullis::cli {

// Words split into positionals and "--name VALUE" / "--name=VALUE" options. Only the option
// names given are accepted (each at most once); "--" ends the options.
struct Parsed {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;  // name without the dashes -> value
  std::optional<std::string> option(const std::string& name) const;
};
Parsed parse_options(const std::vector<std::string>& words, std::initializer_list<std::string_view> value_options);

// Takes "--NAME" (a flag without a value) out of `words`, before any "--". True if it was
// there; UsageError if it is given twice or with a value.
bool take_flag(std::vector<std::string>& words, const std::string& name);

// Throws UsageError "<what>: expected ..." unless min <= positional count <= max.
void expect_positionals(const Parsed& parsed, std::size_t min, std::size_t max, const std::string& synopsis);

// Takes the first word off `args` (the subcommand); UsageError naming `group` if none.
std::string take_subcommand(std::vector<std::string>& args, const std::string& group);

// A next hop: host name (lower-cased), IPv4 literal, or IPv6 literal (stored without brackets).
struct Destination {
  std::string host;
  uint16_t port = 25;
};
// "HOST", "HOST:PORT", "[IPv6]", "[IPv6]:PORT"; UsageError if invalid.
Destination parse_destination(std::string_view text);
// The display form: host:port, with brackets around an IPv6 host.
std::string format_destination(const std::string& host, uint16_t port);

store::RecipientMode parse_recipient_mode(std::string_view text);

// A domain name given on the command line, validated and lower-cased; UsageError if invalid.
std::string domain_argument(std::string_view text);

// An address of one of our domains: parsed, checked to be in a configured domain (else
// CommandError naming the domain), and returned as its lookup key (lower-cased local@domain).
std::string our_address_key(store::Store& store, std::string_view text, std::string_view what);

// Any deliverable address (alias target): local@domain as it goes on the wire, domain lower-cased.
std::string target_address(std::string_view text);

// Prints rows as columns separated by two spaces, padded to the widest cell (not the last
// column). Control characters in cells are shown as '?', so every row stays one line.
void print_table(std::ostream& out, const std::vector<std::vector<std::string>>& rows);

}  // namespace portcullis::cli
