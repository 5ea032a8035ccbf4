// The seven results of an SPF check (RFC 7208 2.6), named as in Received-SPF (RFC 7208 9.1)
// and Authentication-Results (RFC 8601 2.7.2).
#pragma once
#include <string_view>

namespace portcullis::checks::spf {

enum class Result { none, neutral, pass, fail, softfail, temperror, permerror };

// "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror".
std::string_view to_string(Result result);

}  // namespace portcullis::checks::spf
