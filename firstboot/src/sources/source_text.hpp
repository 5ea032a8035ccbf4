// Text rules shared by the answer sources that arrive from a hypervisor or the boot loader
// (ovf_env, kvp, cmdline): UTF-8 validity and the "section.key" key syntax.
#pragma once
#include <string_view>

#include "core/utf8.hpp"

namespace portcullis::firstboot::detail {

// Strict UTF-8 (core/utf8.hpp).
using core::valid_utf8;

// "section.key": two non-empty runs of [a-z0-9_] joined by one dot.
inline bool answer_key_syntax(std::string_view key) {
  const auto dot = key.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == key.size()) return false;
  for (std::size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    if (i == dot) continue;
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

}  // namespace portcullis::firstboot::detail
