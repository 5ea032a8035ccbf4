#include "hooks/seal.hpp"

#include <cstring>

namespace portcullis::hooks {
namespace {

bool kept_key(lua_State* L, int key_index) {
  if (lua_type(L, key_index) != LUA_TSTRING) return false;
  return std::strncmp(lua_tostring(L, key_index), "__", 2) == 0;
}

int sealed_newindex(lua_State* L) {
  return luaL_error(L,
                    "read-only table: rules keep no state between events (key '%s'; use a local table "
                    "or kv)",
                    luaL_tolstring(L, 2, nullptr));
}

// __len: the length of the hidden contents (upvalue 1).
int sealed_len(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(lua_rawlen(L, lua_upvalueindex(1))));
  return 1;
}

// The iterator __pairs returns: next over the hidden contents (upvalue 1), called with the
// sealed table itself as its state, so the hidden table never reaches the script.
int sealed_next(lua_State* L) {
  lua_settop(L, 2);
  if (lua_next(L, lua_upvalueindex(1)) != 0) return 2;
  lua_pushnil(L);
  return 1;
}

int sealed_pairs(lua_State* L) {
  lua_getmetatable(L, 1);  // the sealed table's own metatable (raw: __metatable does not apply)
  lua_pushliteral(L, "__index");
  lua_rawget(L, -2);
  lua_pushcclosure(L, sealed_next, 1);
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

// State of one walk: the stack holds, at fixed indices, the visited set, the work list, the
// list of tables to seal and the restore record.
struct Walk {
  lua_State* L;
  int visited;
  int work;
  int tables;
  int record;
  lua_Integer work_n = 0;
  lua_Integer tables_n = 0;
  lua_Integer record_n = 0;

  // Queues the value at `index` if it is a table or a Lua function not seen yet.
  void visit(int index) {
    index = lua_absindex(L, index);
    const int t = lua_type(L, index);
    if (t != LUA_TTABLE && !(t == LUA_TFUNCTION && !lua_iscfunction(L, index))) return;
    lua_pushvalue(L, index);
    if (lua_rawget(L, visited) != LUA_TNIL) {
      lua_pop(L, 1);
      return;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, index);
    lua_pushboolean(L, 1);
    lua_rawset(L, visited);
    lua_pushvalue(L, index);
    lua_rawseti(L, work, ++work_n);
  }

  void remember(int holder_index, int key_or_upvalue_index, bool upvalue) {
    // record entries: holder, key (or upvalue number), value, kind (true = upvalue)
    holder_index = lua_absindex(L, holder_index);
    lua_pushvalue(L, holder_index);
    lua_rawseti(L, record, ++record_n);
    if (upvalue) {
      lua_pushinteger(L, key_or_upvalue_index);
    } else {
      lua_pushvalue(L, key_or_upvalue_index);
    }
    lua_rawseti(L, record, ++record_n);
    lua_pushvalue(L, -1);  // the value is at the top (pushed by the caller)
    lua_rawseti(L, record, ++record_n);
    lua_pushboolean(L, upvalue ? 1 : 0);
    lua_rawseti(L, record, ++record_n);
  }

  void run() {
    for (lua_Integer i = 1; i <= work_n; ++i) {
      lua_rawgeti(L, work, i);
      const int item = lua_gettop(L);
      if (lua_type(L, item) == LUA_TFUNCTION) {
        for (int n = 1;; ++n) {
          if (lua_getupvalue(L, item, n) == nullptr) break;
          // Closures share the cells of the locals they capture: restore each cell once.
          lua_pushlightuserdata(L, lua_upvalueid(L, item, n));
          if (lua_rawget(L, visited) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushlightuserdata(L, lua_upvalueid(L, item, n));
            lua_pushboolean(L, 1);
            lua_rawset(L, visited);
            remember(item, n, true);
          } else {
            lua_pop(L, 1);
          }
          visit(-1);
          lua_pop(L, 1);
        }
      } else {
        lua_pushnil(L);
        while (lua_next(L, item) != 0) {
          visit(-2);
          visit(-1);
          if (kept_key(L, -2)) remember(item, lua_gettop(L) - 1, false);
          lua_pop(L, 1);
        }
        if (lua_getmetatable(L, item)) {
          visit(-1);
          lua_pop(L, 1);
        }
        lua_pushvalue(L, item);
        lua_rawseti(L, tables, ++tables_n);
      }
      lua_pop(L, 1);
    }
  }
};

// Builds the hidden contents and the new metatable of the table at `t` (nothing changed yet):
// pushes the hidden table and the metatable.
void prepare(lua_State* L, int t) {
  lua_newtable(L);  // hidden contents
  const int hidden = lua_gettop(L);
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    if (kept_key(L, -2)) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, hidden);
  }
  lua_newtable(L);  // the new metatable
  const int meta = lua_gettop(L);
  const bool had_meta = lua_getmetatable(L, t) != 0;
  if (had_meta) {
    const int old = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, old) != 0) {  // keep its other metamethods (__call, __tostring, __eq...)
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, meta);
    }
    // Lookups that miss the contents continue where the old metatable sent them.
    lua_pushliteral(L, "__index");
    lua_rawget(L, old);
    if (!lua_isnil(L, -1)) {
      lua_newtable(L);
      lua_insert(L, -2);
      lua_setfield(L, -2, "__index");
      lua_setmetatable(L, hidden);
    } else {
      lua_pop(L, 1);
    }
    lua_pushliteral(L, "__metatable");
    if (lua_rawget(L, meta) == LUA_TNIL) {
      lua_pop(L, 1);
      lua_setfield(L, meta, "__metatable");  // getmetatable() still answers the old one
    } else {
      lua_pop(L, 2);  // the old metatable's own __metatable was copied
    }
  } else {
    lua_pushboolean(L, 0);
    lua_setfield(L, meta, "__metatable");
  }
  lua_pushvalue(L, hidden);
  lua_setfield(L, meta, "__index");
  lua_pushcfunction(L, sealed_newindex);
  lua_setfield(L, meta, "__newindex");
  lua_pushvalue(L, hidden);
  lua_pushcclosure(L, sealed_len, 1);
  lua_setfield(L, meta, "__len");
  lua_pushcfunction(L, sealed_pairs);
  lua_setfield(L, meta, "__pairs");
}

// Empties the table at `t` except its "__" keys and gives it `meta` (at the top).
void hollow(lua_State* L, int t) {
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    lua_pop(L, 1);
    if (kept_key(L, -1)) continue;
    lua_pushvalue(L, -1);
    lua_pushnil(L);
    lua_rawset(L, t);  // clearing a field during traversal is allowed
  }
  lua_setmetatable(L, t);
}

}  // namespace

int seal_script(lua_State* L, int env_index, int proxy_index) {
  env_index = lua_absindex(L, env_index);
  proxy_index = lua_absindex(L, proxy_index);
  lua_newtable(L);
  lua_newtable(L);
  lua_newtable(L);
  lua_newtable(L);
  Walk w{L, lua_gettop(L) - 3, lua_gettop(L) - 2, lua_gettop(L) - 1, lua_gettop(L)};
  for (int skip : {env_index, proxy_index}) {
    lua_pushvalue(L, skip);
    lua_pushboolean(L, 1);
    lua_rawset(L, w.visited);
  }
  lua_pushnil(L);
  while (lua_next(L, env_index) != 0) {
    w.visit(-1);
    lua_pop(L, 1);
  }
  w.run();
  // Build every replacement first, then hollow: a table's old metatable may itself be sealed.
  lua_createtable(L, static_cast<int>(w.tables_n * 2), 0);
  const int prepared = lua_gettop(L);
  for (lua_Integer i = 1; i <= w.tables_n; ++i) {
    lua_rawgeti(L, w.tables, i);
    prepare(L, lua_gettop(L));
    lua_rawseti(L, prepared, 2 * i);  // the metatable
    lua_pop(L, 1);                    // the hidden table (reached through the metatable)
    lua_pop(L, 1);
  }
  for (lua_Integer i = 1; i <= w.tables_n; ++i) {
    lua_rawgeti(L, w.tables, i);
    const int t = lua_gettop(L);
    lua_rawgeti(L, prepared, 2 * i);
    hollow(L, t);
    lua_pop(L, 1);
  }
  lua_pushvalue(L, w.record);
  const int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 5);
  return ref;
}

void restore_sealed(lua_State* L, int record_ref) {
  if (record_ref == LUA_NOREF || record_ref == LUA_REFNIL) return;
  lua_rawgeti(L, LUA_REGISTRYINDEX, record_ref);
  const int record = lua_gettop(L);
  const auto n = static_cast<lua_Integer>(lua_rawlen(L, record));
  for (lua_Integer i = 1; i + 3 <= n; i += 4) {
    lua_rawgeti(L, record, i);      // holder
    lua_rawgeti(L, record, i + 3);  // kind
    const bool upvalue = lua_toboolean(L, -1) != 0;
    lua_pop(L, 1);
    if (upvalue) {
      lua_rawgeti(L, record, i + 1);
      const int number = static_cast<int>(lua_tointeger(L, -1));
      lua_pop(L, 1);
      lua_rawgeti(L, record, i + 2);  // the loaded value
      lua_getupvalue(L, -2, number);  // the current one: most handlers change nothing
      const bool same = lua_rawequal(L, -1, -2) != 0;
      lua_pop(L, 1);
      if (same || lua_setupvalue(L, -2, number) == nullptr) lua_pop(L, 1);
    } else {
      lua_rawgeti(L, record, i + 1);
      lua_rawgeti(L, record, i + 2);
      lua_rawset(L, -3);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

}  // namespace portcullis::hooks
