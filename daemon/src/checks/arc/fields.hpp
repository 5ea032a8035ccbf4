// The three header fields of an ARC Set (RFC 8617 4.1), parsed strictly:
//
//   ARC-Authentication-Results: i=N; authserv-id; results        (AAR, 4.1.1)
//     "i" [CFWS] "=" [CFWS] 1*2DIGIT [CFWS] ";" then an RFC 8601 authres-payload: the
//     authserv-id (a token or a quoted string, comments allowed around it), an optional
//     version, then ";" and the results (or "none"). i= must come first.
//   ARC-Message-Signature: a DKIM-Signature tag list (AMS, 4.1.2)
//     required a=, b=, bh=, d=, h=, i=, s=; optional c= (default simple/simple), t=, x=, l=,
//     q= (must offer dns/txt); v= is ignored (RFC 8617 4.1.2: "if seen, MUST be ignored");
//     i= is the instance, not DKIM's AUID. h= follows RFC 6376 3.5 (names of one or more
//     ftext octets, From among them, 6.1.1) and may not list ARC-Seal (4.1.2).
//   ARC-Seal: i=, cv=, a=, b=, d=, s= required, t= optional (AS, 4.1.3). h= is forbidden
//     ("MUST result in a cv status of fail"); bh= and other unknown tags are ignored.
//
// Tag lists are RFC 6376 3.2 ones (checks/dkim/tags.hpp) with one more rule: an empty
// tag-spec (";;", a leading ";") is an error, as the ABNF has it (a single trailing ";" is
// allowed). Tag names are case-sensitive; cv=, a= and c= values compare case-insensitively
// (ABNF literals). Instances are 1..50 (4.2.1).
//
// Each parser fills its struct as far as it got and sets `problem` (a few words) when the
// field is unusable. Untrusted input (fuzzed: tests/fuzz/fuzz_arc_header.cpp): never throws,
// bounded by the tag parser's limits.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checks/dkim/types.hpp"

namespace portcullis::checks::arc {

inline constexpr int kMaxInstance = 50;  // RFC 8617 4.2.1

// Chain Validation Status (RFC 8617 4.2.2): the cv= of an ARC-Seal and the result of validation.
enum class Cv { none, pass, fail };
std::string_view to_string(Cv cv);        // "none", "pass", "fail"
std::optional<Cv> parse_cv(std::string_view text);  // case-insensitive; anything else nullopt

enum class FieldKind { auth_results, message_signature, seal };
// "ARC-Authentication-Results", "ARC-Message-Signature", "ARC-Seal" (any case); nullopt otherwise.
std::optional<FieldKind> field_kind(std::string_view name);
std::string_view field_name(FieldKind kind);  // as we write it

struct AuthResultsField {
  int instance = 0;
  std::string authserv_id;  // unquoted
  std::string results;      // what follows the authserv-id's ";" (unfolded, trimmed), e.g. "spf=pass ..."
};
struct AuthResultsParse {
  AuthResultsField field;
  std::string problem;  // empty when usable
  bool ok() const { return problem.empty(); }
};
// `value`: everything after the colon, folding kept.
AuthResultsParse parse_auth_results(std::string_view value);

struct MessageSignature {
  int instance = 0;
  dkim::Algorithm algorithm = dkim::Algorithm::rsa_sha256;
  std::string algorithm_text;  // a= as written
  dkim::Canon header_canon = dkim::Canon::simple;
  dkim::Canon body_canon = dkim::Canon::simple;
  std::string domain;                    // d=
  std::string selector;                  // s=
  std::vector<std::string> headers;      // h=, names as written
  std::string body_hash;                 // bh= decoded
  std::string signature;                 // b= decoded
  std::string b_text;                    // b= without whitespace
  std::optional<std::uint64_t> body_length;  // l=
  std::optional<std::int64_t> timestamp;     // t=
  std::optional<std::int64_t> expiration;    // x=
  // The b= value in the field's value: [begin, end) is what the header hash leaves out.
  std::size_t b_value_begin = 0;
  std::size_t b_value_end = 0;
  std::string key_name() const;  // "SELECTOR._domainkey.DOMAIN"
};
struct MessageSignatureParse {
  MessageSignature sig;
  std::string problem;
  bool ok() const { return problem.empty(); }
};

struct Seal {
  int instance = 0;
  Cv cv = Cv::none;
  dkim::Algorithm algorithm = dkim::Algorithm::rsa_sha256;
  std::string algorithm_text;
  std::string domain;
  std::string selector;
  std::string signature;  // b= decoded
  std::string b_text;
  std::optional<std::int64_t> timestamp;
  std::size_t b_value_begin = 0;
  std::size_t b_value_end = 0;
  std::string key_name() const;
};
struct SealParse {
  Seal seal;
  std::string problem;
  bool ok() const { return problem.empty(); }
};

struct FieldLimits {
  std::size_t max_bytes = 64 * 1024;  // of the field value
  std::size_t max_headers = 512;      // names in an AMS h=
};

MessageSignatureParse parse_message_signature(std::string_view value, FieldLimits limits = {});
SealParse parse_seal(std::string_view value, FieldLimits limits = {});

// The instance of an ARC field of any kind when its i= can be read (for collecting the sets
// of a chain whose fields are otherwise broken): the AAR's leading "i=N;", the i= tag of a
// well-formed tag list. nullopt when there is none or it is outside 1..50.
std::optional<int> field_instance(FieldKind kind, std::string_view value);

}  // namespace portcullis::checks::arc
