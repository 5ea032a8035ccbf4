// The answer of a scanner's PING (clamd's zPING, spamd's PING): whether it is up, and if not why.
#pragma once
#include <string>

namespace portcullis::checks::scanner {

struct PingResult {
  bool ok = false;
  bool timed_out = false;   // no answer within the timeout
  std::string detail = {};  // what went wrong (printable), empty when ok
};

}  // namespace portcullis::checks::scanner
