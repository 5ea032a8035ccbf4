// Rule scripts and the Lua state that runs them.
// load_rules() reads every `*.lua` file of the rules folder (sorted by name; hidden files and
// other names ignored) and checks it the way a worker will run it: compiled as text, its top
// level run in the sandbox under the limits, its `on_*` globals checked (functions, known
// event names). A RuleSet is immutable; the engine swaps whole sets.
// A Runtime is one worker's Lua state with a RuleSet loaded: run() calls every script's
// handler for the event in file order, until one returns a decision.
#pragma once
#include <array>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "hooks/event.hpp"
#include "hooks/library.hpp"
#include "hooks/lua_state.hpp"

namespace portcullis::hooks {

struct Script {
  std::string name;  // file name, e.g. "50-redirect.lua" (also the chunk name in messages)
  std::string source;
  std::array<bool, kEventKinds> handles{};  // filled by the check
};

struct RuleSet {
  std::vector<Script> scripts;
  std::array<bool, kEventKinds> handles{};  // some script has a handler for the event
  std::uint64_t generation = 0;
};

struct LoadReport {
  std::shared_ptr<const RuleSet> rules;  // nullptr when any file has an error
  std::vector<std::string> errors;       // "FILE: message" / "FILE:LINE: message"
};

// Reads and checks the folder (a missing folder is an error; an empty one is a valid empty set).
LoadReport load_rules(const std::filesystem::path& dir, const Limits& limits);
// Checks scripts already in memory (used by load_rules and tests).
LoadReport check_scripts(std::vector<Script> scripts, const Limits& limits);

class Runtime {
 public:
  // Loads `rules` into a fresh sandboxed state; throws std::runtime_error("FILE:LINE: ...") if a
  // script fails to load (cannot happen for a set that passed load_rules, barring limits).
  Runtime(std::shared_ptr<const RuleSet> rules, const Limits& limits, HostServices* host);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs the event's handlers. A script error or a limit stops the chain: the outcome is
  // marked failed, the error logged with file and line, and on_error handlers are called.
  Outcome run(const EventData& data);

  const RuleSet& rules() const { return *rules_; }
  std::uint64_t generation() const { return rules_->generation; }
  // A limit was hit: the owner should build a new Runtime before the next event.
  bool poisoned() const { return state_.poisoned(); }

 private:
  struct Loaded {
    std::string name;
    std::array<int, kEventKinds> refs{};  // registry refs of the handlers (LUA_NOREF if none)
    int seal_ref = LUA_NOREF;             // hooks/seal.hpp: what is restored before each call
  };
  struct LoadJob {
    Runtime* runtime;
    const Script* script;
    Loaded loaded;
  };
  friend LoadReport check_scripts(std::vector<Script> scripts, const Limits& limits);
  static int load_protected(lua_State* L);
  void load(const Script& script, std::array<bool, kEventKinds>* handles);
  bool call(const Loaded& script, const EventData& data, double& score, Outcome& out, std::string& error);
  void raise_error(const EventData& failed, const std::string& script, const std::string& message, Outcome& out);

  std::shared_ptr<const RuleSet> rules_;
  LuaState state_;
  HostServices* host_;
  std::vector<Loaded> scripts_;
};

}  // namespace portcullis::hooks
