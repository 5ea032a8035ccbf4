#include "hooks/sandbox.hpp"

#include <array>
#include <string_view>

#include "core/log.hpp"
#include "hooks/pattern.hpp"

namespace portcullis::hooks {
namespace {

constexpr const char* kTemplate = "portcullis.sandbox";  // registry: the safe libraries, copied per script

constexpr std::array kBase{"assert",   "error",  "ipairs",   "next",         "pairs", "pcall",
                           "xpcall",   "select", "tonumber", "tostring",     "type",  "rawequal",
                           "rawlen",   "rawget", "getmetatable", "_VERSION"};
constexpr std::array kLibraries{"string", "table", "math", "utf8"};

// Copies every field of the table at `src` into a new table (pushed), except those named in `skip`.
void push_copy(lua_State* L, int src, std::initializer_list<std::string_view> skip = {}) {
  src = lua_absindex(L, src);
  lua_newtable(L);
  lua_pushnil(L);
  while (lua_next(L, src) != 0) {
    bool skipped = false;
    if (lua_type(L, -2) == LUA_TSTRING) {
      const std::string_view key = lua_tostring(L, -2);
      for (auto s : skip) skipped = skipped || key == s;
    }
    if (skipped) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
}

// setmetatable(t, mt) for tables only, refusing __gc: a finalizer would run during garbage
// collection, where Lua switches debug hooks off, i.e. outside every limit.
int safe_setmetatable(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  const int t = lua_type(L, 2);
  luaL_argexpected(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table");
  if (luaL_getmetafield(L, 1, "__metatable") != LUA_TNIL) return luaL_error(L, "cannot change a protected metatable");
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "__gc");
    if (lua_rawget(L, 2) != LUA_TNIL) return luaL_error(L, "setmetatable: __gc metamethods are not allowed");
    lua_pop(L, 1);
  }
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

// print(...): the arguments, tab-separated, as one log line of the script.
int safe_print(lua_State* L) {
  const int n = lua_gettop(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  for (int i = 1; i <= n; ++i) {
    if (i > 1) luaL_addchar(&b, '\t');
    luaL_tolstring(L, i, nullptr);
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  std::string_view text = lua_tostring(L, -1);
  if (text.size() > 2000) text = text.substr(0, 2000);
  log::info("lua_print", {{"script", lua_tostring(L, lua_upvalueindex(1))}, {"text", text}});
  return 0;
}

int readonly_newindex(lua_State* L) {
  return luaL_error(L, "global '%s' cannot be set in an event handler (use a local variable or kv)",
                    luaL_tolstring(L, 2, nullptr));
}

}  // namespace

void prepare_sandbox(LuaState& state) {
  lua_State* L = state.get();
  luaL_requiref(L, "_G", luaopen_base, 0);
  luaL_requiref(L, "string", luaopen_string, 0);
  luaL_requiref(L, "table", luaopen_table, 0);
  luaL_requiref(L, "math", luaopen_math, 0);
  luaL_requiref(L, "utf8", luaopen_utf8, 0);
  luaL_requiref(L, "os", luaopen_os, 0);
  const int base = lua_absindex(L, -6);
  const int os = lua_absindex(L, -1);

  lua_newtable(L);  // the template
  const int tmpl = lua_gettop(L);
  for (const char* name : kBase) {
    lua_getfield(L, base, name);
    lua_setfield(L, tmpl, name);
  }
  lua_pushcfunction(L, safe_setmetatable);
  lua_setfield(L, tmpl, "setmetatable");
  for (int i = 0; i < static_cast<int>(kLibraries.size()); ++i) {
    if (std::string_view(kLibraries[static_cast<std::size_t>(i)]) == "string") {
      push_copy(L, base + 1, {"dump"});
      install_bounded_patterns(L, lua_gettop(L), state.limits().pattern_steps);
    } else {
      push_copy(L, base + 1 + i);
    }
    lua_setfield(L, tmpl, kLibraries[static_cast<std::size_t>(i)]);
  }
  lua_newtable(L);
  for (const char* name : {"time", "clock", "date"}) {
    lua_getfield(L, os, name);
    lua_setfield(L, -2, name);
  }
  lua_setfield(L, tmpl, "os");

  // Methods on strings ("x"):find(...) go to a private copy of the safe string table; the
  // metatable itself cannot be reached (getmetatable("") is false) nor changed.
  lua_pushliteral(L, "");
  lua_getmetatable(L, -1);
  lua_getfield(L, tmpl, "string");
  push_copy(L, -1);
  lua_setfield(L, -3, "__index");
  lua_pop(L, 1);
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 2);

  lua_setfield(L, LUA_REGISTRYINDEX, kTemplate);
  lua_settop(L, 0);
}

void push_script_env(LuaState& state, const std::string& script) {
  lua_State* L = state.get();
  lua_getfield(L, LUA_REGISTRYINDEX, kTemplate);
  const int tmpl = lua_gettop(L);
  lua_newtable(L);
  const int env = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, tmpl) != 0) {
    if (lua_type(L, -1) == LUA_TTABLE) {
      push_copy(L, -1);  // each script gets its own library tables
      lua_remove(L, -2);
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, env);
  }
  lua_pushstring(L, script.c_str());
  lua_pushcclosure(L, safe_print, 1);
  lua_setfield(L, env, "print");
  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");
  lua_remove(L, tmpl);
}

void freeze_chunk_env(lua_State* L, int chunk_index, int env_index) {
  chunk_index = lua_absindex(L, chunk_index);
  env_index = lua_absindex(L, env_index);
  lua_newtable(L);  // the proxy
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, env_index);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, readonly_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  lua_setfield(L, env_index, "_G");  // _G inside the script is the read-only view too
  if (lua_setupvalue(L, chunk_index, 1) == nullptr) lua_pop(L, 1);
}

}  // namespace portcullis::hooks
