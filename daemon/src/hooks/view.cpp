#include "hooks/view.hpp"

#include <algorithm>
#include <charconv>
#include <string_view>

#include <boost/asio/ip/address.hpp>

#include "core/utf8.hpp"
#include "mail/address.hpp"
#include "mail/encoded_words.hpp"

namespace portcullis::hooks {
namespace {

constexpr const char* kViewMeta = "portcullis.view";

struct Box {
  ViewContext* ctx;
};

ViewContext& ctx_of(lua_State* L) {
  auto* box = static_cast<Box*>(luaL_checkudata(L, 1, kViewMeta));
  if (box->ctx == nullptr) luaL_error(L, "this event object belongs to an earlier event and can no longer be used");
  return *box->ctx;
}

bool one_of(EventKind k, std::initializer_list<EventKind> kinds) {
  return std::find(kinds.begin(), kinds.end(), k) != kinds.end();
}

void require_event(lua_State* L, const ViewContext& c, const char* method, std::initializer_list<EventKind> kinds) {
  if (!one_of(c.data->kind, kinds))
    luaL_error(L, "ev:%s is not available in %s", method, std::string(handler_name(c.data->kind)).c_str());
}

void push_string(lua_State* L, std::string_view s) { lua_pushlstring(L, s.data(), s.size()); }
void push_or_nil(lua_State* L, std::string_view s) {
  if (s.empty()) {
    lua_pushnil(L);
  } else {
    push_string(L, s);
  }
}

void push_list(lua_State* L, const std::vector<std::string>& v) {
  lua_createtable(L, static_cast<int>(v.size()), 0);
  for (std::size_t i = 0; i < v.size(); ++i) {
    push_string(L, v[i]);
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
}

// Strict UTF-8 without control characters (a tab is allowed).
bool valid_utf8_text(std::string_view s) {
  return core::valid_utf8(s) &&
         std::none_of(s.begin(), s.end(), [](char c) { return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f; });
}

std::string check_header_name(lua_State* L, int arg) {
  size_t len = 0;
  const char* p = luaL_checklstring(L, arg, &len);
  const std::string_view name(p, len);
  const bool ok = !name.empty() && name.size() <= 76 &&
                  std::all_of(name.begin(), name.end(), [](char c) { return c >= 33 && c <= 126 && c != ':'; });
  if (!ok) luaL_argerror(L, arg, "header name must be 1-76 printable ASCII characters without ':'");
  return std::string(name);
}

std::string check_address(lua_State* L, int arg) {
  size_t len = 0;
  const char* p = luaL_checklstring(L, arg, &len);
  auto mb = mail::parse_mailbox(std::string_view(p, len));
  if (!mb) luaL_argerror(L, arg, "not a valid address (local@domain)");
  return mb->str();
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// ---- read-only accessors ----

int m_header(lua_State* L) {
  auto& c = ctx_of(L);
  const char* name = luaL_checkstring(L, 2);
  const auto* f = c.data->headers ? c.data->headers->first(name) : nullptr;
  if (f == nullptr) {
    lua_pushnil(L);
  } else {
    push_string(L, f->value);
  }
  return 1;
}

int m_headers(lua_State* L) {
  auto& c = ctx_of(L);
  const bool all_fields = lua_isnoneornil(L, 2);
  const char* name = all_fields ? nullptr : luaL_checkstring(L, 2);
  lua_newtable(L);
  if (c.data->headers == nullptr) return 1;
  lua_Integer i = 0;
  if (all_fields) {
    for (const auto& f : c.data->headers->fields) {
      lua_createtable(L, 0, 2);
      push_string(L, f.name);
      lua_setfield(L, -2, "name");
      push_string(L, f.value);
      lua_setfield(L, -2, "value");
      lua_rawseti(L, -2, ++i);
    }
    return 1;
  }
  for (const auto* f : c.data->headers->all(name)) {
    push_string(L, f->value);
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

int m_decoded_header(lua_State* L) {
  auto& c = ctx_of(L);
  const auto* f = c.data->headers ? c.data->headers->first(luaL_checkstring(L, 2)) : nullptr;
  if (f == nullptr) {
    lua_pushnil(L);
  } else {
    push_string(L, mail::decode_encoded_words(f->value));
  }
  return 1;
}

int m_addresses(lua_State* L) {
  auto& c = ctx_of(L);
  const char* name = luaL_checkstring(L, 2);
  lua_newtable(L);
  if (c.data->headers == nullptr) return 1;
  lua_Integer i = 0;
  for (const auto* f : c.data->headers->all(name)) {
    for (const auto& a : mail::parse_address_list(f->value)) {
      lua_createtable(L, 0, 2);
      push_string(L, a.display_name);
      lua_setfield(L, -2, "name");
      push_string(L, a.address);
      lua_setfield(L, -2, "address");
      lua_rawseti(L, -2, ++i);
    }
  }
  return 1;
}

int m_body(lua_State* L) {
  auto& c = ctx_of(L);
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  const lua_Integer len = luaL_optinteger(L, 3, static_cast<lua_Integer>(kMaxBodyChunk));
  luaL_argcheck(L, offset >= 0, 2, "offset must not be negative");
  luaL_argcheck(L, len >= 0, 3, "length must not be negative");
  if (!c.data->read_message || c.data->headers == nullptr) {
    lua_pushnil(L);
    return 1;
  }
  const std::size_t n = std::min(static_cast<std::size_t>(len), kMaxBodyChunk);
  const std::string chunk =
      c.data->read_message(c.data->headers->body_offset + static_cast<std::size_t>(offset), n);
  push_string(L, chunk);
  return 1;
}

int m_setting(lua_State* L) {
  auto& c = ctx_of(L);
  const char* key = luaL_checkstring(L, 2);
  std::optional<std::string> v;
  if (c.data->policy) v = c.data->policy->setting(key);
  if (v) {
    push_string(L, *v);
  } else {
    lua_pushnil(L);
  }
  return 1;
}

int m_is_our_domain(lua_State* L) {
  auto& c = ctx_of(L);
  const char* name = luaL_checkstring(L, 2);
  lua_pushboolean(L, c.data->policy && c.data->policy->find_domain(name) != nullptr);
  return 1;
}

// ---- effects ----

void describe(ViewContext& c, std::string text) { c.effects->described.push_back(std::move(text)); }

int m_add_header(lua_State* L) {
  auto& c = ctx_of(L);
  require_event(L, c, "add_header", {EventKind::data});
  std::string name = check_header_name(L, 2);
  size_t len = 0;
  const char* v = luaL_checklstring(L, 3, &len);
  const std::string_view value(v, len);
  if (value.size() > 900 || !valid_utf8_text(value))
    luaL_argerror(L, 3, "header value must be at most 900 octets of text (UTF-8, no line breaks)");
  describe(c, "add_header " + name + ": " + std::string(value));
  c.effects->header_edits.push_back(HeaderEdit{HeaderEdit::Op::add, std::move(name), std::string(value)});
  return 0;
}

int m_remove_header(lua_State* L) {
  auto& c = ctx_of(L);
  require_event(L, c, "remove_header", {EventKind::data});
  std::string name = check_header_name(L, 2);
  if (iequals(name, "Received")) luaL_argerror(L, 2, "Received trace headers cannot be removed (RFC 5321 4.4)");
  describe(c, "remove_header " + name);
  c.effects->header_edits.push_back(HeaderEdit{HeaderEdit::Op::remove, std::move(name), {}});
  return 0;
}

int m_set_header(lua_State* L) {
  auto& c = ctx_of(L);
  require_event(L, c, "set_header", {EventKind::data});
  m_remove_header(L);
  c.effects->described.pop_back();
  m_add_header(L);
  c.effects->described.back().replace(0, 3, "set");
  return 0;
}

void add_symbol(lua_State* L, ViewContext& c, std::string name, double points) {
  require_event(L, c, "add_symbol",
                {EventKind::connect, EventKind::helo, EventKind::mail, EventKind::rcpt, EventKind::data});
  const bool ok = !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.';
  });
  if (!ok) luaL_error(L, "symbol names are 1-64 characters of A-Z a-z 0-9 _ - .");
  if (!(points > -1000 && points < 1000)) luaL_error(L, "score must be between -1000 and 1000");
  c.score += points;
  char buf[32];
  const auto r = std::to_chars(buf, buf + sizeof buf, points);
  describe(c, "symbol " + name + " " + std::string(buf, r.ptr));
  c.effects->symbols.push_back(Symbol{std::move(name), points});
}

int m_add_symbol(lua_State* L) {
  auto& c = ctx_of(L);
  add_symbol(L, c, luaL_checkstring(L, 2), luaL_optnumber(L, 3, 0));
  return 0;
}

int m_add_score(lua_State* L) {
  auto& c = ctx_of(L);
  const double points = luaL_checknumber(L, 2);
  add_symbol(L, c, luaL_optstring(L, 3, "LUA_SCORE"), points);
  return 0;
}

int m_add_recipient(lua_State* L) {
  auto& c = ctx_of(L);
  require_event(L, c, "add_recipient", {EventKind::rcpt, EventKind::data});
  std::string a = check_address(L, 2);
  describe(c, "add_recipient " + a);
  c.effects->add_recipients.push_back(std::move(a));
  return 0;
}

int m_set_recipients(lua_State* L) {
  auto& c = ctx_of(L);
  require_event(L, c, "set_recipients", {EventKind::rcpt, EventKind::data});
  luaL_checktype(L, 2, LUA_TTABLE);
  std::vector<std::string> list;
  const lua_Integer n = luaL_len(L, 2);
  if (n < 1 || n > 1000) luaL_argerror(L, 2, "a list of 1 to 1000 addresses");
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, 2, i);
    list.push_back(check_address(L, lua_gettop(L)));
    lua_pop(L, 1);
  }
  std::string d = "set_recipients";
  for (const auto& a : list) d += " " + a;
  describe(c, std::move(d));
  c.effects->set_recipients = std::move(list);
  return 0;
}

int m_redirect(lua_State* L) {
  auto& c = ctx_of(L);
  require_event(L, c, "redirect", {EventKind::rcpt, EventKind::data});
  std::string a = check_address(L, 2);
  describe(c, "redirect " + a);
  c.effects->set_recipients = std::vector<std::string>{std::move(a)};
  return 0;
}

int m_set_route(lua_State* L) {
  auto& c = ctx_of(L);
  require_event(L, c, "set_route", {EventKind::rcpt, EventKind::data, EventKind::deliver_start});
  size_t len = 0;
  const char* p = luaL_checklstring(L, 2, &len);
  const std::string_view dest(p, len);
  if (!valid_route(dest)) luaL_argerror(L, 2, "a route is HOST, HOST:PORT, [ADDRESS] or [ADDRESS]:PORT");
  describe(c, "route " + std::string(dest));
  c.effects->route = std::string(dest);
  return 0;
}

// ---- fields ----

// ev.auth: {spf=, spf_domain=, dkim={{domain=, selector=, algorithm=, result=}...}, dmarc=,
// dmarc_policy=, from_domain=, arc=}; a field is nil where its check did not run.
void push_auth(lua_State* L, const AuthInfo& a) {
  lua_createtable(L, 0, 7);
  const auto field = [L](const char* name, const std::string& value) {
    if (value.empty()) return;
    push_string(L, value);
    lua_setfield(L, -2, name);
  };
  field("spf", a.spf);
  field("spf_domain", a.spf_domain);
  field("dmarc", a.dmarc);
  field("dmarc_policy", a.dmarc_policy);
  field("from_domain", a.from_domain);
  field("arc", a.arc);
  lua_createtable(L, static_cast<int>(a.dkim.size()), 0);
  for (std::size_t i = 0; i < a.dkim.size(); ++i) {
    lua_createtable(L, 0, 4);
    field("domain", a.dkim[i].domain);
    field("selector", a.dkim[i].selector);
    field("algorithm", a.dkim[i].algorithm);
    field("result", a.dkim[i].result);
    lua_rawseti(L, -2, static_cast<lua_Integer>(i + 1));
  }
  lua_setfield(L, -2, "dkim");
}

int view_index(lua_State* L) {
  auto& c = ctx_of(L);
  const EventData& d = *c.data;
  const std::string_view key = luaL_checkstring(L, 2);
  if (lua_getfield(L, lua_upvalueindex(1), lua_tostring(L, 2)) != LUA_TNIL) return 1;  // a method
  lua_pop(L, 1);
  if (key == "event") {
    push_string(L, event_name(d.kind));
  } else if (key == "client_ip") {
    push_string(L, d.client_ip);
  } else if (key == "client_port") {
    lua_pushinteger(L, d.client_port);
  } else if (key == "listener") {
    push_string(L, d.listener);
  } else if (key == "helo") {
    push_or_nil(L, d.helo);
  } else if (key == "tls") {
    lua_pushboolean(L, d.tls);
  } else if (key == "tls_version") {
    push_or_nil(L, d.tls_version);
  } else if (key == "tls_cipher") {
    push_or_nil(L, d.tls_cipher);
  } else if (key == "auth_user") {
    push_or_nil(L, d.auth_user);
  } else if (key == "authenticated") {
    lua_pushboolean(L, !d.auth_user.empty());
  } else if (key == "internal") {
    // The client is one of our own servers (a relay network) or authenticated.
    boost::system::error_code ec;
    const auto ip = boost::asio::ip::make_address(d.client_ip, ec);
    lua_pushboolean(L, !d.auth_user.empty() || (!ec && d.policy && d.policy->in_relaynets(ip)));
  } else if (key == "queue_id") {
    push_or_nil(L, d.queue_id);
  } else if (key == "sender") {
    push_string(L, d.sender);
  } else if (key == "null_sender") {
    lua_pushboolean(L, d.null_sender);
  } else if (key == "recipients") {
    push_list(L, d.recipients);
  } else if (key == "rcpt") {
    push_or_nil(L, d.rcpt);
  } else if (key == "size") {
    lua_pushinteger(L, static_cast<lua_Integer>(d.size));
  } else if (key == "body_size") {
    const std::size_t off = d.headers ? d.headers->body_offset : d.size;
    lua_pushinteger(L, static_cast<lua_Integer>(d.size > off ? d.size - off : 0));
  } else if (key == "subject") {
    const auto* f = d.headers ? d.headers->first("Subject") : nullptr;
    if (f == nullptr) {
      lua_pushnil(L);
    } else {
      push_string(L, mail::decode_encoded_words(f->value));
    }
  } else if (key == "score") {
    lua_pushnumber(L, c.score);
  } else if (key == "symbols") {
    lua_newtable(L);
    for (const auto& s : d.symbols) {
      lua_pushnumber(L, s.score);
      lua_setfield(L, -2, s.name.c_str());
    }
    for (const auto& s : c.effects->symbols) {
      lua_pushnumber(L, s.score);
      lua_setfield(L, -2, s.name.c_str());
    }
  } else if (key == "auth") {
    push_auth(L, d.auth);
  } else if (key == "attempt") {
    lua_pushinteger(L, d.attempt);
  } else if (key == "destination") {
    push_or_nil(L, d.destination);
  } else if (key == "reply") {
    push_or_nil(L, d.reply);
  } else if (key == "permanent") {
    lua_pushboolean(L, d.permanent);
  } else if (key == "route") {
    push_or_nil(L, d.route);
  } else if (key == "error" && d.kind == EventKind::error) {
    lua_createtable(L, 0, 3);
    push_string(L, d.error_script);
    lua_setfield(L, -2, "script");
    push_string(L, d.error_event);
    lua_setfield(L, -2, "event");
    push_string(L, d.error_message);
    lua_setfield(L, -2, "message");
  } else {
    lua_pushnil(L);
  }
  return 1;
}

int view_newindex(lua_State* L) { return luaL_error(L, "the event object is read-only"); }

int view_tostring(lua_State* L) {
  auto* box = static_cast<Box*>(luaL_checkudata(L, 1, kViewMeta));
  lua_pushfstring(L, "event(%s)",
                  box->ctx ? std::string(event_name(box->ctx->data->kind)).c_str() : "expired");
  return 1;
}

}  // namespace

bool valid_route(std::string_view dest) {
  std::string_view host = dest;
  std::string_view port;
  if (dest.starts_with('[')) {
    const std::size_t close = dest.find(']');
    if (close == std::string_view::npos) return false;
    host = dest.substr(0, close + 1);
    const std::string_view rest = dest.substr(close + 1);
    if (!rest.empty()) {
      if (rest[0] != ':') return false;
      port = rest.substr(1);
    }
    if (!mail::is_address_literal(host)) return false;
  } else {
    const std::size_t colon = dest.rfind(':');
    if (colon != std::string_view::npos) {
      host = dest.substr(0, colon);
      port = dest.substr(colon + 1);
    }
    if (!mail::normalize_domain(host)) return false;
  }
  if (dest.find(':') != std::string_view::npos && !dest.starts_with('[') && port.empty()) return false;
  if (!port.empty()) {
    unsigned p = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), p);
    if (ec != std::errc() || end != port.data() + port.size() || p == 0 || p > 65535 || port[0] == '0') return false;
  }
  return true;
}

void register_view(lua_State* L) {
  if (!luaL_newmetatable(L, kViewMeta)) {
    lua_pop(L, 1);
    return;
  }
  const luaL_Reg methods[] = {{"header", m_header},
                              {"headers", m_headers},
                              {"decoded_header", m_decoded_header},
                              {"addresses", m_addresses},
                              {"body", m_body},
                              {"setting", m_setting},
                              {"is_our_domain", m_is_our_domain},
                              {"add_header", m_add_header},
                              {"remove_header", m_remove_header},
                              {"set_header", m_set_header},
                              {"add_symbol", m_add_symbol},
                              {"add_score", m_add_score},
                              {"add_recipient", m_add_recipient},
                              {"set_recipients", m_set_recipients},
                              {"redirect", m_redirect},
                              {"set_route", m_set_route},
                              {nullptr, nullptr}};
  luaL_newlib(L, methods);
  lua_pushcclosure(L, view_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, view_newindex);
  lua_setfield(L, -2, "__newindex");
  lua_pushcfunction(L, view_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pushliteral(L, "locked");
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
}

void* push_view(lua_State* L, ViewContext* ctx) {
  auto* box = static_cast<Box*>(lua_newuserdatauv(L, sizeof(Box), 0));
  box->ctx = ctx;
  luaL_setmetatable(L, kViewMeta);
  return box;
}

void revoke_view(void* handle) { static_cast<Box*>(handle)->ctx = nullptr; }

}  // namespace portcullis::hooks
