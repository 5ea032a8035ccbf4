// checks/spf/result.hpp: result names.
#include "checks/spf/result.hpp"

namespace portcullis::checks::spf {

std::string_view to_string(Result result) {
  switch (result) {
    case Result::none: return "none";
    case Result::neutral: return "neutral";
    case Result::pass: return "pass";
    case Result::fail: return "fail";
    case Result::softfail: return "softfail";
    case Result::temperror: return "temperror";
    case Result::permerror: return "permerror";
  }
  return "permerror";
}

}  // namespace portcullis::checks::spf
