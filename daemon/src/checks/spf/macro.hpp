// SPF macros (RFC 7208 7): the syntax of macro-strings and domain-specs, and their expansion.
//
// Pure code, no DNS: %{p} needs lookups, so the caller resolves the validated name first
// (evaluate.cpp does, only when the string uses the letter) and passes it in the context.
// Untrusted input (fuzzed): never throws on any bytes, and every expansion is bounded by
// kMaxExpansion (longer gives nullopt).
//
//   macro-string = *( macro-expand / macro-literal )
//   macro-expand = ( "%{" macro-letter transformers *delimiter "}" ) / "%%" / "%_" / "%-"
//   macro-literal = %x21-24 / %x26-7E           (explanations also allow SP)
//   transformers = *DIGIT [ "r" ]               (a DIGIT count must be nonzero)
//   delimiter    = "." / "-" / "+" / "," / "/" / "_" / "="
//   domain-spec  = macro-string domain-end
//   domain-end   = ( "." toplabel [ "." ] ) / macro-expand
// Letters and "r" in any case; an upper-case letter URL-escapes its value (7.3).
#pragma once
#include <boost/asio/ip/address.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::checks::spf {

// Where a macro-string appears, which decides the letters allowed (7.2) and whether SP is.
enum class MacroUse {
  domain,       // domain-spec of a mechanism, redirect= or exp=: s l o d i p h v
  explanation,  // the TXT text that exp= names: every letter (c r t too), and SP
  modifier,     // the value of an unknown modifier: every letter (never expanded)
};

struct MacroContext {
  std::string sender;          // %{s}: local@domain
  std::string local;           // %{l}
  std::string sender_domain;   // %{o}
  std::string domain;          // %{d}: the domain whose record is being evaluated
  boost::asio::ip::address ip; // %{i} %{c} %{v} (an IPv4-mapped address must be given as IPv4)
  std::string helo;            // %{h}
  std::string receiver;        // %{r}; "unknown" when empty
  std::string validated_name;  // %{p}; "unknown" when empty
  std::int64_t now = 0;        // %{t}: seconds since the epoch
};

inline constexpr std::size_t kMaxExpansion = 8192;  // octets of one expanded string
inline constexpr std::size_t kMaxDomainLength = 253;

bool valid_macro_string(std::string_view text, MacroUse use);
// A non-empty domain-spec whose last macro-expand or "." toplabel ends it (7.1).
bool valid_domain_spec(std::string_view text);
// true if the (valid) macro-string uses macro `letter` in either case.
bool uses_macro_letter(std::string_view text, char letter);

// nullopt on a syntax error or an expansion longer than kMaxExpansion.
std::optional<std::string> expand(std::string_view text, const MacroContext& ctx, MacroUse use);
// A domain-spec expanded for a query (7.3): a final dot removed, then whole labels cut from
// the left until at most 253 octets remain.
std::optional<std::string> expand_domain(std::string_view spec, const MacroContext& ctx);

// %{i}: dotted quad, or 32 dot-separated lower-case nibbles for IPv6.
std::string ip_dotted(const boost::asio::ip::address& ip);
// %{c}: dotted quad, or the RFC 5952 text form of an IPv6 address.
std::string ip_readable(const boost::asio::ip::address& ip);

}  // namespace portcullis::checks::spf
