// The declarative rule library (hooks/rulebook.lua), compiled into the daemon: its Lua source
// runs in each script's sandbox before the script and gives it rule{...} and setting(...).
#pragma once
#include <string_view>

namespace portcullis::hooks {
std::string_view rulebook_source();
}
