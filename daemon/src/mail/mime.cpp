// The streaming MIME parser. Rules: see mime.hpp.
//
// The input is cut into pieces that never cross a line end (and are at most kMaxPiece long).
// A line that starts with '-' while some boundary is active is first collected (at most
// max_boundary + 4 octets) to see whether it is a delimiter line; every other piece goes
// straight to the entity on top of the stack: to the header-line classifier while its header
// section is being read, else to its transfer decoder (leaves) or nowhere (multipart preamble
// and epilogue, parts beyond the limits). The line break ending a body line is held back
// until the next line is known not to be a delimiter line.
#include "mail/mime.hpp"

#include <algorithm>
#include <optional>

#include "mail/headers.hpp"
#include "mail/mime_decode.hpp"
#include "mail/mime_fields.hpp"

namespace portcullis::mail {
namespace {

constexpr std::size_t kMaxPiece = 64 * 1024;
constexpr std::size_t npos = MimePart::npos;

bool is_ftext(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 33 && u <= 126 && c != ':';
}

bool identity_encoding(std::string_view te) { return te.empty() || te == "7bit" || te == "8bit" || te == "binary"; }

bool is_message_type(std::string_view ct) { return ct == "message/rfc822" || ct == "message/global"; }

char lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// A name ending in ".eml" (any case; trailing dots and spaces ignored, as Windows does).
bool eml_name(std::string_view name) {
  while (!name.empty() && (name.back() == '.' || name.back() == ' ')) name.remove_suffix(1);
  if (name.size() < 4) return false;
  const std::string_view ext = name.substr(name.size() - 4);
  return ext[0] == '.' && lower(ext[1]) == 'e' && lower(ext[2]) == 'm' && lower(ext[3]) == 'l';
}

bool zip_magic(std::string_view b) {
  return b.size() >= 4 && b[0] == 'P' && b[1] == 'K' &&
         ((b[2] == 3 && b[3] == 4) || (b[2] == 5 && b[3] == 6) || (b[2] == 7 && b[3] == 8));
}

}  // namespace

struct MimeParser::State {
  enum class Mode { headers, body };
  enum class Kind { leaf, multipart, message, skip };
  enum class Line { start, cr, name, name_wsp, rest, mbox };

  struct Frame {
    std::size_t part = npos;  // npos: not recorded (max_parts)
    std::size_t depth = 0;
    Mode mode = Mode::headers;
    Kind kind = Kind::leaf;
    bool digest_child = false;            // default type message/rfc822
    bool digest = false;                  // multipart/digest
    std::vector<std::string> boundaries;  // multipart
    TransferDecoder decoder;              // leaf
    std::unique_ptr<MimeParser> nested;   // leaf parsed as a message
    bool zip_decided = false;
    bool zip = false;
    std::string zip_buf;
  };

  struct Match {
    std::size_t frame = 0;
    bool close = false;
  };

  State(MimeLimits l, ArchiveReader r) : limits(l), reader(std::move(r)) {
    limits.max_parts = std::max<std::size_t>(limits.max_parts, 1);
    push_part(npos, 0, 0, false);
  }

  MimeLimits limits;
  ArchiveReader reader;
  std::vector<MimePart> parts;
  std::vector<Frame> frames;
  bool truncated = false;
  bool finished = false;
  std::size_t boundary_count = 0;  // boundaries of the open multiparts

  // Position.
  std::size_t pos = 0;         // octets consumed
  std::size_t line_start = 0;  // first octet of the current line
  std::size_t prev_break = 0;  // first octet of the line break before the current line
  bool at_line_start = true;
  bool last_cr = false;        // the last octet consumed was a CR

  // Delimiter lines.
  bool deciding = false;
  std::string line;            // the line being examined
  bool skip_to_eol = false;    // the rest of a delimiter line
  bool child_pending = false;  // a part starts after it

  // The header section of the entity on top.
  std::string hdr;
  std::size_t hdr_line_begin = 0;
  Line hl = Line::start;
  bool field_open = false;
  bool hdr_truncated = false;

  // The body of the leaf on top.
  std::string pending_break;  // line break not yet known to be content
  bool held_cr = false;       // a CR at the end of a piece, maybe the start of a CRLF
  std::string scratch;        // decoded octets

  std::size_t keep() const { return limits.max_boundary + 4; }

  void push_part(std::size_t parent, std::size_t depth, std::size_t offset, bool digest_child) {
    Frame f;
    f.depth = depth;
    f.digest_child = digest_child;
    if (parts.size() >= limits.max_parts) {
      truncated = true;
      f.kind = Kind::skip;
      f.mode = Mode::body;
    } else {
      MimePart p;
      p.index = parts.size();
      p.parent = parent;
      p.depth = depth;
      p.offset = p.body_offset = p.end = offset;
      p.content_type = digest_child ? "message/rfc822" : "text/plain";
      f.part = p.index;
      parts.push_back(std::move(p));
    }
    frames.push_back(std::move(f));
    hdr.clear();
    hdr_line_begin = 0;
    hl = Line::start;
    field_open = false;
    hdr_truncated = false;
  }

  // The header section of `f` (on top) is complete: what kind of entity it is.
  void finish_headers(Frame& f, std::size_t body_offset) {
    f.mode = Mode::body;
    HeaderLimits hlim;
    hlim.max_bytes = hdr.size() + 1;
    hlim.max_fields = 10000;
    const PartFields pf = part_fields(parse_headers(hdr, hlim), f.digest_child ? "message/rfc822" : "text/plain");
    hdr.clear();
    MimePart& p = parts[f.part];
    p.content_type = pf.content_type;
    p.disposition = pf.disposition;
    p.filename = pf.filename;
    p.names = pf.names;
    p.transfer_encoding = pf.transfer_encoding;
    p.body_offset = body_offset;
    if (hdr_truncated) {
      p.headers_truncated = true;
      truncated = true;
    }
    const bool can_descend = f.depth < limits.max_depth;
    const bool multipart = p.content_type.rfind("multipart/", 0) == 0 && !pf.boundaries.empty();
    const bool long_boundary = std::any_of(pf.boundaries.begin(), pf.boundaries.end(),
                                           [&](const std::string& b) { return b.size() > limits.max_boundary; });
    if (multipart && can_descend && !long_boundary) {
      f.kind = Kind::multipart;
      f.boundaries = pf.boundaries;
      f.digest = p.content_type == "multipart/digest";
      boundary_count += f.boundaries.size();
      p.is_multipart = true;
      return;
    }
    if (multipart) truncated = true;  // a container not examined
    const bool message = is_message_type(p.content_type);
    if (message && identity_encoding(p.transfer_encoding) && can_descend) {
      f.kind = Kind::message;
      p.is_message = true;
      return;
    }
    f.kind = Kind::leaf;
    f.decoder = TransferDecoder(p.transfer_encoding);
    if (message || std::any_of(p.names.begin(), p.names.end(), [](const std::string& n) { return eml_name(n); })) {
      if (can_descend && parts.size() < limits.max_parts) {
        MimeLimits sub = limits;
        sub.max_parts = limits.max_parts - parts.size();
        sub.max_depth = limits.max_depth - f.depth - 1;
        f.nested = std::make_unique<MimeParser>(sub, reader);
        p.is_message = true;
      } else {
        truncated = true;
      }
    }
  }

  // After finish_headers in the data: a message's body is an entity of its own.
  void start_body(std::size_t body_offset) {
    const Frame& f = frames.back();
    if (f.kind == Kind::message) push_part(f.part, f.depth + 1, body_offset, false);
  }

  void sink(Frame& f, std::string_view d) {
    if (d.empty()) return;
    MimePart& p = parts[f.part];
    p.decoded_size += d.size();
    if (p.head.size() < limits.head_bytes) p.head.append(d.substr(0, limits.head_bytes - p.head.size()));
    if (f.nested) {
      f.nested->feed(d);
      return;
    }
    if (!f.zip_decided) {
      f.zip_buf.append(d);
      if (f.zip_buf.size() >= 4) decide_zip(f);
    } else if (f.zip) {
      f.zip_buf.append(d);
    }
    if (f.zip && f.zip_buf.size() > limits.archive_bytes + limits.archive_bytes / 2)
      f.zip_buf.erase(0, f.zip_buf.size() - limits.archive_bytes);
  }

  void decide_zip(Frame& f) {
    f.zip_decided = true;
    f.zip = reader && limits.archive_bytes > 0 && zip_magic(f.zip_buf);
    if (!f.zip) std::string().swap(f.zip_buf);
  }

  void emit(std::string_view raw) {
    Frame& f = frames.back();
    scratch.clear();
    f.decoder.decode(raw, scratch);
    sink(f, scratch);
  }

  // Ends the entity on top at `end`.
  void close_top(std::size_t end) {
    if (frames.back().part != npos) end = std::max(end, parts[frames.back().part].offset);
    if (frames.back().mode == Mode::headers && frames.back().part != npos) finish_headers(frames.back(), end);
    Frame f = std::move(frames.back());
    frames.pop_back();
    pending_break.clear();
    held_cr = false;
    hdr.clear();
    if (f.part == npos) return;
    const std::size_t idx = f.part;
    if (f.kind == Kind::multipart) boundary_count -= f.boundaries.size();
    if (f.kind == Kind::leaf) {
      scratch.clear();
      f.decoder.finish(scratch);
      sink(f, scratch);
      if (!f.zip_decided) decide_zip(f);
      if (f.zip) {
        ArchiveListing listing = reader(f.zip_buf, parts[idx].decoded_size);
        MimePart& p = parts[idx];
        p.archive = true;
        p.archive_names = std::move(listing.names);
        p.archive_encrypted = listing.encrypted;
        p.archive_truncated = listing.truncated;
      }
    }
    MimePart& p = parts[idx];
    p.end = end;
    p.body_offset = std::min(p.body_offset, p.end);
    if (f.nested) merge(*f.nested, idx);
  }

  void merge(MimeParser& nested, std::size_t container) {
    nested.finish();
    if (nested.truncated()) truncated = true;
    const std::size_t base = parts.size();
    const MimePart c = parts[container];
    for (MimePart q : nested.parts()) {
      if (parts.size() >= limits.max_parts) {
        truncated = true;
        break;
      }
      q.index += base;
      q.parent = q.parent == npos ? container : base + q.parent;
      q.depth += c.depth + 1;
      q.located = false;
      q.offset = c.offset;
      q.body_offset = c.body_offset;
      q.end = c.end;
      parts.push_back(std::move(q));
    }
  }

  // ---- lines

  void advance(std::string_view s) {
    if (s.empty()) return;
    if (s.back() == '\n') {
      const std::size_t lf = pos + s.size() - 1;
      const bool cr = s.size() >= 2 ? s[s.size() - 2] == '\r' : last_cr;
      prev_break = cr ? lf - 1 : lf;
      line_start = pos + s.size();
      at_line_start = true;
    } else {
      at_line_start = false;
    }
    last_cr = s.back() == '\r';
    pos += s.size();
  }

  // Octets of one line (never past its LF) that are not a delimiter line.
  void piece(std::string_view s) {
    dispatch(s, at_line_start, !s.empty() && s.back() == '\n');
    advance(s);
  }

  void dispatch(std::string_view s, bool starts, bool ends) {
    if (frames.back().mode == Mode::headers)
      header_piece(s, starts);
    else
      body_piece(s, starts, ends);
  }

  void body_piece(std::string_view s, bool starts, bool ends) {
    const Frame& f = frames.back();
    if (f.kind != Kind::leaf || f.part == npos) return;  // preamble, epilogue, skipped parts
    if (starts && !pending_break.empty()) {
      const std::string brk = std::move(pending_break);
      pending_break.clear();
      emit(brk);
    }
    if (held_cr) {
      held_cr = false;
      if (!s.empty() && s.front() == '\n') {
        pending_break = "\r\n";
        return;
      }
      emit("\r");
    }
    if (ends && !s.empty()) {
      std::size_t n = s.size() - 1;
      std::string_view brk = "\n";
      if (n > 0 && s[n - 1] == '\r') {
        --n;
        brk = "\r\n";
      }
      emit(s.substr(0, n));
      pending_break = std::string(brk);
    } else if (!s.empty() && s.back() == '\r') {
      emit(s.substr(0, s.size() - 1));
      held_cr = true;
    } else {
      emit(s);
    }
  }

  void header_piece(std::string_view s, bool starts) {
    if (starts) {
      hl = Line::start;
      hdr_line_begin = hdr.size();
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (hl == Line::mbox) return;  // the rest of the line is skipped
      const char c = s[i];
      if (hdr.size() < limits.max_header_bytes) {
        hdr += c;
      } else {
        hdr_truncated = true;
      }
      switch (hl) {
        case Line::start:
          if (c == '\n') return blank_line(pos + i + 1);
          if (c == '\r') {
            hl = Line::cr;
          } else if (c == ' ' || c == '\t') {
            if (!field_open) return body_line(s, i);
            hl = Line::rest;
          } else if (is_ftext(c)) {
            hl = Line::name;
          } else {
            return body_line(s, i);
          }
          break;
        case Line::cr:
          if (c == '\n') return blank_line(pos + i + 1);
          return body_line(s, i);
        case Line::name:
          if (c == ':') {
            hl = Line::rest;
            field_open = true;
          } else if (c == ' ' || c == '\t') {
            hl = Line::name_wsp;
          } else if (!is_ftext(c)) {
            return body_line(s, i);
          }
          break;
        case Line::name_wsp:
          if (c == ':') {
            hl = Line::rest;
            field_open = true;
          } else if (c != ' ' && c != '\t') {
            return body_line(s, i);
          }
          break;
        case Line::rest:
        case Line::mbox:
          break;
      }
    }
  }

  void blank_line(std::size_t body_offset) {
    hdr.resize(std::min(hdr.size(), hdr_line_begin));
    finish_headers(frames.back(), body_offset);
    start_body(body_offset);
  }

  // s[i] shows that the current line is no header line: it is the first line of the body.
  void body_line(std::string_view s, std::size_t i) {
    std::string text = hdr_line_begin < hdr.size() ? hdr.substr(hdr_line_begin) : std::string();
    hdr.resize(std::min(hdr.size(), hdr_line_begin));
    if (line_start == 0 && frames.size() == 1 && frames.back().part == 0 && text.rfind("From ", 0) == 0) {
      hl = Line::mbox;  // mbox separator line: skipped
      return;
    }
    text.append(s.substr(i + 1));
    // (Octets beyond max_header_bytes were not kept: the line may have lost its LF too.)
    const bool ends = !text.empty() && text.back() == '\n';
    finish_headers(frames.back(), line_start);
    start_body(line_start);
    dispatch(text, true, ends);
  }

  // `l` (a line or its first keep() octets) as a delimiter line: a line that is exactly a
  // delimiter ("--" boundary ["--"] and white space only) wins, innermost first; else the
  // innermost boundary the line starts with.
  std::optional<Match> match(std::string_view l) const {
    if (l.size() < 2 || l[0] != '-' || l[1] != '-') return std::nullopt;
    const bool complete = !l.empty() && l.back() == '\n';
    std::optional<Match> prefix;
    for (std::size_t k = frames.size(); k-- > 0;) {
      for (const std::string& b : frames[k].boundaries) {
        if (l.size() < 2 + b.size() || l.compare(2, b.size(), b) != 0) continue;
        std::size_t after = 2 + b.size();
        const bool close = l.size() >= after + 2 && l[after] == '-' && l[after + 1] == '-';
        if (close) after += 2;
        const std::string_view rest = l.substr(after);
        const bool exact = complete && rest.find_first_not_of(" \t\r\n") == std::string_view::npos;
        if (exact) return Match{k, close};
        if (!prefix) prefix = Match{k, close};
      }
    }
    return prefix;
  }

  void decide() {
    deciding = false;
    const std::string l = std::move(line);
    line.clear();
    const auto m = match(l);
    if (!m) {
      piece(l);
      return;
    }
    pending_break.clear();  // the line break before a delimiter belongs to it
    held_cr = false;
    while (frames.size() > m->frame + 1) close_top(prev_break);
    const bool ends = l.back() == '\n';
    advance(l);
    if (!ends) skip_to_eol = true;
    if (!m->close) {
      if (ends) {
        start_child();
      } else {
        child_pending = true;
      }
    }
  }

  void start_child() {
    const Frame& f = frames.back();
    push_part(f.part, f.depth + 1, pos, f.digest);
  }

  void feed(std::string_view chunk) {
    while (!chunk.empty()) {
      if (skip_to_eol) {
        const auto lf = chunk.find('\n');
        const std::size_t n = lf == std::string_view::npos ? chunk.size() : lf + 1;
        advance(chunk.substr(0, n));
        chunk.remove_prefix(n);
        if (lf != std::string_view::npos) {
          skip_to_eol = false;
          if (child_pending) {
            child_pending = false;
            start_child();
          }
        }
        continue;
      }
      if (at_line_start && !deciding && boundary_count > 0 && chunk.front() == '-') deciding = true;
      if (deciding) {
        const std::size_t room = keep() - line.size();
        const auto lf = chunk.substr(0, room).find('\n');
        const std::size_t n = lf == std::string_view::npos ? std::min(room, chunk.size()) : lf + 1;
        line.append(chunk.substr(0, n));
        chunk.remove_prefix(n);
        if (lf != std::string_view::npos || line.size() >= keep()) decide();
        continue;
      }
      const auto lf = chunk.substr(0, kMaxPiece).find('\n');
      const std::size_t n = lf == std::string_view::npos ? std::min(kMaxPiece, chunk.size()) : lf + 1;
      piece(chunk.substr(0, n));
      chunk.remove_prefix(n);
    }
  }

  void finish() {
    if (deciding) decide();
    skip_to_eol = false;
    child_pending = false;
    const Frame& top = frames.back();
    if (top.mode == Mode::body && top.kind == Kind::leaf && top.part != npos) {
      if (held_cr) {
        held_cr = false;
        emit("\r");
      }
      if (!pending_break.empty()) {
        const std::string brk = std::move(pending_break);
        pending_break.clear();
        emit(brk);
      }
    }
    while (!frames.empty()) close_top(pos);
    finished = true;
  }
};

MimeParser::MimeParser(MimeLimits limits, ArchiveReader archive_reader)
    : s_(std::make_unique<State>(limits, std::move(archive_reader))) {}
MimeParser::~MimeParser() = default;
MimeParser::MimeParser(MimeParser&&) noexcept = default;
MimeParser& MimeParser::operator=(MimeParser&&) noexcept = default;

void MimeParser::feed(std::string_view chunk) {
  if (!s_->finished) s_->feed(chunk);
}

void MimeParser::finish() {
  if (!s_->finished) s_->finish();
}

const std::vector<MimePart>& MimeParser::parts() const { return s_->parts; }
bool MimeParser::truncated() const { return s_->truncated; }
bool MimeParser::finished() const { return s_->finished; }
std::uint64_t MimeParser::size() const { return s_->pos + s_->line.size(); }

MimeParser parse_mime(std::string_view message, const MimeLimits& limits, ArchiveReader archive_reader) {
  MimeParser parser(limits, std::move(archive_reader));
  parser.feed(message);
  parser.finish();
  return parser;
}

}  // namespace portcullis::mail
