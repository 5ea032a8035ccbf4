// SPF records (RFC 7208 4.5, 4.6, 5, 6): which TXT strings are SPF records, and the parser
// that turns one into its directives and modifiers. Pure code, no DNS.
//
// Untrusted input (fuzzed): never throws on any bytes; a record longer than kMaxRecordLength
// is refused. The whole record is checked before anything is evaluated (4.6: a syntax error
// anywhere is a permerror), including the macro syntax of every domain-spec and unknown
// modifier. Names of mechanisms and modifiers are case-insensitive.
#pragma once
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/spf/result.hpp"

namespace portcullis::checks::spf {

inline constexpr std::size_t kMaxRecordLength = 8192;

enum class Mechanism { all, include, a, mx, ptr, ip4, ip6, exists };
std::string_view to_string(Mechanism mechanism);

struct Directive {
  Result qualifier = Result::pass;  // pass (+, the default), fail (-), softfail (~), neutral (?)
  Mechanism mechanism = Mechanism::all;
  // include, exists: the target; a, mx, ptr: the target, empty for the current domain.
  std::string domain_spec;
  boost::asio::ip::address network;  // ip4, ip6
  int cidr4 = 32;                    // a, mx, ip4
  int cidr6 = 128;                   // a, mx, ip6
  std::string text;                  // the term as written, qualifier included
};

struct Record {
  std::vector<Directive> directives;  // in record order
  std::optional<std::string> redirect;     // redirect= domain-spec
  std::optional<std::string> explanation;  // exp= domain-spec
};

struct ParsedRecord {
  std::optional<Record> record;  // empty on a syntax error
  std::string error;             // why, naming the term (printable ASCII, bounded)
};

// 4.5: the record starts with "v=spf1" (any case) followed by a space or its end.
bool is_spf_record(std::string_view txt);

// Parses a record for which is_spf_record holds (otherwise: an error).
ParsedRecord parse_record(std::string_view text);

// `text` with octets outside printable ASCII shown as '?', cut to `max` octets (for messages).
std::string printable(std::string_view text, std::size_t max = 80);

}  // namespace portcullis::checks::spf
