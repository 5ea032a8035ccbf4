// The pure core of the bounded Lua 5.4 pattern matcher (see pattern.hpp): a backtracking
// matcher over (subject offset, pattern offset) written from the manual §6.4.1, with the same
// order of attempts, the same nesting and the same lazily raised errors as Lua's, and a step
// budget charged for all the work it does. No Lua here (this file is also fuzzed alone).
#include <cstring>
#include <string>

#include "hooks/pattern.hpp"

namespace portcullis::hooks {
namespace {

constexpr std::size_t kBytesPerStep = 8;  // bulk scans (sets, back-references) charge per 8 bytes

// Character classes of the "C" locale, as Lua's <ctype.h> calls see them.
bool is_lower(unsigned c) { return c >= 'a' && c <= 'z'; }
bool is_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
bool is_alpha(unsigned c) { return is_lower(c) || is_upper(c); }
bool is_digit(unsigned c) { return c >= '0' && c <= '9'; }
bool is_alnum(unsigned c) { return is_alpha(c) || is_digit(c); }
bool is_graph(unsigned c) { return c > 32 && c < 127; }
bool is_cntrl(unsigned c) { return c < 32 || c == 127; }
bool is_space(unsigned c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
bool is_punct(unsigned c) { return is_graph(c) && !is_alnum(c); }
bool is_xdigit(unsigned c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Whether byte `c` is in class %`cl` (an unknown letter or any other byte stands for itself).
bool class_matches(unsigned char c, unsigned char cl) {
  bool res = false;
  switch (is_upper(cl) ? cl + ('a' - 'A') : cl) {
    case 'a': res = is_alpha(c); break;
    case 'c': res = is_cntrl(c); break;
    case 'd': res = is_digit(c); break;
    case 'g': res = is_graph(c); break;
    case 'l': res = is_lower(c); break;
    case 'p': res = is_punct(c); break;
    case 's': res = is_space(c); break;
    case 'u': res = is_upper(c); break;
    case 'w': res = is_alnum(c); break;
    case 'x': res = is_xdigit(c); break;
    case 'z': res = c == 0; break;  // not in the 5.4 manual any more, but still in Lua 5.4
    default: return cl == c;
  }
  return is_upper(cl) ? !res : res;
}

unsigned char byte(char c) { return static_cast<unsigned char>(c); }

}  // namespace

void PatternMatcher::charge(std::size_t n) {
  if (steps_ < n) {
    steps_ = 0;
    throw PatternError("pattern too complex (step limit exceeded)");
  }
  steps_ -= n;
}

std::optional<std::size_t> PatternMatcher::match(std::size_t init) {
  depth_ = kPatternMaxDepth;
  level_ = 0;
  if (init > subject_.size()) return std::nullopt;
  const std::size_t end = do_match(init, 0);
  if (end == kFail) return std::nullopt;
  return end;
}

std::size_t PatternMatcher::do_match(std::size_t s, std::size_t p) {
  if (depth_ == 0) throw PatternError("pattern too complex");
  --depth_;
  charge(1);
  const std::size_t res = match_items(s, p);
  ++depth_;
  return res;
}

// Matches the items from pattern offset `p` on; sequences loop, alternatives recurse.
std::size_t PatternMatcher::match_items(std::size_t s, std::size_t p) {
  while (p < pattern_.size()) {
    const char c = pattern_[p];
    if (c == '(') return pat(p + 1) == ')' ? start_capture(s, p + 2, true) : start_capture(s, p + 1, false);
    if (c == ')') return end_capture(s, p + 1);
    if (c == '$' && p + 1 == pattern_.size()) return s == subject_.size() ? s : kFail;
    if (c == '%') {
      const char next = pat(p + 1);
      if (next == 'b') {
        s = balance(s, p + 2);
        if (s == kFail) return kFail;
        p += 4;
        continue;
      }
      if (next == 'f') {
        p += 2;
        if (pat(p) != '[') throw PatternError("missing '[' after '%f' in pattern");
        const std::size_t ep = class_end(p);
        const char previous = s == 0 ? '\0' : subject_[s - 1];
        if (in_set(byte(previous), p, ep - 1) || !in_set(byte(sub(s)), p, ep - 1)) return kFail;
        p = ep;
        continue;
      }
      if (is_digit(byte(next))) {
        s = back_reference(s, next);
        if (s == kFail) return kFail;
        p += 2;
        continue;
      }
    }
    // A single-character class, maybe with a quantifier.
    const std::size_t ep = class_end(p);
    const char quantifier = pat(ep);
    if (!single(s, p, ep)) {
      if (quantifier == '*' || quantifier == '?' || quantifier == '-') {
        p = ep + 1;
        continue;
      }
      return kFail;
    }
    switch (quantifier) {
      case '?': {
        const std::size_t res = do_match(s + 1, ep + 1);
        if (res != kFail) return res;
        p = ep + 1;
        continue;
      }
      case '+': return max_expand(s + 1, p, ep);
      case '*': return max_expand(s, p, ep);
      case '-': return min_expand(s, p, ep);
      default:
        ++s;
        p = ep;
        continue;
    }
  }
  return s;
}

// The offset just after the single-character class at `p` (errors if it is malformed).
std::size_t PatternMatcher::class_end(std::size_t p) {
  const char c = pattern_[p++];
  if (c == '%') {
    if (p >= pattern_.size()) throw PatternError("malformed pattern (ends with '%')");
    return p + 1;
  }
  if (c == '[') {
    const std::size_t start = p;
    if (pat(p) == '^') ++p;
    do {  // the first byte is always in the set, even ']'
      if (p >= pattern_.size()) throw PatternError("malformed pattern (missing ']')");
      if (pattern_[p++] == '%' && p < pattern_.size()) ++p;
    } while (pat(p) != ']');
    charge((p - start) / kBytesPerStep);
    return p + 1;
  }
  return p;
}

// Whether the subject byte at `s` matches the class pattern_[p, ep).
bool PatternMatcher::single(std::size_t s, std::size_t p, std::size_t ep) {
  charge(1);
  if (s >= subject_.size()) return false;
  const unsigned char c = byte(subject_[s]);
  switch (pattern_[p]) {
    case '.': return true;
    case '%': return class_matches(c, byte(pattern_[p + 1]));
    case '[': return in_set(c, p, ep - 1);
    default: return byte(pattern_[p]) == c;
  }
}

// Whether `c` is in the set from the '[' at `p` to the ']' at `ec`.
bool PatternMatcher::in_set(unsigned char c, std::size_t p, std::size_t ec) {
  charge((ec - p) / kBytesPerStep);
  bool in = true;
  if (pat(p + 1) == '^') {
    in = false;
    ++p;
  }
  while (++p < ec) {
    if (pattern_[p] == '%') {
      ++p;
      if (class_matches(c, byte(pattern_[p]))) return in;
    } else if (pattern_[p + 1] == '-' && p + 2 < ec) {
      p += 2;
      if (byte(pattern_[p - 2]) <= c && c <= byte(pattern_[p])) return in;
    } else if (byte(pattern_[p]) == c) {
      return in;
    }
  }
  return !in;
}

// Greedy repetition: as many bytes as match, then give back one at a time.
std::size_t PatternMatcher::max_expand(std::size_t s, std::size_t p, std::size_t ep) {
  std::size_t i = 0;
  while (single(s + i, p, ep)) ++i;
  for (;;) {
    const std::size_t res = do_match(s + i, ep + 1);
    if (res != kFail) return res;
    if (i == 0) return kFail;
    --i;
  }
}

// Lazy repetition: the rest of the pattern first, one more byte only if it fails.
std::size_t PatternMatcher::min_expand(std::size_t s, std::size_t p, std::size_t ep) {
  for (;;) {
    const std::size_t res = do_match(s, ep + 1);
    if (res != kFail) return res;
    if (!single(s, p, ep)) return kFail;
    ++s;
  }
}

std::size_t PatternMatcher::start_capture(std::size_t s, std::size_t p, bool position) {
  if (level_ >= kPatternMaxCaptures) throw PatternError("too many captures");
  caps_[level_] = Capture{position, !position, s, 0};
  ++level_;
  const std::size_t res = do_match(s, p);
  if (res == kFail) --level_;
  return res;
}

std::size_t PatternMatcher::end_capture(std::size_t s, std::size_t p) {
  std::size_t l = level_;
  while (l > 0 && !caps_[l - 1].unfinished) --l;
  if (l == 0) throw PatternError("invalid pattern capture");
  Capture& cap = caps_[l - 1];
  cap.len = s - cap.start;
  cap.unfinished = false;
  const std::size_t res = do_match(s, p);
  if (res == kFail) cap.unfinished = true;
  return res;
}

// %1-%9: the text of a closed capture again (a position capture never matches).
std::size_t PatternMatcher::back_reference(std::size_t s, char digit) {
  const int l = digit - '1';
  if (l < 0 || static_cast<std::size_t>(l) >= level_ || caps_[static_cast<std::size_t>(l)].unfinished) {
    throw PatternError("invalid capture index %" + std::to_string(l + 1));
  }
  const Capture& cap = caps_[static_cast<std::size_t>(l)];
  if (cap.position) return kFail;
  charge(1 + cap.len / kBytesPerStep);
  if (subject_.size() - s < cap.len) return kFail;
  if (subject_.compare(s, cap.len, subject_.substr(cap.start, cap.len)) != 0) return kFail;
  return s + cap.len;
}

// %bxy: an x, then bytes up to the y that balances it.
std::size_t PatternMatcher::balance(std::size_t s, std::size_t p) {
  if (p + 1 >= pattern_.size()) throw PatternError("malformed pattern (missing arguments to '%b')");
  if (s >= subject_.size() || subject_[s] != pattern_[p]) return kFail;
  const char open = pattern_[p];
  const char close = pattern_[p + 1];
  std::size_t depth = 1;
  while (++s < subject_.size()) {
    charge(1);
    if (subject_[s] == close) {
      if (--depth == 0) return s + 1;
    } else if (subject_[s] == open) {
      ++depth;
    }
  }
  return kFail;
}

std::optional<std::size_t> match_at(std::string_view subject, std::size_t init, std::string_view pattern,
                                    std::vector<Capture>& caps, std::size_t& steps_left) {
  PatternMatcher m(subject, pattern, steps_left);
  const auto end = m.match(init);
  caps.clear();
  if (end) {
    for (std::size_t i = 0; i < m.captures(); ++i) caps.push_back(m.capture(i));
  }
  return end;
}

std::optional<PatternSpan> find_pattern(std::string_view subject, std::size_t init, std::string_view pattern,
                                        std::vector<Capture>& caps, std::size_t& steps_left) {
  caps.clear();
  const bool anchor = !pattern.empty() && pattern.front() == '^';
  if (anchor) pattern.remove_prefix(1);
  PatternMatcher m(subject, pattern, steps_left);
  for (std::size_t s = init; s <= subject.size(); ++s) {
    if (const auto end = m.match(s)) {
      for (std::size_t i = 0; i < m.captures(); ++i) caps.push_back(m.capture(i));
      return PatternSpan{s, *end};
    }
    if (anchor) break;
  }
  return std::nullopt;
}

bool pattern_has_specials(std::string_view pattern) {
  return pattern.find_first_of("^$*+?.([%-") != std::string_view::npos;
}

}  // namespace portcullis::hooks
