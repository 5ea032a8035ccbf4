// The Authentication-Results header field (RFC 8601): writing ours, and reading the
// authserv-id of those already in a message so that ones claiming to be ours can be removed
// before ours is added (RFC 8601 5: a forged field with our authserv-id would otherwise be
// believed by the organisation's mail servers and clients).
//
// The reader takes untrusted header values (fuzzed: tests/fuzz/fuzz_auth_results.cpp): it never
// throws and reads at most a bounded number of octets and comment levels.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::mail {

// One "method=result" clause with its optional comment and properties, e.g.
//   {"spf", "pass", "", {{"smtp.mailfrom", "example.com"}}}
//   {"dkim", "fail", "body hash did not verify", {{"header.d", "example.com"}, {"header.s", "sel"}}}
struct AuthResult {
  std::string method;
  std::string result;
  std::string comment;  // shown as "(...)" after the result; "" for none
  std::vector<std::pair<std::string, std::string>> properties;  // ptype.property, value
};

// The whole field, "Authentication-Results: ID;\r\n\tspf=pass ...;\r\n\tdkim=...\r\n",
// folded one clause per line; "ID; none" when there is no result. Values that are not RFC 2045
// tokens (or addresses local@domain) are written as quoted strings, comments have their
// parentheses and backslashes escaped, and control characters are dropped from both.
std::string authentication_results_field(std::string_view authserv_id, const std::vector<AuthResult>& results);

// The authserv-id at the start of an Authentication-Results value (after any comments and
// folding white space): a token or a quoted string, unquoted. nullopt if there is none.
std::optional<std::string> authserv_id_of(std::string_view value);

// ASCII case-insensitive comparison of two authserv-ids (they are domain names in practice).
bool same_authserv_id(std::string_view a, std::string_view b);

}  // namespace portcullis::mail
