// A Lua 5.4 state that cannot take the process down: its allocator has a memory cap, and a
// count hook enforces an instruction budget and a wall-clock deadline per call. When a limit
// is hit the running script gets an error it cannot swallow: from then on until the call ends
// the hook fires at every instruction and raises again, so a `pcall` loop cannot keep going,
// and allocations keep failing. After such a call the owner should throw the state away
// (`poisoned()`), since the script may have left it half-built.
// Lua here is Debian's liblua5.4-c++ (errors unwind as C++ exceptions).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include <lua.hpp>

namespace portcullis::hooks {

struct Limits {
  std::uint64_t instructions = 5'000'000;            // per call (VM instructions, in steps of 1000)
  std::size_t memory = 32 * 1024 * 1024;             // per state (bytes, everything the state holds)
  std::chrono::milliseconds wall{500};               // per call
  std::size_t pattern_steps = 1'000'000;             // per pattern function call (string.find, ...)
};

class LuaState {
 public:
  explicit LuaState(const Limits& limits);
  ~LuaState();
  LuaState(const LuaState&) = delete;
  LuaState& operator=(const LuaState&) = delete;

  lua_State* get() const { return L_; }
  std::size_t used() const { return used_; }
  const Limits& limits() const { return limits_; }

  // Arms the per-call instruction budget and deadline (RAII: disarmed when destroyed).
  class Call {
   public:
    explicit Call(LuaState& state);
    ~Call();
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

   private:
    LuaState& s_;
  };

  // Why the last call was stopped ("" if it was not): "instruction limit", "memory limit", "time limit".
  const std::string& stopped() const { return stopped_; }
  // "FILE:LINE:" of the running script as last seen by the hook ("" if not yet).
  const std::string& where() const { return where_; }
  // A limit was hit since the state was created: throw the state away.
  bool poisoned() const { return poisoned_; }

  // The LuaState of a lua_State made by this class (from its extra space).
  static LuaState& of(lua_State* L);

 private:
  static void* allocate(void* ud, void* ptr, std::size_t osize, std::size_t nsize) noexcept;
  static void count_hook(lua_State* L, lua_Debug* ar);
  void stop(const char* why);

  Limits limits_;
  lua_State* L_ = nullptr;
  std::size_t used_ = 0;
  bool in_call_ = false;
  std::uint64_t executed_ = 0;
  std::chrono::steady_clock::time_point deadline_{};
  std::string stopped_;
  std::string where_;
  bool poisoned_ = false;
};

}  // namespace portcullis::hooks
