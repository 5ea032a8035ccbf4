// answers.toml reading and writing (see answers_file.hpp), with toml11.
#include "sources/answers_file.hpp"

#include <sstream>
#include <toml.hpp>

#include "core/toml_guard.hpp"

namespace portcullis::firstboot {
namespace {

std::string scalar(const toml::value& v, const std::string& where) {
  if (v.is_string()) return v.as_string().str;
  if (v.is_boolean()) return v.as_boolean() ? "true" : "false";
  if (v.is_integer()) return std::to_string(v.as_integer());
  throw SourceError(where + ": expected a string, true/false, a number or a list of strings");
}

// TOML basic string with every character that needs it escaped.
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          static const char hex[] = "0123456789ABCDEF";
          out += "\\u00";
          out += hex[c >> 4];
          out += hex[c & 15];
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

}  // namespace

AnswerMap parse_answers_toml(const std::string& text, const std::string& name) {
  if (text.size() > 1024 * 1024) throw SourceError(name + ": larger than 1 MiB");
  // Refused before toml11 reads it: toml11 3.7.1 overflows a heap buffer on invalid UTF-8 in a
  // '...' string and its stack on deep nesting (core/toml_guard.hpp). Answers need depth 2.
  if (const auto problem = core::toml_input_problem(text, 16)) throw SourceError(name + ": " + *problem);
  toml::value root;
  try {
    std::istringstream in(text);
    root = toml::parse(in, name);
  } catch (const std::exception& e) {
    throw SourceError(e.what());
  }
  AnswerMap out;
  for (const auto& [section, table] : root.as_table()) {
    if (!table.is_table()) throw SourceError(name + ": '" + section + "' must be a table such as [" + section + "]");
    for (const auto& [key, value] : table.as_table()) {
      const std::string where = name + ": " + section + "." + key;
      if (value.is_table()) throw SourceError(where + ": nested tables are not answers");
      std::string flat;
      if (value.is_array()) {
        for (const auto& item : value.as_array()) {
          if (!item.is_string()) throw SourceError(where + ": expected a list of strings");
          if (item.as_string().str.find(',') != std::string::npos)
            throw SourceError(where + ": a list item cannot contain ','");
          if (!flat.empty()) flat += ",";
          flat += item.as_string().str;
        }
      } else {
        flat = scalar(value, where);
      }
      out[section + "." + key] = flat;
    }
  }
  return out;
}

std::string render_answers_toml(const AnswerMap& answers) {
  std::ostringstream out;
  std::string current;
  for (const auto& [key, value] : answers) {
    const auto dot = key.find('.');
    const std::string section = key.substr(0, dot);
    if (section != current) {
      out << (current.empty() ? "" : "\n") << '[' << section << "]\n";
      current = section;
    }
    out << key.substr(dot + 1) << " = " << quoted(value) << '\n';
  }
  return out.str();
}

}  // namespace portcullis::firstboot
