// checks/dmarc/types.hpp: the names of the results, policies and alignment modes.
#include "checks/dmarc/types.hpp"

namespace portcullis::checks::dmarc {

std::string_view to_string(Result result) {
  switch (result) {
    case Result::none: return "none";
    case Result::pass: return "pass";
    case Result::fail: return "fail";
    case Result::temperror: return "temperror";
    case Result::permerror: return "permerror";
  }
  return "none";
}

std::string_view to_string(Policy policy) {
  switch (policy) {
    case Policy::none: return "none";
    case Policy::quarantine: return "quarantine";
    case Policy::reject: return "reject";
  }
  return "none";
}

std::string_view to_string(Alignment alignment) { return alignment == Alignment::strict ? "s" : "r"; }

Policy weaker(Policy policy) {
  switch (policy) {
    case Policy::reject: return Policy::quarantine;
    case Policy::quarantine:
    case Policy::none: return Policy::none;
  }
  return Policy::none;
}

}  // namespace portcullis::checks::dmarc
