// The sandbox every rule script runs in. prepare_sandbox() sets a fresh LuaState up once:
// it opens only the safe standard libraries, replaces the pattern functions of `string` with
// bounded ones (hooks/pattern), and locks the string metatable. push_script_env() then builds
// one script's global table: fresh copies of the safe functions and libraries (so a script
// changing `string.lower` changes only its own copy) and nothing else:
//   base: assert error ipairs next pairs pcall xpcall select tonumber tostring type rawequal
//         rawlen rawget getmetatable setmetatable (refuses __gc) print (logs)
//   string (no dump; bounded find/match/gmatch/gsub), table, math, utf8, os.time/clock/date.
// Not there: io, os.execute/getenv/remove/..., debug, package/require, dofile/loadfile,
// load, collectgarbage, rawset, coroutine, string.dump, and binary chunks (files load as text).
// After a script's chunk has run, freeze_chunk_env() swaps the chunk's _ENV for a read-only
// proxy, so an event handler cannot leave values behind in a global for the next session;
// hooks/seal.hpp then seals the tables and upvalues the script can reach.
#pragma once
#include <string>

#include "hooks/lua_state.hpp"

namespace portcullis::hooks {

void prepare_sandbox(LuaState& state);
// Pushes a new global table for the script `script` (its name is used by print).
void push_script_env(LuaState& state, const std::string& script);
// The function at `chunk_index` was loaded with the table at `env_index` as _ENV and has run:
// gives it (and every function it defined) a read-only view of that table instead.
void freeze_chunk_env(lua_State* L, int chunk_index, int env_index);

}  // namespace portcullis::hooks
