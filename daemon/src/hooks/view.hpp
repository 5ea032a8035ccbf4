// The `ev` argument of every handler: a read-only view of the session or message (fields)
// and the methods that ask for effects (add_header, add_symbol, redirect, route, ...). The
// view lives only for one handler call: using it afterwards (e.g. kept in an upvalue) is an
// error. Effects are collected in a ScriptEffects and only applied when the handler returns
// without an error; methods not allowed in the current event raise an error.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <lua.hpp>

#include "hooks/event.hpp"

namespace portcullis::hooks {

inline constexpr std::size_t kMaxBodyChunk = 64 * 1024;

struct ScriptEffects {
  std::vector<HeaderEdit> header_edits;
  std::vector<Symbol> symbols;
  std::vector<std::string> add_recipients;
  std::optional<std::vector<std::string>> set_recipients;
  std::string route;
  std::vector<std::string> described;  // human-readable, for traces
};

struct ViewContext {
  const EventData* data = nullptr;
  ScriptEffects* effects = nullptr;
  double score = 0;  // data.score plus what earlier scripts added
};

// Registers the metatable (once per state).
void register_view(lua_State* L);
// Pushes a view of `ctx`; returns a handle to revoke it after the call.
void* push_view(lua_State* L, ViewContext* ctx);
void revoke_view(void* handle);

// A route given to ev:set_route: HOST, HOST:PORT, [ADDRESS] or [ADDRESS]:PORT.
bool valid_route(std::string_view dest);

}  // namespace portcullis::hooks
