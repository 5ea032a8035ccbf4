// The RFC 5322 3.2.2-3.2.4 lexical pieces that every structured header field parser needs:
// comments (nested, with quoted-pairs), CFWS, quoted strings and domain literals. Each scanner
// takes the value and the index of the opening character and returns the index just after
// the closing one, or nullopt when the construct is not closed (or nests too deeply).
// Used by the Authentication-Results reader (mail/auth_results) and DMARC's From parser
// (checks/dmarc/author). Pure code.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace portcullis::mail {

constexpr std::size_t kMaxCommentDepth = 64;

bool is_fws_char(char c);  // SP, HTAB, CR, LF (folded values keep their CRLF)

// v[i] == '(': a comment, comments nested at most max_depth deep.
std::optional<std::size_t> skip_comment(std::string_view v, std::size_t i, std::size_t max_depth = kMaxCommentDepth);
// White space and comments from i on; nullopt on a broken comment.
std::optional<std::size_t> skip_cfws(std::string_view v, std::size_t i, std::size_t max_depth = kMaxCommentDepth);
// v[i] == '"': a quoted string (quoted-pairs allowed).
std::optional<std::size_t> skip_quoted_string(std::string_view v, std::size_t i);
// v[i] == '[': a domain literal (quoted-pairs allowed, no '[' inside).
std::optional<std::size_t> skip_domain_literal(std::string_view v, std::size_t i);
// The content of a quoted string as scanned by skip_quoted_string (quotes removed, quoted-pairs
// resolved): `quoted` is the whole "..." token.
std::string unquote(std::string_view quoted);

}  // namespace portcullis::mail
