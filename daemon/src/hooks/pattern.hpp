// Bounded Lua 5.4 pattern matching for the rule sandbox. Lua's own string.find/match/gmatch/
// gsub run their matcher in C, where the instruction hook never fires, so a backtracking
// pattern could hang a worker. This module is our own matcher with the semantics of the
// Lua 5.4 manual §6.4.1 (and, like Lua 5.4.4, the deprecated class %z and Lua's error
// messages), plus a STEP BUDGET: each elementary step (entering the matcher, testing one
// subject byte against a pattern item, about 8 bytes of a set or a back-reference compared,
// one byte of %b, 8 bytes of a gsub replacement string) costs one step. When the budget runs
// out the call fails with "pattern too complex (step limit exceeded)"; nesting is bounded
// like Lua's (200 levels, "pattern too complex"). Typical patterns take 2-12 steps per
// subject byte, so the default budget covers subjects of roughly 100-500 KB.
//
// Two parts: the pure core (PatternMatcher, match_at, find_pattern; pattern_core.cpp, no Lua,
// also built into the fuzz target) and the Lua functions (install_bounded_patterns;
// pattern.cpp), which behave like Lua's string.find/match/gmatch/gsub.
#pragma once
#include <array>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <vector>

struct lua_State;

namespace portcullis::hooks {

inline constexpr std::size_t kPatternMaxCaptures = 32;     // LUA_MAXCAPTURES
inline constexpr std::size_t kPatternMaxDepth = 200;       // MAXCCALLS of lstrlib
inline constexpr std::size_t kDefaultPatternSteps = 1'000'000;

// A malformed pattern, an exhausted budget or too deep a nesting; what() is Lua's message.
struct PatternError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Capture {
  bool position = false;    // "()": `start` is the 0-based position, `len` is 0
  bool unfinished = false;  // the match ended with this capture still open ("(a" matching "a")
  std::size_t start = 0;    // offset in the subject
  std::size_t len = 0;
};

// One matching context: a subject, a pattern (matched as is: a leading '^' is a literal here,
// callers strip the anchor) and the caller's step budget, decremented by every step.
class PatternMatcher {
 public:
  PatternMatcher(std::string_view subject, std::string_view pattern, std::size_t& steps_left) noexcept
      : subject_(subject), pattern_(pattern), steps_(steps_left) {}

  // Tries to match at subject offset `init` (<= subject size); returns the end of the match.
  // Throws PatternError. The captures of a successful match stay readable until the next call.
  std::optional<std::size_t> match(std::size_t init);
  std::size_t captures() const { return level_; }
  const Capture& capture(std::size_t i) const { return caps_[i]; }
  // Takes `n` steps from the budget (throws when it is exhausted).
  void charge(std::size_t n);

 private:
  static constexpr std::size_t kFail = static_cast<std::size_t>(-1);
  std::size_t do_match(std::size_t s, std::size_t p);
  std::size_t match_items(std::size_t s, std::size_t p);
  std::size_t class_end(std::size_t p);
  bool single(std::size_t s, std::size_t p, std::size_t ep);
  bool in_set(unsigned char c, std::size_t p, std::size_t ec);
  std::size_t max_expand(std::size_t s, std::size_t p, std::size_t ep);
  std::size_t min_expand(std::size_t s, std::size_t p, std::size_t ep);
  std::size_t start_capture(std::size_t s, std::size_t p, bool position);
  std::size_t end_capture(std::size_t s, std::size_t p);
  std::size_t back_reference(std::size_t s, char digit);
  std::size_t balance(std::size_t s, std::size_t p);
  char pat(std::size_t i) const { return i < pattern_.size() ? pattern_[i] : '\0'; }
  char sub(std::size_t i) const { return i < subject_.size() ? subject_[i] : '\0'; }

  std::string_view subject_;
  std::string_view pattern_;
  std::size_t& steps_;
  std::size_t depth_ = kPatternMaxDepth;
  std::size_t level_ = 0;
  std::array<Capture, kPatternMaxCaptures> caps_{};
};

// Tries to match `pattern` (as is) at subject offset `init`; returns the match end and sets
// `caps` to the captures, or nullopt (also for init > subject size). Throws PatternError.
std::optional<std::size_t> match_at(std::string_view subject, std::size_t init, std::string_view pattern,
                                    std::vector<Capture>& caps, std::size_t& steps_left);

struct PatternSpan {
  std::size_t start = 0;
  std::size_t end = 0;
};
// The search of string.find/match: the first match at or after `init` (a leading '^' anchors
// it at `init`). Throws PatternError.
std::optional<PatternSpan> find_pattern(std::string_view subject, std::size_t init, std::string_view pattern,
                                        std::vector<Capture>& caps, std::size_t& steps_left);

// Whether string.find must use the matcher (the pattern has one of ^$*+?.([%-).
bool pattern_has_specials(std::string_view pattern);

// Installs bounded find, match, gmatch, gsub into the table at stack index `table_index`
// (replacing Lua's own), each limited to `max_steps` matching steps per call (for gmatch:
// per call of the iterator). Lua code they call back (gsub) runs under the normal hooks.
void install_bounded_patterns(lua_State* L, int table_index, std::size_t max_steps);

}  // namespace portcullis::hooks
