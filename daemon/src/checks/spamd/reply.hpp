// spamd's answer to CHECK, SYMBOLS or REPORT (SpamAssassin's spamd/PROTOCOL, SPAMC/1.5), read
// as a pure function of the octets (fuzzed):
//   SPAMD/1.1 0 EX_OK\r\n
//   Content-length: 55\r\n                 (SYMBOLS, REPORT; absent for CHECK)
//   Spam: True ; 1000.0 / 5.0\r\n          (True/False; Yes/No in older forms)
//   \r\n
//   GTUBE,MSGID_SHORT,NO_RECEIVED          (SYMBOLS: comma-separated; REPORT: the report text)
// A status other than 0 ("SPAMD/1.0 76 Bad header line: ...") is an error carrying spamd's
// code and text. Strict and bounded: a reply over kMaxSpamdReply octets, a status line or
// header that is not CRLF-ended, more than kMaxSpamdHeaders headers, a missing or repeated
// Spam header, a score that is not a finite number, a body whose length differs from its
// Content-length, a symbol that is not a rule name (letters, digits, '_'; at most
// kMaxSymbolLength) or more than kMaxSymbols of them: each an error saying which.
#pragma once
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::checks::scanner {

inline constexpr std::size_t kMaxSpamdReply = 1024 * 1024;
inline constexpr std::size_t kMaxSpamdHeaders = 64;
inline constexpr std::size_t kMaxSymbols = 1000;
inline constexpr std::size_t kMaxSymbolLength = 128;
inline constexpr double kMaxSpamdScore = 1e9;  // |score|, |threshold|

enum class SpamdMode {
  check,    // CHECK: the verdict and the score
  symbols,  // SYMBOLS: also the names of the rules that hit
  report,   // REPORT: also SpamAssassin's report text
};

// "CHECK", "SYMBOLS", "REPORT".
std::string_view to_string(SpamdMode mode);

struct SpamdReply {
  bool ok = false;          // a well-formed EX_OK reply; the fields below are set
  int code = -1;            // spamd's status (sysexits.h: 0 EX_OK, 76 EX_PROTOCOL...), -1 unparsed
  std::string error = {};   // when !ok: what is wrong (printable, bounded)
  bool spam = false;
  double score = 0.0;
  double threshold = 0.0;
  std::vector<std::string> symbols = {};  // SYMBOLS
  std::string report = {};                // REPORT: the body as spamd sent it (LF line ends)
};

SpamdReply parse_spamd_reply(std::string_view reply, SpamdMode mode);

// PING's answer: "SPAMD/1.5 0 PONG\r\n".
bool is_spamd_pong(std::string_view reply);

}  // namespace portcullis::checks::scanner
