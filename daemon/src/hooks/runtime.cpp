#include "hooks/runtime.hpp"
#include "core/text.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "core/log.hpp"
#include "hooks/decision.hpp"
#include "hooks/rulebook.hpp"
#include "hooks/sandbox.hpp"
#include "hooks/seal.hpp"
#include "hooks/view.hpp"

namespace portcullis::hooks {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxScripts = 200;
constexpr std::uintmax_t kMaxScriptBytes = 1024 * 1024;

std::uint64_t next_generation() {
  static std::atomic<std::uint64_t> g{0};
  return ++g;
}

// The error value at the top of the stack as text (never raises).
std::string error_text(lua_State* L) {
  if (lua_type(L, -1) == LUA_TSTRING) return lua_tostring(L, -1);
  return std::string("error object is a ") + luaL_typename(L, -1) + " value";
}

struct CallJob {
  int ref;
  int seal_ref;  // the script's sealed state (hooks/seal.hpp), restored before the handler runs
  ViewContext* ctx;
  void* view = nullptr;       // set once the view is anchored in the registry
  int view_ref = LUA_NOREF;   // keeps the view alive until it is revoked
};

// Runs inside lua_pcall, so that every allocation and error is protected.
int call_handler(lua_State* L) {
  auto* job = static_cast<CallJob*>(lua_touserdata(L, 1));
  restore_sealed(L, job->seal_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, job->ref);
  void* view = push_view(L, job->ctx);
  lua_pushvalue(L, -1);
  job->view_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  job->view = view;
  lua_call(L, 1, 1);
  return 1;
}

}  // namespace

Runtime::Runtime(std::shared_ptr<const RuleSet> rules, const Limits& limits, HostServices* host)
    : rules_(std::move(rules)), state_(limits), host_(host) {
  prepare_sandbox(state_);
  register_view(state_.get());
  for (const auto& s : rules_->scripts) load(s, nullptr);
}

Runtime::~Runtime() = default;

// Loads one script inside lua_pcall, so that every allocation and error is protected.
int Runtime::load_protected(lua_State* L) {
  auto* job = static_cast<LoadJob*>(lua_touserdata(L, 1));
  Runtime& self = *job->runtime;
  const Script& script = *job->script;
  push_script_env(self.state_, script.name);
  const int env = lua_gettop(L);
  add_decision_api(L, env);
  add_library(L, env, script.name, self.host_);
  const std::string_view book = rulebook_source();
  if (luaL_loadbufferx(L, book.data(), book.size(), "=rulebook", "t") != LUA_OK) return lua_error(L);
  lua_pushvalue(L, env);
  lua_setupvalue(L, -2, 1);
  lua_call(L, 0, 1);
  const int book_check = lua_gettop(L);
  const std::string chunkname = "@" + script.name;
  if (luaL_loadbufferx(L, script.source.data(), script.source.size(), chunkname.c_str(), "t") != LUA_OK)
    return lua_error(L);
  const int chunk = lua_gettop(L);
  lua_pushvalue(L, env);
  lua_setupvalue(L, chunk, 1);
  lua_pushvalue(L, chunk);
  lua_call(L, 0, 0);
  lua_pushvalue(L, book_check);
  lua_call(L, 0, 1);
  if (lua_isstring(L, -1))
    return luaL_error(L, "%s: %s is defined both by rule{} and by the script itself (after its rules); use one or the other",
                      script.name.c_str(), lua_tostring(L, -1));
  lua_pop(L, 1);
  freeze_chunk_env(L, chunk, env);
  lua_pushliteral(L, "_G");
  lua_rawget(L, env);  // the read-only proxy freeze_chunk_env made
  job->loaded.seal_ref = seal_script(L, env, lua_gettop(L));
  lua_pop(L, 1);
  // Every global named on_* must be a known handler and a function.
  lua_pushnil(L);
  while (lua_next(L, env) != 0) {
    if (lua_type(L, -2) == LUA_TSTRING && std::string_view(lua_tostring(L, -2)).starts_with("on_")) {
      const std::string key = lua_tostring(L, -2);
      std::size_t kind = kEventKinds;
      for (std::size_t k = 0; k < kEventKinds; ++k)
        if (handler_name(static_cast<EventKind>(k)) == key) kind = k;
      if (kind == kEventKinds) return luaL_error(L, "%s: unknown handler %s", script.name.c_str(), key.c_str());
      if (!lua_isfunction(L, -1))
        return luaL_error(L, "%s: %s must be a function", script.name.c_str(), key.c_str());
      lua_pushvalue(L, -1);
      job->loaded.refs[kind] = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_pop(L, 1);
  }
  return 0;
}

void Runtime::load(const Script& script, std::array<bool, kEventKinds>* handles) {
  lua_State* L = state_.get();
  lua_settop(L, 0);
  LoadJob job{this, &script, Loaded{script.name, {}}};
  job.loaded.refs.fill(LUA_NOREF);
  lua_pushcfunction(L, &Runtime::load_protected);
  lua_pushlightuserdata(L, &job);
  int status = LUA_OK;
  {
    LuaState::Call guard(state_);
    status = lua_pcall(L, 1, 0, 0);
  }
  if (status != LUA_OK) {
    std::string error = error_text(L);
    lua_settop(L, 0);
    if (!state_.stopped().empty() && error.find(state_.stopped()) == std::string::npos)
      error += " (" + state_.stopped() + " exceeded)";
    throw std::runtime_error(error);
  }
  lua_settop(L, 0);
  if (handles)
    for (std::size_t k = 0; k < kEventKinds; ++k) (*handles)[k] = job.loaded.refs[k] != LUA_NOREF;
  scripts_.push_back(std::move(job.loaded));
}

bool Runtime::call(const Loaded& script, const EventData& data, double& score, Outcome& out, std::string& error) {
  lua_State* L = state_.get();
  lua_settop(L, 0);
  ScriptEffects fx;
  ViewContext ctx{&data, &fx, score};
  CallJob job{script.refs[static_cast<std::size_t>(data.kind)], script.seal_ref, &ctx};
  lua_pushcfunction(L, call_handler);
  lua_pushlightuserdata(L, &job);
  int status = LUA_OK;
  {
    LuaState::Call guard(state_);
    status = lua_pcall(L, 1, 1, 0);
  }
  if (job.view) revoke_view(job.view);
  if (job.view_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, job.view_ref);
  Trace trace{script.name, std::string(event_name(data.kind)), "continue", {}};
  if (status != LUA_OK) {
    error = error_text(L);
    if (!state_.stopped().empty() && error.find(state_.stopped()) == std::string::npos)
      error += " (" + state_.stopped() + " exceeded)";
    if (status == LUA_ERRMEM || error.find(script.name) == std::string::npos)  // no position of its own
      error = (state_.where().empty() ? script.name + ":" : state_.where()) + " " + error;
    trace.decision = "error: " + error;
    out.trace.push_back(std::move(trace));
    lua_settop(L, 0);
    return false;
  }
  std::optional<Decision> decision;
  if (!lua_isnil(L, -1)) {
    decision = to_decision(L, -1);
    if (!decision) {
      error = script.name + ": " + std::string(handler_name(data.kind)) + " returned a " + luaL_typename(L, -1) +
              " value (expected a decision such as reject(...), or nothing)";
      trace.decision = "error: " + error;
      out.trace.push_back(std::move(trace));
      lua_settop(L, 0);
      return false;
    }
  }
  lua_settop(L, 0);
  // The handler succeeded: its effects count.
  score = ctx.score;
  for (auto& e : fx.header_edits) out.header_edits.push_back(std::move(e));
  for (auto& s : fx.symbols) {
    out.score += s.score;
    out.symbols.push_back(std::move(s));
  }
  for (auto& r : fx.add_recipients) out.add_recipients.push_back(std::move(r));
  if (fx.set_recipients) {
    out.set_recipients = std::move(fx.set_recipients);
    out.add_recipients.clear();  // a later replacement wins over earlier additions
  }
  if (!fx.route.empty()) out.route = fx.route;
  trace.effects = std::move(fx.described);
  if (decision && decision->action != Action::none) {
    out.action = decision->action;
    out.reply = decision->reply;
    out.reason = decision->reason;
    out.decided_by = script.name;
    trace.decision = std::string(action_name(decision->action)) + (decision->reply.empty() ? "" : " " + decision->reply) +
                     (decision->reason.empty() ? "" : " (" + decision->reason + ")");
  }
  out.trace.push_back(std::move(trace));
  return true;
}

void Runtime::raise_error(const EventData& failed, const std::string& script, const std::string& message,
                          Outcome& out) {
  log::warn("rule_error", {{"script", script}, {"event", event_name(failed.kind)}, {"queue_id", failed.queue_id},
                           {"client", failed.client_ip}, {"error", message}});
  if (failed.kind == EventKind::error) return;  // errors of on_error handlers are only logged
  EventData e = failed;
  e.kind = EventKind::error;
  e.error_script = script;
  e.error_event = std::string(event_name(failed.kind));
  e.error_message = message;
  e.read_message = nullptr;
  Outcome ignored;
  double score = 0;
  for (const auto& s : scripts_) {
    if (s.refs[static_cast<std::size_t>(EventKind::error)] == LUA_NOREF) continue;
    std::string err;
    if (!call(s, e, score, ignored, err)) {
      log::warn("rule_error", {{"script", s.name}, {"event", "error"}, {"error", err}});
    }
  }
  for (auto& t : ignored.trace) out.trace.push_back(std::move(t));
}

Outcome Runtime::run(const EventData& data) {
  Outcome out;
  double score = data.score;
  for (const auto& s : scripts_) {
    if (s.refs[static_cast<std::size_t>(data.kind)] == LUA_NOREF) continue;
    std::string error;
    if (!call(s, data, score, out, error)) {
      out.failed = true;
      out.decided_by = s.name;
      raise_error(data, s.name, error, out);
      break;
    }
    if (out.action != Action::none) break;
  }
  // Keep the state lean between events: garbage left by a handler is collected here.
  if (state_.used() > state_.limits().memory / 2) lua_gc(state_.get(), LUA_GCCOLLECT);
  return out;
}

LoadReport check_scripts(std::vector<Script> scripts, const Limits& limits) {
  LoadReport report;
  auto set = std::make_shared<RuleSet>();
  HostServices none;  // no store while checking: kv calls at the top level fail softly
  for (auto& s : scripts) {
    try {
      auto single = std::make_shared<RuleSet>();
      Runtime probe(single, limits, &none);
      probe.load(s, &s.handles);
      for (std::size_t k = 0; k < kEventKinds; ++k) set->handles[k] = set->handles[k] || s.handles[k];
    } catch (const std::exception& e) {
      const std::string msg = e.what();
      report.errors.push_back(msg.starts_with(s.name) ? msg : s.name + ": " + msg);
    }
    set->scripts.push_back(std::move(s));
  }
  if (report.errors.empty()) {
    set->generation = next_generation();
    report.rules = std::move(set);
  }
  return report;
}

LoadReport load_rules(const fs::path& dir, const Limits& limits) {
  LoadReport report;
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    report.errors.push_back(dir.string() + ": not a folder");
    return report;
  }
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with('.') || !name.ends_with(".lua")) continue;
    if (!entry.is_regular_file(ec)) continue;
    files.push_back(entry.path());
  }
  if (ec) {
    report.errors.push_back(dir.string() + ": " + ec.message());
    return report;
  }
  std::sort(files.begin(), files.end());
  if (files.size() > kMaxScripts) {
    report.errors.push_back(dir.string() + ": more than " + std::to_string(kMaxScripts) + " scripts");
    return report;
  }
  std::vector<Script> scripts;
  for (const auto& f : files) {
    const std::string name = f.filename().string();
    const auto size = fs::file_size(f, ec);
    if (ec || size > kMaxScriptBytes) {
      report.errors.push_back(name + ": " + (ec ? ec.message() : "larger than 1 MiB"));
      continue;
    }
    auto text = core::read_file(f);
    if (!text) {
      report.errors.push_back(name + ": cannot be read");
      continue;
    }
    scripts.push_back(Script{name, std::move(*text), {}});
  }
  if (!report.errors.empty()) return report;
  return check_scripts(std::move(scripts), limits);
}

}  // namespace portcullis::hooks
