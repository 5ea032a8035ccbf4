#include "hooks/lua_state.hpp"

#include <cstdlib>
#include <new>

namespace portcullis::hooks {
namespace {
constexpr int kHookEvery = 1000;  // instructions between two looks at the budget and the clock
}

LuaState::LuaState(const Limits& limits) : limits_(limits) {
  L_ = lua_newstate(&LuaState::allocate, this);
  if (L_ == nullptr) throw std::bad_alloc();
  *static_cast<LuaState**>(lua_getextraspace(L_)) = this;
}

LuaState::~LuaState() {
  if (L_ != nullptr) lua_close(L_);
}

LuaState& LuaState::of(lua_State* L) { return **static_cast<LuaState**>(lua_getextraspace(L)); }

void* LuaState::allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept {
  auto* self = static_cast<LuaState*>(ud);
  const std::size_t old_size = ptr != nullptr ? osize : 0;  // for a new block osize is a type tag
  if (nsize == 0) {
    std::free(ptr);
    self->used_ -= old_size;
    return nullptr;
  }
  if (nsize > old_size && self->used_ - old_size + nsize > self->limits_.memory) {
    if (self->in_call_) self->stop("memory limit");
    return nullptr;  // Lua raises "not enough memory"
  }
  void* p = std::realloc(ptr, nsize);
  if (p == nullptr) return nullptr;  // a shrinking realloc never fails in glibc
  self->used_ = self->used_ - old_size + nsize;
  return p;
}

void LuaState::stop(const char* why) {
  if (stopped_.empty()) stopped_ = why;
  poisoned_ = true;
}

void LuaState::count_hook(lua_State* L, lua_Debug* ar) {
  LuaState& s = of(L);
  if (!s.in_call_) return;
  // Where the script is: for the message of a memory error, which has no position itself.
  if (lua_getinfo(L, "Sl", ar) != 0 && ar->currentline > 0) {
    s.where_.assign(ar->short_src);
    s.where_ += ":" + std::to_string(ar->currentline) + ":";
  }
  if (s.stopped_.empty()) {
    s.executed_ += kHookEvery;
    if (s.executed_ > s.limits_.instructions) {
      s.stop("instruction limit");
    } else if (std::chrono::steady_clock::now() > s.deadline_) {
      s.stop("time limit");
    } else {
      return;
    }
  }
  // Stopped: raise at every instruction from now on, so no handler can carry on.
  lua_sethook(L, &LuaState::count_hook, LUA_MASKCOUNT, 1);
  lua_pushfstring(L, "%s %s exceeded", s.where_.c_str(), s.stopped_.c_str());
  lua_error(L);
}

LuaState::Call::Call(LuaState& state) : s_(state) {
  s_.in_call_ = true;
  s_.executed_ = 0;
  s_.stopped_.clear();
  s_.where_.clear();
  s_.deadline_ = std::chrono::steady_clock::now() + s_.limits_.wall;
  lua_sethook(s_.L_, &LuaState::count_hook, LUA_MASKCOUNT, kHookEvery);
}

LuaState::Call::~Call() {
  s_.in_call_ = false;
  lua_sethook(s_.L_, nullptr, 0, 0);
}

}  // namespace portcullis::hooks
