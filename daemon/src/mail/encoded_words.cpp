// RFC 2047 encoded-word decoding to UTF-8 (four charsets), and the lenient RFC 5322
// address-list parser that uses it for display names. Rules: see encoded_words.hpp.
#include "mail/encoded_words.hpp"
#include "core/utf8.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace portcullis::mail {
namespace {

enum class Charset { utf8, ascii, latin1, cp1252 };

char lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::optional<Charset> charset_of(std::string_view name) {
  if (const auto star = name.find('*'); star != std::string_view::npos) name = name.substr(0, star);  // RFC 2231 language
  for (std::string_view n : {"utf-8", "utf8"})
    if (iequals(name, n)) return Charset::utf8;
  for (std::string_view n : {"us-ascii", "ascii"})
    if (iequals(name, n)) return Charset::ascii;
  for (std::string_view n : {"iso-8859-1", "iso8859-1", "iso_8859-1", "latin1"})
    if (iequals(name, n)) return Charset::latin1;
  for (std::string_view n : {"windows-1252", "cp1252"})
    if (iequals(name, n)) return Charset::cp1252;
  return std::nullopt;
}

void put_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {  // the BMP is enough here
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

constexpr std::uint32_t replacement = 0xFFFD;

// windows-1252 0x80..0x9F (0: not assigned).
constexpr std::array<std::uint16_t, 32> cp1252_high = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

void to_utf8(std::string_view bytes, Charset cs, std::string& out) {
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    switch (cs) {
      case Charset::utf8:
        if (const std::size_t n = core::utf8_sequence_length(bytes, i); n > 0) {
          out.append(bytes.substr(i, n));
          i += n - 1;
        } else {
          put_utf8(out, replacement);
        }
        break;
      case Charset::ascii:
        put_utf8(out, replacement);
        break;
      case Charset::latin1:
        put_utf8(out, c);
        break;
      case Charset::cp1252:
        if (c < 0xA0) {
          const std::uint16_t cp = cp1252_high[c - 0x80];
          put_utf8(out, cp != 0 ? cp : replacement);
        } else {
          put_utf8(out, c);
        }
        break;
    }
  }
}

int hex_value(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

int base64_value(char ch) {
  if (ch >= 'A' && ch <= 'Z') return ch - 'A';
  if (ch >= 'a' && ch <= 'z') return ch - 'a' + 26;
  if (ch >= '0' && ch <= '9') return ch - '0' + 52;
  if (ch == '+') return 62;
  if (ch == '/') return 63;
  return -1;
}

std::optional<std::string> decode_q(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    if (ch == '_') {
      out += ' ';
    } else if (ch == '=') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += ch;
    }
  }
  return out;
}

std::optional<std::string> decode_b(std::string_view text) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char ch : text) {
    const int v = base64_value(ch);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  return out;
}

bool is_token_char(char ch) {  // RFC 2047 token: printable ASCII but no space and especials
  const auto c = static_cast<unsigned char>(ch);
  if (c <= 32 || c >= 127) return false;
  constexpr std::string_view especials = "()<>@,;:\"/[]?.=";
  return especials.find(ch) == std::string_view::npos;
}

constexpr std::size_t max_charset = 64;

// An encoded word starting at value[start] ("=?" there): its end and decoded UTF-8, or
// nullopt when it is malformed or in an unknown charset.
std::optional<std::string> encoded_word(std::string_view value, std::size_t start, std::size_t& end) {
  std::size_t i = start + 2;
  const std::size_t cs_start = i;
  while (i < value.size() && i - cs_start <= max_charset && (is_token_char(value[i]) || value[i] == '*')) ++i;
  if (i == cs_start || i - cs_start > max_charset || i + 2 >= value.size() || value[i] != '?') return std::nullopt;
  const std::string_view cs_name = value.substr(cs_start, i - cs_start);
  const char enc = lower(value[i + 1]);
  if ((enc != 'b' && enc != 'q') || value[i + 2] != '?') return std::nullopt;
  const std::size_t text_start = i + 3;
  std::size_t j = text_start;
  for (;; ++j) {
    if (j >= value.size()) return std::nullopt;
    const auto c = static_cast<unsigned char>(value[j]);
    if (c == '?') break;
    if (c <= 32 || c >= 127) return std::nullopt;
  }
  if (j + 1 >= value.size() || value[j + 1] != '=') return std::nullopt;
  const auto cs = charset_of(cs_name);
  if (!cs) return std::nullopt;
  const std::string_view text = value.substr(text_start, j - text_start);
  const auto bytes = enc == 'b' ? decode_b(text) : decode_q(text);
  if (!bytes) return std::nullopt;
  std::string out;
  to_utf8(*bytes, *cs, out);
  end = j + 2;
  return out;
}

bool all_lwsp(std::string_view s) {
  for (const char ch : s)
    if (ch != ' ' && ch != '\t' && ch != '\r' && ch != '\n') return false;
  return true;
}

}  // namespace

std::string decode_encoded_words(std::string_view value, std::size_t max_output) {
  std::string out;
  std::size_t literal = 0;    // start of the text not copied yet
  bool after_word = false;    // a decoded word ends at `literal`
  std::size_t i = 0;
  while (i + 1 < value.size() && out.size() <= max_output) {
    std::size_t end = 0;
    if (value[i] != '=' || value[i + 1] != '?') {
      ++i;
      continue;
    }
    auto decoded = encoded_word(value, i, end);
    if (!decoded) {
      ++i;
      continue;
    }
    const std::string_view between = value.substr(literal, i - literal);
    if (!(after_word && all_lwsp(between))) out.append(between);
    out.append(*decoded);
    literal = i = end;
    after_word = true;
  }
  if (out.size() <= max_output) out.append(value.substr(literal, max_output - out.size() + 1));
  if (out.size() > max_output) {  // cut, not inside a UTF-8 sequence
    std::size_t cut = max_output;
    for (int k = 0; k < 3 && cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80; ++k) --cut;
    out.resize(cut);
  }
  return out;
}

// ---- Address lists -------------------------------------------------------------------------

namespace {

enum class Tok { atom, quoted, comment, literal, special };

struct Token {
  Tok kind = Tok::atom;
  std::size_t start = 0, end = 0;  // in the value, delimiters included
  bool space_before = false;       // white space or a comment since the previous token
  char ch = 0;                     // special: the character
};

bool is_space(char ch) { return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n'; }
bool is_special(char ch) {
  constexpr std::string_view specials = "()<>[]:;@,.\"";
  return specials.find(ch) != std::string_view::npos;
}

// End of a quoted string, comment or domain literal opened at value[i]; an unterminated one
// runs to the end. Backslash quotes the next octet; comments nest.
std::size_t delimited_end(std::string_view value, std::size_t i, char open, char close) {
  int depth = 0;
  std::size_t j = i;
  while (j < value.size()) {
    const char ch = value[j];
    if (ch == '\\' && j > i) {
      j += 2;
      continue;
    }
    if (ch == close && j > i) {
      if (--depth == 0) return j + 1;
    } else if (ch == open && (open == '(' || j == i)) {
      ++depth;
    }
    ++j;
  }
  return value.size();
}

// Content of a quoted string or comment: delimiters off, quoted pairs unquoted, CR/LF dropped.
std::string unquote(std::string_view value, const Token& t) {
  std::size_t b = t.start + 1, e = t.end;
  const char close = t.kind == Tok::quoted ? '"' : ')';
  if (e > b && value[e - 1] == close) --e;
  std::string out;
  for (std::size_t i = b; i < e; ++i) {
    char ch = value[i];
    if (ch == '\\' && i + 1 < e) ch = value[++i];
    if (ch == '\r' || ch == '\n') continue;
    out += ch;
  }
  return out;
}

std::string trim_collapse(std::string_view s) {
  std::string out;
  bool space = false;
  for (const char ch : s) {
    if (is_space(ch)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += ch;
  }
  return out;
}

std::string trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return std::string(s);
}

// A display name from the phrase tokens [b, e): words joined by one space where the source
// had white space or a comment, quoted strings unquoted (their white space kept), encoded
// words decoded.
std::string phrase_text(std::string_view value, const std::vector<Token>& toks, std::size_t b, std::size_t e) {
  std::string out;
  for (std::size_t k = b; k < e; ++k) {
    const Token& t = toks[k];
    if (t.kind == Tok::comment) continue;
    if (!out.empty() && t.space_before) out += ' ';
    if (t.kind == Tok::quoted) {
      out += unquote(value, t);
    } else {
      for (std::size_t i = t.start; i < t.end; ++i)
        if (value[i] != '\r' && value[i] != '\n') out += value[i];
    }
  }
  return decode_encoded_words(trim(out));
}

// The first comment of [b, e) as a display name, or "".
std::string comment_text(std::string_view value, const std::vector<Token>& toks, std::size_t b, std::size_t e) {
  for (std::size_t k = b; k < e; ++k)
    if (toks[k].kind == Tok::comment) return decode_encoded_words(trim_collapse(unquote(value, toks[k])));
  return {};
}

// An addr-spec from the tokens [b, e) as written, without white space, comments, angle
// brackets and an obsolete route ("@a,@b:").
std::string addr_text(std::string_view value, const std::vector<Token>& toks, std::size_t b, std::size_t e) {
  std::string out;
  for (std::size_t k = b; k < e; ++k) {
    const Token& t = toks[k];
    if (t.kind == Tok::comment || (t.kind == Tok::special && (t.ch == '<' || t.ch == '>'))) continue;
    for (std::size_t i = t.start; i < t.end; ++i)
      if (value[i] != '\r' && value[i] != '\n') out += value[i];
  }
  if (!out.empty() && out.front() == '@') {
    if (const auto colon = out.find(':'); colon != std::string::npos) out.erase(0, colon + 1);
  }
  return out;
}

bool is_word(const Token& t) { return t.kind == Tok::atom || t.kind == Tok::quoted || t.kind == Tok::literal; }
bool is_joiner(const Token& t) { return t.kind == Tok::special && (t.ch == '.' || t.ch == '@'); }

// One mailbox from the tokens of one list element (no top-level ',' ':' ';' inside).
void mailbox(std::string_view value, const std::vector<Token>& toks, std::vector<DisplayAddress>& out) {
  DisplayAddress a;
  std::size_t lt = toks.size();
  for (std::size_t k = 0; k < toks.size(); ++k)
    if (toks[k].kind == Tok::special && toks[k].ch == '<') {
      lt = k;
      break;
    }
  if (lt < toks.size()) {  // [phrase] "<" addr-spec ">"
    std::size_t gt = lt + 1;
    while (gt < toks.size() && !(toks[gt].kind == Tok::special && toks[gt].ch == '>')) ++gt;
    a.display_name = phrase_text(value, toks, 0, lt);
    a.address = addr_text(value, toks, lt + 1, gt);
  } else {
    // Runs of words joined by '.' or '@'; stray specials are dropped. The last run holding
    // an '@' is the address and the words before it the display name.
    std::vector<Token> words;
    for (const Token& t : toks)
      if (t.kind != Tok::comment && (is_word(t) || is_joiner(t))) words.push_back(t);
    std::vector<std::size_t> run_starts;
    for (std::size_t k = 0; k < words.size(); ++k)
      if (k == 0 || !(is_joiner(words[k]) || is_joiner(words[k - 1]))) run_starts.push_back(k);
    std::size_t best = run_starts.size();
    for (std::size_t r = 0; r < run_starts.size(); ++r) {
      const std::size_t e = r + 1 < run_starts.size() ? run_starts[r + 1] : words.size();
      for (std::size_t k = run_starts[r]; k < e; ++k)
        if (words[k].kind == Tok::special && words[k].ch == '@') best = r;
    }
    if (best < run_starts.size()) {
      const std::size_t e = best + 1 < run_starts.size() ? run_starts[best + 1] : words.size();
      a.address = addr_text(value, words, run_starts[best], e);
      a.display_name = phrase_text(value, words, 0, run_starts[best]);
    } else if (run_starts.size() == 1 && words.front().kind != Tok::quoted) {  // "postmaster"
      a.address = addr_text(value, words, 0, words.size());
    } else {
      a.display_name = phrase_text(value, words, 0, words.size());
    }
  }
  if (a.display_name.empty()) a.display_name = comment_text(value, toks, 0, toks.size());
  if (!a.display_name.empty() || !a.address.empty()) out.push_back(std::move(a));
}

}  // namespace

std::vector<DisplayAddress> parse_address_list(std::string_view value, std::size_t max_addresses) {
  std::vector<DisplayAddress> out;
  std::vector<Token> toks;  // of the current list element
  bool in_angle = false;
  bool space = false;
  std::size_t i = 0;
  while (i < value.size() && out.size() < max_addresses) {
    const char ch = value[i];
    if (is_space(ch)) {
      space = true;
      ++i;
      continue;
    }
    Token t;
    t.start = i;
    t.space_before = space;
    space = false;
    if (ch == '"') {
      t.kind = Tok::quoted;
      t.end = delimited_end(value, i, '"', '"');
    } else if (ch == '(') {
      t.kind = Tok::comment;
      t.end = delimited_end(value, i, '(', ')');
      space = true;
    } else if (ch == '[') {
      t.kind = Tok::literal;
      t.end = delimited_end(value, i, '[', ']');
    } else if (is_special(ch)) {
      t.kind = Tok::special;
      t.ch = ch;
      t.end = i + 1;
    } else {
      t.kind = Tok::atom;
      t.end = i + 1;
      while (t.end < value.size() && !is_space(value[t.end]) && !is_special(value[t.end])) ++t.end;
    }
    i = t.end;
    if (t.kind == Tok::special && !in_angle) {
      if (ch == ',' || ch == ';') {  // end of a list element (';' also ends a group)
        mailbox(value, toks, out);
        toks.clear();
        continue;
      }
      if (ch == ':') {  // what came before names a group: its members follow
        toks.clear();
        continue;
      }
    }
    if (t.kind == Tok::special && ch == '<') in_angle = true;
    if (t.kind == Tok::special && ch == '>') in_angle = false;
    toks.push_back(t);
  }
  if (out.size() < max_addresses) mailbox(value, toks, out);
  return out;
}

}  // namespace portcullis::mail
