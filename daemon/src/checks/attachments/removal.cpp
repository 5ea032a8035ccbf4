// Blocked parts replaced by a short text part. See removal.hpp.
#include "checks/attachments/removal.hpp"
#include "core/utf8.hpp"

#include <algorithm>
#include <map>

namespace portcullis::checks::attachments {
namespace {

constexpr std::size_t npos = mail::MimePart::npos;
constexpr std::size_t kMaxText = 200;
constexpr std::size_t kMaxLine = 76;

// Valid UTF-8 without control octets, at most kMaxText octets of whole characters.
std::string clean(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::string_view ch;
    std::size_t n = 1;
    if (c < 0x20 || c == 0x7F) {
      ch = "?";
    } else if (c < 0x80) {
      ch = s.substr(i, 1);
    } else if (const std::size_t len = core::utf8_sequence_length(s, i); len > 0) {
      ch = s.substr(i, len);
      n = len;
    } else {
      ch = "\xEF\xBF\xBD";
    }
    if (out.size() + ch.size() > kMaxText) break;
    out += ch;
    i += n;
  }
  return out;
}

// One line of text as quoted-printable lines (soft breaks), see removal.hpp.
std::string quoted_printable(std::string_view text, std::string_view newline) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  std::size_t line = 0;  // octets on the current output line
  for (const char ch : text) {
    const auto u = static_cast<unsigned char>(ch);
    std::string token;
    const bool plain = (u >= 33 && u <= 126 && ch != '=') || ch == ' ';
    const bool risky_first = line == 0 && (ch == '-' || ch == '.' || ch == 'F' || ch == ' ');
    if (plain && !risky_first) {
      token = std::string(1, ch);
    } else {
      token = {'=', hex[u >> 4], hex[u & 15]};
    }
    if (line + token.size() > kMaxLine - 1) {  // room for the '=' of a soft break
      out += '=';
      out += newline;
      line = 0;
      if (plain && (ch == '-' || ch == '.' || ch == 'F' || ch == ' ')) token = {'=', hex[u >> 4], hex[u & 15]};
    }
    out += token;
    line += token.size();
  }
  if (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {  // no white space at a line's end
    const auto u = static_cast<unsigned char>(out.back());
    out.pop_back();
    out += {'=', hex[u >> 4], hex[u & 15]};
  }
  return out;
}

std::string replacement_part(const std::vector<const Finding*>& findings, std::string_view newline) {
  std::string out;
  out += "Content-Type: text/plain; charset=utf-8";
  out += newline;
  out += "Content-Transfer-Encoding: quoted-printable";
  out += newline;
  out += "Content-Disposition: inline";
  out += newline;
  out += newline;
  bool first = true;
  for (const Finding* f : findings) {
    std::string text = f->filename.empty() ? "An attachment" : "The attachment \"" + clean(f->filename) + "\"";
    text += " was removed by the mail gateway's policy (" + clean(f->reason) + ").";
    if (!first) out += newline;
    out += quoted_printable(text, newline);
    first = false;
  }
  return out;
}

}  // namespace

Removal removal_edits(const std::vector<mail::MimePart>& parts, const std::vector<Finding>& findings,
                      std::string_view newline) {
  Removal out;
  // The part replaced for each finding (first finding of each blocked part only).
  std::map<std::size_t, std::vector<const Finding*>> targets;
  std::vector<std::size_t> done;
  for (const Finding& f : findings) {
    if (std::find(done.begin(), done.end(), f.part) != done.end()) continue;
    done.push_back(f.part);
    std::size_t t = f.part < parts.size() ? f.part : npos;
    for (std::size_t steps = 0; t != npos; ++steps) {
      if (steps > parts.size()) {  // parents that loop: not from the parser
        t = npos;
        break;
      }
      const mail::MimePart& p = parts[t];
      if (p.parent >= parts.size()) {
        t = npos;
        break;
      }
      if (p.located && parts[p.parent].is_multipart) break;
      t = p.parent;
    }
    if (t == npos) {
      out.complete = false;
      continue;
    }
    targets[t].push_back(&f);
  }
  // Drop targets inside other targets (their findings join the outer one).
  std::map<std::size_t, std::vector<const Finding*>> outer;
  for (auto& [t, list] : targets) {
    std::size_t top = t;
    std::size_t steps = 0;
    for (std::size_t a = parts[t].parent; a < parts.size() && steps <= parts.size(); a = parts[a].parent, ++steps)
      if (targets.count(a)) top = a;
    auto& dest = outer[top];
    dest.insert(dest.end(), list.begin(), list.end());
  }
  for (auto& [t, list] : outer) {
    std::sort(list.begin(), list.end(), [](const Finding* a, const Finding* b) { return a->part < b->part; });
    const mail::MimePart& p = parts[t];
    if (p.end <= p.offset) continue;  // an empty part (two delimiter lines in a row): nothing to replace
    out.edits.push_back(Edit{p.offset, p.end - p.offset, replacement_part(list, newline)});
  }
  std::sort(out.edits.begin(), out.edits.end(), [](const Edit& a, const Edit& b) { return a.offset < b.offset; });
  return out;
}

std::string apply_edits(std::string_view message, const std::vector<Edit>& edits) {
  std::string out;
  std::size_t at = 0;
  for (const Edit& e : edits) {
    if (e.offset < at || e.offset > message.size() || e.length > message.size() - e.offset) continue;
    out.append(message.substr(at, e.offset - at));
    out += e.replacement;
    at = e.offset + e.length;
  }
  out.append(message.substr(at));
  return out;
}

}  // namespace portcullis::checks::attachments
