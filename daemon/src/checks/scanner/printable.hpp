// Text taken from a scanner's reply (or an admin's setting) shown in a result's detail or a log
// line: octets outside printable ASCII become '?', and the text is cut to a bound with "...".
#pragma once
#include <cstddef>
#include <string>
#include <string_view>

namespace portcullis::checks::scanner {

std::string printable(std::string_view text, std::size_t max = 200);

}  // namespace portcullis::checks::scanner
