// answers.toml: the answers as a TOML file (--answers FILE, the seed disk, the kernel command
// line's inline form), one table per section:
//
//   [system]
//   hostname = "mx.example.org"
//   [mail]
//   destination = "exchange.example.org:25"
//   relay_networks = ["192.0.2.0/24", "2001:db8::/48"]
//
// Values: strings, booleans, integers, or arrays of strings (joined with ","). Nested tables
// and other types are refused, so a mistake is reported instead of being ignored.
#pragma once
#include <string>

#include "answers.hpp"

namespace portcullis::firstboot {

// Throws SourceError naming `name` and the problem (TOML syntax errors carry the line).
AnswerMap parse_answers_toml(const std::string& text, const std::string& name);

// The map as TOML text that parse_answers_toml reads back to the same map (the state file).
std::string render_answers_toml(const AnswerMap& answers);

}  // namespace portcullis::firstboot
