// A scored finding of a connection-level check (HELO, sender domain): the symbol name that goes
// into the message log and the verdict's sum, its score, and a few words for the log; and the
// admin's rule for one kind of finding (its score, and whether it refuses the command).
#pragma once
#include <string>

namespace portcullis::checks::reputation {

struct Rule {
  bool reject = false;
  double score = 0;
};

struct Symbol {
  std::string name;   // "HELO_NOT_FQDN", "SENDER_NXDOMAIN", ...
  double score = 0;
  std::string detail = {};  // printable, for the log: what was seen
};

}  // namespace portcullis::checks::reputation
