// clamd's answer to an INSTREAM scan (zINSTREAM form: one reply ended by a NUL octet), read as
// a pure function of the octets (fuzzed):
//   "stream: OK"                            clean
//   "stream: Eicar-Test-Signature FOUND"    infected, with the signature's name
//   "INSTREAM size limit exceeded. ERROR"   more than clamd's StreamMaxLength
//   "... ERROR", anything else              error, with the text
// One final NUL (or newline) is removed; a reply longer than kMaxClamdReply, empty, or holding
// another NUL or newline (more than one reply) is an error. A FOUND reply is always infected,
// even with a strange name (shown printable and bounded): a detection is never lost.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace portcullis::checks::scanner {

inline constexpr std::size_t kMaxClamdReply = 4096;
inline constexpr std::size_t kMaxVirusName = 200;

struct ClamdReply {
  enum class Kind { clean, infected, size_limit, error };
  Kind kind = Kind::error;
  std::string virus = {};  // infected: the signature name (printable ASCII, at most kMaxVirusName)
  std::string text = {};   // the reply as printable text (bounded), or what is wrong with it
};

ClamdReply parse_clamd_reply(std::string_view reply);

// zPING's answer: "PONG" (with its NUL or newline).
bool is_clamd_pong(std::string_view reply);

}  // namespace portcullis::checks::scanner
