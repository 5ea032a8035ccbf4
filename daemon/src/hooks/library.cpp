#include "hooks/library.hpp"

#include <boost/asio/ip/address.hpp>
#include <chrono>

#include "core/log.hpp"
#include "mail/address.hpp"
#include "policy/cidr.hpp"

namespace portcullis::hooks {
namespace {

constexpr std::size_t kMaxLogText = 2000;
constexpr std::string_view kKvPrefix = "lua:";

std::string_view arg_view(lua_State* L, int i) {
  size_t len = 0;
  const char* p = luaL_checklstring(L, i, &len);
  return {p, len};
}

std::string_view clip(std::string_view s) { return s.size() > kMaxLogText ? s.substr(0, kMaxLogText) : s; }

// ---- log ----

int log_at(lua_State* L, log::Level level) {
  const std::string_view msg = clip(luaL_tolstring(L, 1, nullptr));
  const std::string_view script = lua_tostring(L, lua_upvalueindex(1));
  std::string extra;  // the optional fields table as "k=v k=v"
  if (lua_istable(L, 2)) {
    lua_pushnil(L);
    for (int n = 0; lua_next(L, 2) != 0 && n < 40; ++n) {
      if (lua_type(L, -2) == LUA_TSTRING) {
        if (!extra.empty()) extra += ' ';
        extra += clip(lua_tostring(L, -2));
        extra += '=';
        extra += clip(luaL_tolstring(L, -1, nullptr));
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
  }
  if (extra.empty()) {
    log::write(level, "lua", {{"script", script}, {"msg", msg}});
  } else {
    log::write(level, "lua", {{"script", script}, {"msg", msg}, {"fields", clip(extra)}});
  }
  return 0;
}

int log_debug(lua_State* L) { return log_at(L, log::Level::debug); }
int log_info(lua_State* L) { return log_at(L, log::Level::info); }
int log_warn(lua_State* L) { return log_at(L, log::Level::warn); }
int log_error(lua_State* L) { return log_at(L, log::Level::error); }

// ---- addr ----

std::optional<mail::Mailbox> mailbox_arg(lua_State* L, int i) { return mail::parse_mailbox(arg_view(L, i)); }

int addr_parse(lua_State* L) {
  auto mb = mailbox_arg(L, 1);
  if (!mb) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 2);
  lua_pushlstring(L, mb->local.data(), mb->local.size());
  lua_setfield(L, -2, "localpart");
  lua_pushlstring(L, mb->domain.data(), mb->domain.size());
  lua_setfield(L, -2, "domain");
  return 1;
}

// addr.domain / addr.localpart: one part of a valid address, else nil.
template <auto Part>
int addr_part(lua_State* L) {
  auto mb = mailbox_arg(L, 1);
  if (!mb) {
    lua_pushnil(L);
  } else {
    const auto& part = (*mb).*Part;
    lua_pushlstring(L, part.data(), part.size());
  }
  return 1;
}

int addr_is_valid(lua_State* L) {
  lua_pushboolean(L, mailbox_arg(L, 1).has_value());
  return 1;
}

// in_domain("a@sub.example.org", "example.org") and in_domain("sub.example.org", "example.org").
int addr_in_domain(lua_State* L) {
  const std::string_view a = arg_view(L, 1);
  std::optional<std::string> domain;
  if (a.find('@') != std::string_view::npos) {
    if (auto mb = mail::parse_mailbox(a)) domain = mb->domain;
  } else {
    domain = mail::normalize_domain(a);
  }
  const auto parent = mail::normalize_domain(arg_view(L, 2));
  bool in = false;
  if (domain && parent) {
    in = *domain == *parent ||
         (domain->size() > parent->size() && domain->ends_with(*parent) && (*domain)[domain->size() - parent->size() - 1] == '.');
  }
  lua_pushboolean(L, in);
  return 1;
}

// ---- ip ----

std::optional<boost::asio::ip::address> ip_arg(lua_State* L, int i) {
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(arg_view(L, i)), ec);
  if (ec) return std::nullopt;
  return a;
}

int ip_is_valid(lua_State* L) {
  lua_pushboolean(L, ip_arg(L, 1).has_value());
  return 1;
}

int ip_version(lua_State* L) {
  auto a = ip_arg(L, 1);
  if (!a) {
    lua_pushnil(L);
  } else {
    lua_pushinteger(L, a->is_v4() || (a->is_v6() && a->to_v6().is_v4_mapped()) ? 4 : 6);
  }
  return 1;
}

bool cidr_contains(lua_State* L, int index, const boost::asio::ip::address& a) {
  size_t len = 0;
  const char* p = lua_tolstring(L, index, &len);
  if (p == nullptr) luaL_error(L, "ip.in_cidr: networks must be strings");
  auto c = policy::Cidr::parse(std::string_view(p, len));
  if (!c) luaL_error(L, "ip.in_cidr: '%s' is not a network (ADDRESS or ADDRESS/PREFIX)", p);
  return c->contains(a);
}

int ip_in_cidr(lua_State* L) {
  auto a = ip_arg(L, 1);
  bool in = false;
  if (lua_istable(L, 2)) {
    const lua_Integer n = luaL_len(L, 2);
    for (lua_Integer i = 1; i <= n; ++i) {
      lua_rawgeti(L, 2, i);
      in = (a && cidr_contains(L, -1, *a)) || in;
      lua_pop(L, 1);
    }
  } else {
    luaL_checkstring(L, 2);
    in = a && cidr_contains(L, 2, *a);
  }
  lua_pushboolean(L, in);
  return 1;
}

// ---- kv ----

HostServices& host_of(lua_State* L) { return *static_cast<HostServices*>(lua_touserdata(L, lua_upvalueindex(1))); }

int64_t now_unix() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string kv_key(lua_State* L) {
  const std::string_view k = arg_view(L, 1);
  if (k.empty() || k.size() > 255 - kKvPrefix.size()) luaL_argerror(L, 1, "keys are 1-251 octets");
  return std::string(kKvPrefix) + std::string(k);
}

int64_t expiry_arg(lua_State* L, int i) {
  const lua_Integer ttl = luaL_optinteger(L, i, 0);
  luaL_argcheck(L, ttl >= 0 && ttl <= 10LL * 365 * 86400, i, "ttl is 0 (never) to ten years, in seconds");
  return ttl == 0 ? 0 : now_unix() + ttl;
}

// Runs fn against the store; on failure pushes nil and the message and returns 2.
template <class Fn>
int with_store(lua_State* L, Fn fn) {
  store::Store* s = host_of(L).store ? host_of(L).store() : nullptr;
  std::string error;
  if (s == nullptr) {
    error = "store unavailable";
  } else {
    try {
      return fn(*s);
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  lua_pushnil(L);
  lua_pushlstring(L, error.data(), error.size());
  return 2;
}

int kv_get(lua_State* L) {
  const std::string key = kv_key(L);
  std::optional<std::string> v;
  const int r = with_store(L, [&](store::Store& s) {
    v = s.kv_get(key, now_unix());
    return -1;
  });
  if (r != -1) return r;
  if (v) {
    lua_pushlstring(L, v->data(), v->size());
  } else {
    lua_pushnil(L);
  }
  return 1;
}

int kv_set(lua_State* L) {
  const std::string key = kv_key(L);
  size_t len = 0;
  const char* v = luaL_checklstring(L, 2, &len);
  const std::string value(v, len);
  const int64_t expires = expiry_arg(L, 3);
  const int r = with_store(L, [&](store::Store& s) {
    s.kv_set(key, value, expires, now_unix());
    return -1;
  });
  if (r != -1) return r;
  lua_pushboolean(L, 1);
  return 1;
}

int kv_incr(lua_State* L) {
  const std::string key = kv_key(L);
  const lua_Integer delta = luaL_optinteger(L, 2, 1);
  const int64_t expires = expiry_arg(L, 3);
  int64_t value = 0;
  const int r = with_store(L, [&](store::Store& s) {
    value = s.kv_incr(key, delta, expires, now_unix());
    return -1;
  });
  if (r != -1) return r;
  lua_pushinteger(L, value);
  return 1;
}

int kv_delete(lua_State* L) {
  const std::string key = kv_key(L);
  bool removed = false;
  const int r = with_store(L, [&](store::Store& s) {
    removed = s.kv_delete(key);
    return -1;
  });
  if (r != -1) return r;
  lua_pushboolean(L, removed);
  return 1;
}

void set_table(lua_State* L, int env, const char* name, const luaL_Reg* fns, int nup_values_pushed) {
  lua_newtable(L);
  lua_insert(L, -1 - nup_values_pushed);
  luaL_setfuncs(L, fns, nup_values_pushed);
  lua_setfield(L, env, name);
}

}  // namespace

void add_library(lua_State* L, int env_index, const std::string& script, HostServices* host) {
  env_index = lua_absindex(L, env_index);
  const luaL_Reg log_fns[] = {
      {"debug", log_debug}, {"info", log_info}, {"warn", log_warn}, {"error", log_error}, {nullptr, nullptr}};
  lua_pushstring(L, script.c_str());
  set_table(L, env_index, "log", log_fns, 1);
  const luaL_Reg addr_fns[] = {{"parse", addr_parse},       {"domain", addr_part<&mail::Mailbox::domain>},
                               {"localpart", addr_part<&mail::Mailbox::local>}, {"is_valid", addr_is_valid},
                               {"in_domain", addr_in_domain}, {nullptr, nullptr}};
  set_table(L, env_index, "addr", addr_fns, 0);
  const luaL_Reg ip_fns[] = {
      {"is_valid", ip_is_valid}, {"version", ip_version}, {"in_cidr", ip_in_cidr}, {nullptr, nullptr}};
  set_table(L, env_index, "ip", ip_fns, 0);
  const luaL_Reg kv_fns[] = {
      {"get", kv_get}, {"set", kv_set}, {"incr", kv_incr}, {"delete", kv_delete}, {nullptr, nullptr}};
  lua_pushlightuserdata(L, host);
  set_table(L, env_index, "kv", kv_fns, 1);
}

}  // namespace portcullis::hooks
