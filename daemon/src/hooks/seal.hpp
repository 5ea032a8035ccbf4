// Sealing a loaded script, so that no state passes from one event to the next except through
// the key/value API (issue: "no state shared between sessions").
//
// A worker keeps one Lua state for many events, and a script's top level runs once. After it
// has run, seal_script() walks everything the script can reach from its globals — tables,
// and the upvalues of its Lua functions — and
//  - makes every table read-only in place: its contents move to a hidden table that the
//    original reaches through __index, __len and __pairs; a write raises
//    "read-only table ... (use a local table or kv)". Keys starting with "__" stay in the
//    table itself, so it still works as a metatable (class tables);
//  - records the value of every upvalue and of every "__" key it kept.
// restore_sealed() puts the recorded values back after each handler call, so a `local count`
// of the file that a handler changes starts from its loaded value at the next event.
// Tables that did not exist at load time (created during a call) are the call's own.
// What a sealed table no longer does: rawget/next/rawlen see only its "__" keys (pairs, ipairs,
// # and indexing work as before).
#pragma once
#include <lua.hpp>

namespace portcullis::hooks {

// Seals what the script whose global table is at `env_index` can reach. The tables at
// `skip_index...` (the global table itself and its read-only proxy) are left alone. Returns a
// registry reference to the record restore_sealed() needs. Raises Lua errors (memory): call it
// inside lua_pcall.
int seal_script(lua_State* L, int env_index, int proxy_index);

// Restores the upvalues and kept keys recorded by seal_script. Never raises (no allocation).
void restore_sealed(lua_State* L, int record_ref);

}  // namespace portcullis::hooks
