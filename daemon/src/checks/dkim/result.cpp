// checks/dkim/result.hpp: RFC 8601 result names.
#include "checks/dkim/result.hpp"

namespace portcullis::checks::dkim {

std::string_view to_string(Result result) {
  switch (result) {
    case Result::none: return "none";
    case Result::pass: return "pass";
    case Result::fail: return "fail";
    case Result::neutral: return "neutral";
    case Result::policy: return "policy";
    case Result::temperror: return "temperror";
    case Result::permerror: return "permerror";
  }
  return "?";
}

}  // namespace portcullis::checks::dkim
