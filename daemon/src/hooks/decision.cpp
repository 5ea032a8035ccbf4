#include "hooks/decision.hpp"

#include <new>

namespace portcullis::hooks {
namespace {

constexpr const char* kDecisionMeta = "portcullis.decision";
constexpr std::size_t kMaxText = 400;

bool printable(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7e) return false;
  return true;
}

// "X.Y.Z" with X a class digit, Y 0-999, Z 0-999 (RFC 3463), followed by a space or the end.
std::size_t enhanced_code_length(std::string_view s) {
  std::size_t i = 0;
  auto digits = [&](std::size_t max) {
    const std::size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < max) ++i;
    return i > start && (i == s.size() || s[i] < '0' || s[i] > '9');
  };
  if (!digits(1) || i >= s.size() || s[i] != '.') return 0;
  ++i;
  if (!digits(3) || i >= s.size() || s[i] != '.') return 0;
  ++i;
  if (!digits(3)) return 0;
  return (i == s.size() || s[i] == ' ') ? i : 0;
}

void push_decision(lua_State* L, Decision d) {
  void* mem = lua_newuserdatauv(L, sizeof(Decision), 0);
  new (mem) Decision(std::move(d));
  luaL_setmetatable(L, kDecisionMeta);
}

int decision_gc(lua_State* L) {
  static_cast<Decision*>(luaL_checkudata(L, 1, kDecisionMeta))->~Decision();
  return 0;
}

int decision_tostring(lua_State* L) {
  const auto* d = static_cast<Decision*>(luaL_checkudata(L, 1, kDecisionMeta));
  std::string s(action_name(d->action));
  if (!d->reply.empty()) s += " " + d->reply;
  if (!d->reason.empty()) s += " (" + d->reason + ")";
  lua_pushlstring(L, s.data(), s.size());
  return 1;
}

// reject([code,] [text]) / tempfail([code,] [text])
int reply_decision(lua_State* L, Action action) {
  const bool permanent = action == Action::reject;
  int code = permanent ? 550 : 451;
  int arg = 1;
  if (lua_type(L, 1) == LUA_TNUMBER) {
    if (!lua_isinteger(L, 1)) return luaL_argerror(L, 1, "reply code must be an integer");
    code = static_cast<int>(lua_tointeger(L, 1));
    arg = 2;
  }
  const char* def = permanent ? "Rejected by local policy" : "Local policy: try again later";
  size_t len = 0;
  const char* text = luaL_optlstring(L, arg, def, &len);
  std::string error;
  auto reply = make_reply(code, std::string_view(text, len), permanent, error);
  if (!reply) return luaL_error(L, "%s", error.c_str());
  push_decision(L, Decision{action, std::move(*reply), {}});
  return 1;
}

int lua_reject(lua_State* L) { return reply_decision(L, Action::reject); }
int lua_tempfail(lua_State* L) { return reply_decision(L, Action::tempfail); }
int lua_accept(lua_State* L) {
  push_decision(L, Decision{Action::accept, {}, {}});
  return 1;
}
int lua_discard(lua_State* L) {
  push_decision(L, Decision{Action::discard, {}, {}});
  return 1;
}
int lua_quarantine(lua_State* L) {
  size_t len = 0;
  const char* reason = luaL_checklstring(L, 1, &len);
  const std::string_view r(reason, len);
  if (r.empty() || r.size() > 200 || !printable(r))
    return luaL_argerror(L, 1, "quarantine reason must be 1-200 printable ASCII characters");
  push_decision(L, Decision{Action::quarantine, {}, std::string(r)});
  return 1;
}

}  // namespace

std::optional<std::string> make_reply(int code, std::string_view text, bool permanent, std::string& error) {
  const int lo = permanent ? 500 : 400;
  if (code < lo || code > lo + 99) {
    error = std::string(permanent ? "reject" : "tempfail") + ": reply code " + std::to_string(code) + " is not " +
            (permanent ? "5xx" : "4xx");
    return std::nullopt;
  }
  if (text.empty() || text.size() > kMaxText || !printable(text)) {
    error = "reply text must be 1-400 printable ASCII characters (no line breaks)";
    return std::nullopt;
  }
  const char cls = permanent ? '5' : '4';
  std::string out = std::to_string(code) + " ";
  if (const std::size_t n = enhanced_code_length(text); n > 0) {
    if (text[0] != cls) {
      error = "enhanced status code " + std::string(text.substr(0, n)) + " does not match reply code " +
              std::to_string(code);
      return std::nullopt;
    }
    out += text;
  } else {
    out += std::string(1, cls) + ".7.1 ";
    out += text;
  }
  return out;
}

void add_decision_api(lua_State* L, int env_index) {
  env_index = lua_absindex(L, env_index);
  if (luaL_newmetatable(L, kDecisionMeta)) {
    lua_pushcfunction(L, decision_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, decision_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
  }
  lua_pop(L, 1);
  const luaL_Reg fns[] = {{"accept", lua_accept},   {"reject", lua_reject},         {"tempfail", lua_tempfail},
                          {"discard", lua_discard}, {"quarantine", lua_quarantine}, {nullptr, nullptr}};
  lua_pushvalue(L, env_index);
  luaL_setfuncs(L, fns, 0);
  lua_pop(L, 1);
}

std::optional<Decision> to_decision(lua_State* L, int index) {
  auto* d = static_cast<Decision*>(luaL_testudata(L, index, kDecisionMeta));
  if (d == nullptr) return std::nullopt;
  return *d;
}

}  // namespace portcullis::hooks
