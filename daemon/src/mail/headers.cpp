// RFC 5322 header section parser and its incremental collector: see headers.hpp for the
// rules on malformed input. One line classifier serves both, so that the collector stops
// buffering exactly where parse_headers stops reading.
#include "mail/headers.hpp"

#include <algorithm>
#include <utility>

namespace portcullis::mail {
namespace {

bool is_wsp(char ch) { return ch == ' ' || ch == '\t'; }

// RFC 5322 ftext: printable US-ASCII except ':'.
bool is_ftext(char ch) {
  const auto c = static_cast<unsigned char>(ch);
  return c >= 33 && c <= 126 && c != ':';
}

char lower(char ch) { return (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// One line of the window: [start, content_end) is its text, [content_end, end) its line end
// (LF or CRLF; empty when the window ends inside the line).
struct Line {
  std::size_t start = 0;
  std::size_t content_end = 0;
  std::size_t end = 0;
  bool terminated = false;
};

Line line_at(std::string_view text, std::size_t start) {
  Line line;
  line.start = start;
  const std::size_t lf = text.find('\n', start);
  if (lf == std::string_view::npos) {
    line.content_end = line.end = text.size();
    return line;
  }
  line.terminated = true;
  line.end = lf + 1;
  line.content_end = (lf > start && text[lf - 1] == '\r') ? lf - 1 : lf;
  return line;
}

enum class Kind { field, continuation, mbox_from, blank, other };

struct Classified {
  Kind kind = Kind::other;
  std::size_t name_len = 0;  // field: octets of the name
  std::size_t colon = 0;     // field: index of the colon in the line
};

Classified classify(std::string_view content, bool first_line, bool in_field) {
  Classified c;
  if (content.empty()) {
    c.kind = Kind::blank;
    return c;
  }
  if (is_wsp(content[0])) {
    c.kind = in_field ? Kind::continuation : Kind::other;
    return c;
  }
  std::size_t i = 0;
  while (i < content.size() && is_ftext(content[i])) ++i;
  const std::size_t name_len = i;
  while (i < content.size() && is_wsp(content[i])) ++i;
  if (name_len > 0 && i < content.size() && content[i] == ':') {
    c.kind = Kind::field;
    c.name_len = name_len;
    c.colon = i;
    return c;
  }
  if (first_line && content.substr(0, 5) == "From ") c.kind = Kind::mbox_from;
  return c;  // Kind::other
}

// Removes the line ends inside a field value (each is followed by the WSP of a continuation
// line), then trims the WSP on both sides.
std::string unfold(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char ch = raw[i];
    if (ch == '\n') continue;
    if (ch == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;
    out += ch;
  }
  std::size_t b = 0;
  std::size_t e = out.size();
  while (b < e && is_wsp(out[b])) ++b;
  while (e > b && is_wsp(out[e - 1])) --e;
  return out.substr(b, e - b);
}

// The parser proper. `window` holds the first octets of a message of `total` octets
// (window.size() == min(total, max_bytes), or a prefix of that which reaches past the line
// that ends the header section); nothing beyond the window is looked at.
HeaderSection parse_window(std::string_view window, std::size_t total, const HeaderLimits& limits,
                           std::size_t base) {
  HeaderSection out;
  const bool cut = total > window.size();  // the message goes on past the window

  // The field being read: its first line and where its last line ends so far.
  bool open = false;
  std::size_t f_start = 0, f_name_len = 0, f_colon = 0, f_content_end = 0, f_end = 0;
  const auto close = [&] {
    if (!open) return;
    open = false;
    HeaderField f;
    f.name.assign(window.substr(f_start, f_name_len));
    const std::size_t value_start = f_start + f_colon + 1;
    f.raw_value.assign(window.substr(value_start, f_content_end - value_start));
    f.value = unfold(f.raw_value);
    f.offset = base + f_start;
    f.length = f_end - f_start;
    out.fields.push_back(std::move(f));
  };
  const auto stop = [&](std::size_t body, bool complete, bool truncated) {
    out.body_offset = base + body;
    out.complete = complete;
    out.truncated = truncated;
  };

  std::size_t pos = 0;
  for (;;) {
    if (pos >= window.size()) {
      if (cut) {  // the open field may go on past the window: dropped
        stop(open ? f_start : pos, false, true);
      } else {
        close();
        stop(total, false, false);
      }
      return out;
    }
    const Line line = line_at(window, pos);
    if (!line.terminated && cut) {  // a line cut by max_bytes
      if (open && is_wsp(window[line.start])) {
        stop(f_start, false, true);
      } else {
        close();
        stop(line.start, false, true);
      }
      return out;
    }
    const std::string_view content = window.substr(line.start, line.content_end - line.start);
    const Classified c = classify(content, line.start == 0, open);
    switch (c.kind) {
      case Kind::blank:
        close();
        stop(line.end, true, false);
        return out;
      case Kind::other:
        close();
        stop(line.start, false, false);
        return out;
      case Kind::continuation:
        f_content_end = line.content_end;
        f_end = line.end;
        break;
      case Kind::mbox_from:
        break;
      case Kind::field:
        close();
        if (out.fields.size() >= limits.max_fields) {
          stop(line.start, false, true);
          return out;
        }
        open = true;
        f_start = line.start;
        f_name_len = c.name_len;
        f_colon = c.colon;
        f_content_end = line.content_end;
        f_end = line.end;
        break;
    }
    pos = line.end;
  }
}

}  // namespace

const HeaderField* HeaderSection::first(std::string_view name) const {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return &f;
  return nullptr;
}

std::vector<const HeaderField*> HeaderSection::all(std::string_view name) const {
  std::vector<const HeaderField*> out;
  for (const auto& f : fields)
    if (iequals(f.name, name)) out.push_back(&f);
  return out;
}

HeaderSection parse_headers(std::string_view message, HeaderLimits limits) {
  return parse_window(message.substr(0, std::min(message.size(), limits.max_bytes)), message.size(), limits, 0);
}

HeaderCollector::HeaderCollector(HeaderLimits limits, std::size_t offset_base)
    : limits_(limits), offset_base_(offset_base) {}

void HeaderCollector::feed(std::string_view chunk) {
  total_ += chunk.size();
  if (done_) return;
  const std::size_t room = limits_.max_bytes - buffer_.size();
  buffer_.append(chunk.substr(0, std::min(chunk.size(), room)));
  scan();
  if (!done_ && buffer_.size() >= limits_.max_bytes) done_ = true;
}

// Classifies the complete lines buffered since the last call, as parse_window does, and stops
// at the line that ends the header section (keeping that line, dropping what follows).
void HeaderCollector::scan() {
  while (!done_) {
    const std::size_t lf = buffer_.find('\n', scan_pos_);
    if (lf == std::string::npos) {
      scan_pos_ = buffer_.size();
      return;
    }
    const Line line = line_at(buffer_, line_start_);
    const std::string_view content = std::string_view(buffer_).substr(line.start, line.content_end - line.start);
    switch (classify(content, line.start == 0, in_field_).kind) {
      case Kind::blank:
      case Kind::other:
        done_ = true;
        break;
      case Kind::field:
        in_field_ = true;
        if (++fields_ > limits_.max_fields) done_ = true;
        break;
      case Kind::continuation:
      case Kind::mbox_from:
        break;
    }
    line_start_ = scan_pos_ = line.end;
    if (done_) {
      buffer_.resize(line.end);
      buffer_.shrink_to_fit();
    }
  }
}

HeaderSection HeaderCollector::finish() const { return parse_window(buffer_, total_, limits_, offset_base_); }

}  // namespace portcullis::mail
