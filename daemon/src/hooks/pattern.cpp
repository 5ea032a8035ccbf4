// The Lua side of the bounded pattern matcher (see pattern.hpp): find, match, gmatch and gsub
// with the argument handling and results of Lua 5.4's string library, on top of
// PatternMatcher. Each function carries its step budget as upvalue 1; a PatternError becomes
// a Lua error with the same message (Lua is built as C++ here: its errors are C++ exceptions
// of their own type and pass through the handlers below untouched).
#include "hooks/pattern.hpp"

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include <lua.hpp>

namespace portcullis::hooks {
namespace {

constexpr std::size_t kNoMatch = static_cast<std::size_t>(-1);

// A function's body run so that a C++ exception becomes a Lua error (raised after the handler,
// with the exception object gone).
template <int (*F)(lua_State*)>
int guarded(lua_State* L) {
  char message[200];
  try {
    return F(L);
  } catch (const std::exception& e) {
    std::snprintf(message, sizeof message, "%s", e.what());
  }
  return luaL_error(L, "%s", message);
}

std::size_t budget(lua_State* L) { return static_cast<std::size_t>(lua_tointeger(L, lua_upvalueindex(1))); }

// Lua's posrelatI, minus one: the 0-based start for a 1-based, maybe negative `pos`.
std::size_t start_offset(lua_Integer pos, std::size_t len) {
  if (pos > 0) return static_cast<std::size_t>(pos) - 1;
  if (pos == 0 || pos < -static_cast<lua_Integer>(len)) return 0;
  return len - static_cast<std::size_t>(-pos);
}

std::string_view check_string(lua_State* L, int arg) {
  std::size_t len = 0;
  const char* s = luaL_checklstring(L, arg, &len);
  return {s, len};
}

// Pushes capture `i`; without captures, capture 0 is the whole match [s, e).
void push_capture(lua_State* L, const PatternMatcher& m, std::string_view subject, std::size_t i, std::size_t s,
                  std::size_t e) {
  if (i >= m.captures()) {
    if (i != 0) throw PatternError("invalid capture index %" + std::to_string(i + 1));
    lua_pushlstring(L, subject.data() + s, e - s);
    return;
  }
  const Capture& cap = m.capture(i);
  if (cap.unfinished) throw PatternError("unfinished capture");
  if (cap.position) {
    lua_pushinteger(L, static_cast<lua_Integer>(cap.start) + 1);
  } else {
    lua_pushlstring(L, subject.data() + cap.start, cap.len);
  }
}

// Pushes all captures, or the whole match [s, e) when there are none and `whole` is set.
int push_captures(lua_State* L, const PatternMatcher& m, std::string_view subject, bool whole, std::size_t s,
                  std::size_t e) {
  const std::size_t n = m.captures() == 0 && whole ? 1 : m.captures();
  luaL_checkstack(L, static_cast<int>(n), "too many captures");
  for (std::size_t i = 0; i < n; ++i) push_capture(L, m, subject, i, s, e);
  return static_cast<int>(n);
}

// string.find's plain search (linear: glibc's memmem is a two-way search).
std::size_t find_plain(std::string_view subject, std::size_t init, std::string_view needle) {
  if (needle.empty()) return init;
  if (needle.size() > subject.size() - init) return kNoMatch;
  const void* at = memmem(subject.data() + init, subject.size() - init, needle.data(), needle.size());
  return at == nullptr ? kNoMatch : static_cast<std::size_t>(static_cast<const char*>(at) - subject.data());
}

int find_or_match(lua_State* L, bool find) {
  const std::string_view subject = check_string(L, 1);
  std::string_view pattern = check_string(L, 2);
  const std::size_t init = start_offset(luaL_optinteger(L, 3, 1), subject.size());
  if (init > subject.size()) {
    luaL_pushfail(L);
    return 1;
  }
  if (find && (lua_toboolean(L, 4) != 0 || !pattern_has_specials(pattern))) {
    const std::size_t at = find_plain(subject, init, pattern);
    if (at != kNoMatch) {
      lua_pushinteger(L, static_cast<lua_Integer>(at) + 1);
      lua_pushinteger(L, static_cast<lua_Integer>(at + pattern.size()));
      return 2;
    }
  } else {
    std::size_t steps = budget(L);
    const bool anchor = !pattern.empty() && pattern.front() == '^';
    if (anchor) pattern.remove_prefix(1);
    PatternMatcher m(subject, pattern, steps);
    for (std::size_t s = init; s <= subject.size(); ++s) {
      if (const auto e = m.match(s)) {
        if (!find) return push_captures(L, m, subject, true, s, *e);
        lua_pushinteger(L, static_cast<lua_Integer>(s) + 1);
        lua_pushinteger(L, static_cast<lua_Integer>(*e));
        return 2 + push_captures(L, m, subject, false, s, *e);
      }
      if (anchor) break;
    }
  }
  luaL_pushfail(L);
  return 1;
}

int bounded_find(lua_State* L) { return find_or_match(L, true); }
int bounded_match(lua_State* L) { return find_or_match(L, false); }

// The iterator of gmatch; its upvalues are the subject, the pattern and this state.
struct GmatchState {
  std::size_t next = 0;             // where the search goes on
  std::size_t last_end = kNoMatch;  // end of the previous match (an empty match there is skipped)
  std::size_t steps = 0;            // budget per call of the iterator
};

int gmatch_next(lua_State* L) {
  std::size_t len = 0;
  const char* s = lua_tolstring(L, lua_upvalueindex(1), &len);
  const std::string_view subject(s, len);
  const char* p = lua_tolstring(L, lua_upvalueindex(2), &len);
  auto* state = static_cast<GmatchState*>(lua_touserdata(L, lua_upvalueindex(3)));
  std::size_t steps = state->steps;
  PatternMatcher m(subject, std::string_view(p, len), steps);
  for (std::size_t src = state->next; src <= subject.size(); ++src) {
    const auto e = m.match(src);
    if (e && *e != state->last_end) {
      state->next = state->last_end = *e;
      return push_captures(L, m, subject, true, src, *e);
    }
  }
  state->next = subject.size() + 1;
  return 0;
}

int bounded_gmatch(lua_State* L) {
  const std::string_view subject = check_string(L, 1);
  check_string(L, 2);
  std::size_t init = start_offset(luaL_optinteger(L, 3, 1), subject.size());
  if (init > subject.size()) init = subject.size() + 1;
  const std::size_t steps = budget(L);
  lua_settop(L, 2);  // the strings stay alive as upvalues of the iterator
  void* memory = lua_newuserdatauv(L, sizeof(GmatchState), 0);
  new (memory) GmatchState{init, kNoMatch, steps};
  lua_pushcclosure(L, guarded<gmatch_next>, 3);
  return 1;
}

// gsub's replacement string for the match [s, e): %0-%9 and %%.
void add_replacement(lua_State* L, luaL_Buffer* b, PatternMatcher& m, std::string_view subject, std::size_t s,
                     std::size_t e) {
  std::size_t len = 0;
  const char* repl = lua_tolstring(L, 3, &len);  // a number is converted in place, like Lua does
  m.charge(1 + len / 8);
  const char* pct = nullptr;
  while ((pct = static_cast<const char*>(std::memchr(repl, '%', len))) != nullptr) {
    luaL_addlstring(b, repl, static_cast<std::size_t>(pct - repl));
    ++pct;  // Lua strings end with '\0', so a trailing '%' reads that
    if (*pct == '%') {
      luaL_addchar(b, '%');
    } else if (*pct == '0') {
      luaL_addlstring(b, subject.data() + s, e - s);
    } else if (*pct >= '1' && *pct <= '9') {
      push_capture(L, m, subject, static_cast<std::size_t>(*pct - '1'), s, e);
      luaL_addvalue(b);
    } else {
      throw PatternError("invalid use of '%' in replacement string");
    }
    len -= static_cast<std::size_t>(pct + 1 - repl);
    repl = pct + 1;
  }
  luaL_addlstring(b, repl, len);
}

// Adds the replacement of the match [s, e) to `b`; false if the original text was kept.
bool add_value(lua_State* L, luaL_Buffer* b, PatternMatcher& m, std::string_view subject, std::size_t s,
               std::size_t e, int repl_type) {
  if (repl_type == LUA_TFUNCTION) {
    lua_pushvalue(L, 3);
    const int n = push_captures(L, m, subject, true, s, e);
    lua_call(L, n, 1);
  } else if (repl_type == LUA_TTABLE) {
    push_capture(L, m, subject, 0, s, e);
    lua_gettable(L, 3);
  } else {
    add_replacement(L, b, m, subject, s, e);
    return true;
  }
  if (lua_toboolean(L, -1) == 0) {
    lua_pop(L, 1);
    luaL_addlstring(b, subject.data() + s, e - s);
    return false;
  }
  if (lua_isstring(L, -1) == 0) luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
  luaL_addvalue(b);
  return true;
}

int bounded_gsub(lua_State* L) {
  const std::string_view subject = check_string(L, 1);
  std::string_view pattern = check_string(L, 2);
  const int repl_type = lua_type(L, 3);
  const lua_Integer max_n = luaL_optinteger(L, 4, static_cast<lua_Integer>(subject.size()) + 1);
  luaL_argexpected(L,
                   repl_type == LUA_TNUMBER || repl_type == LUA_TSTRING || repl_type == LUA_TFUNCTION ||
                       repl_type == LUA_TTABLE,
                   3, "string/function/table");
  const bool anchor = !pattern.empty() && pattern.front() == '^';
  if (anchor) pattern.remove_prefix(1);
  std::size_t steps = budget(L);
  PatternMatcher m(subject, pattern, steps);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  std::size_t src = 0;
  std::size_t last_end = kNoMatch;
  lua_Integer n = 0;
  bool changed = false;
  while (n < max_n) {
    const auto e = m.match(src);
    if (e && *e != last_end) {
      ++n;
      changed = add_value(L, &b, m, subject, src, *e, repl_type) || changed;
      src = last_end = *e;
    } else if (src < subject.size()) {
      luaL_addchar(&b, subject[src++]);
    } else {
      break;
    }
    if (anchor) break;
  }
  if (!changed) {
    lua_pushvalue(L, 1);
  } else {
    luaL_addlstring(&b, subject.data() + src, subject.size() - src);
    luaL_pushresult(&b);
  }
  lua_pushinteger(L, n);
  return 2;
}

}  // namespace

void install_bounded_patterns(lua_State* L, int table_index, std::size_t max_steps) {
  table_index = lua_absindex(L, table_index);
  const auto steps = static_cast<lua_Integer>(
      max_steps > static_cast<std::size_t>(LUA_MAXINTEGER) ? static_cast<std::size_t>(LUA_MAXINTEGER) : max_steps);
  const luaL_Reg functions[] = {{"find", guarded<bounded_find>},
                                {"match", guarded<bounded_match>},
                                {"gmatch", guarded<bounded_gmatch>},
                                {"gsub", guarded<bounded_gsub>}};
  for (const auto& f : functions) {
    lua_pushinteger(L, steps);
    lua_pushcclosure(L, f.func, 1);
    lua_setfield(L, table_index, f.name);
  }
}

}  // namespace portcullis::hooks
