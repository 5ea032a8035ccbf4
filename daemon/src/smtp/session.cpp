// smtp::Session: the event loop, reply queue, error accounting and DATA/BDAT streaming.
// The commands themselves are in session_commands.cpp, the body rules in session_body.cpp.
#include "smtp/session.hpp"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace portcullis::smtp {
namespace {

constexpr std::size_t max_command_line = 512;  // octets including CRLF (RFC 5321 4.5.3.1.4)
constexpr std::size_t keep_capacity = 256 * 1024;

Event make_event(Event::Kind kind) {
  Event e;
  e.kind = kind;
  return e;
}

bool is_reply_line(std::string_view line) {
  if (line.size() < 3 || line[0] < '2' || line[0] > '5') return false;
  if (line[1] < '0' || line[1] > '9' || line[2] < '0' || line[2] > '9') return false;
  return line.size() == 3 || line[3] == ' ' || line[3] == '-';
}

// The driver's answer as wire lines: CRLF-terminated, continuation marks set, control
// characters neutralised. Anything that is not a reply becomes a temporary failure.
std::string format_reply(std::string_view text) {
  std::vector<std::string> lines;
  std::string line;
  for (char ch : text) {
    if (ch == '\n') {
      lines.push_back(std::move(line));
      line.clear();
    } else if (ch != '\r') {
      const auto c = static_cast<unsigned char>(ch);
      line += (c < 0x20 || c == 0x7f) ? '?' : ch;
    }
  }
  lines.push_back(std::move(line));
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  const bool valid = !lines.empty() && std::all_of(lines.begin(), lines.end(), [&](const std::string& l) {
    return is_reply_line(l) && l.compare(0, 3, lines.front(), 0, 3) == 0;
  });
  if (!valid) return "451 4.3.0 Error: internal error\r\n";
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    std::string& l = lines[i];
    const bool last = i + 1 == lines.size();
    if (l.size() == 3) {
      if (!last) l += '-';
    } else {
      l[3] = last ? ' ' : '-';
    }
    out += l;
    out += "\r\n";
  }
  return out;
}

// The configured host name goes into replies: printable ASCII only.
std::string clean_hostname(std::string_view name) {
  std::string out;
  for (char ch : name)
    if (ch > 0x20 && ch < 0x7f) out += ch;
  return out.empty() ? std::string("localhost") : out;
}

}  // namespace

Session::Session(SessionOptions options) : options_(std::move(options)), tls_active_(options_.tls) {
  options_.hostname = clean_hostname(options_.hostname);
}

void Session::tls_started() {
  if (phase_ == Phase::closed) return;
  tls_active_ = true;
  helo_done_ = false;
  pending_helo_.clear();
  end_transaction();
  envelope_.helo.clear();
  envelope_.esmtp = false;
}

void Session::greet() {
  if (phase_ == Phase::closed) return;
  reply("220 " + options_.hostname + " ESMTP Portcullis");
}

void Session::early_talker() {
  if (phase_ == Phase::closed) return;
  reply("554 5.5.1 " + options_.hostname +
        " Error: SMTP protocol synchronization (client spoke before the greeting)");
  close_now();
}

void Session::refuse(std::string_view text) {
  if (phase_ == Phase::closed) return;
  out_ += format_reply(text);
  close_now();
}

void Session::feed(std::string_view bytes) {
  if (phase_ == Phase::closed) return;
  if (in_pos_ == in_.size()) {
    in_.clear();
    in_pos_ = 0;
  }
  in_.append(bytes);
}

Event Session::next() {
  // A question returned but never answered is a driver bug: fail it temporarily.
  if (question_ != Question::none && events_.empty()) answer("451 4.3.0 Error: internal error");
  if (end_deferred_) {
    end_deferred_ = false;
    end_transaction();
  }
  for (;;) {
    if (!events_.empty()) {
      Event e = std::move(events_.front());
      events_.pop_front();
      if (e.kind == Event::Kind::message_data) e.data = data_buf_;
      if (e.kind == Event::Kind::helo) e.data = pending_helo_;
      return e;
    }
    if (phase_ == Phase::closed) return make_event(Event::Kind::close);
    bool progressed = false;
    switch (phase_) {
      case Phase::command: progressed = step_command(); break;
      case Phase::data: progressed = step_data(); break;
      case Phase::bdat: progressed = step_bdat(); break;
      case Phase::closed: break;
    }
    if (!progressed) {
      in_.erase(0, in_pos_);
      in_pos_ = 0;
      if (in_.capacity() > keep_capacity) in_.shrink_to_fit();
      return make_event(Event::Kind::need_input);
    }
  }
}

void Session::answer(std::string_view text) {
  if (question_ == Question::none || !events_.empty()) return;
  const Question q = std::exchange(question_, Question::none);
  const std::string r = format_reply(text);
  const bool ok = r[0] == '2';
  if (q == Question::helo && ok) {
    accept_helo();
    return;
  }
  out_ += r;
  switch (q) {
    case Question::helo: pending_helo_.clear(); break;
    case Question::mail:
      if (ok) {
        transaction_ = true;
      } else {
        end_transaction();
      }
      break;
    case Question::rcpt:
      if (ok) {
        envelope_.recipients.push_back(std::move(pending_rcpt_));
        envelope_.bare_postmaster.push_back(pending_postmaster_);
      }
      pending_rcpt_ = {};
      break;
    case Question::message: end_transaction(); break;
    case Question::none: break;
  }
  if (r[0] == '5' && (q == Question::helo || q == Question::mail || q == Question::rcpt)) count_error();
}

void Session::timeout() {
  if (phase_ == Phase::closed) return;
  events_.clear();
  reply("421 4.4.2 " + options_.hostname + " Error: timeout exceeded");
  close_now();
}

void Session::shutdown() {
  if (phase_ == Phase::closed) return;
  events_.clear();
  reply("421 4.3.2 " + options_.hostname + " Service shutting down");
  close_now();
}

std::string Session::take_output() { return std::exchange(out_, std::string()); }

bool Session::closed() const { return phase_ == Phase::closed; }

void Session::push(Event event) { events_.push_back(std::move(event)); }

void Session::push(Event::Kind kind) { events_.push_back(make_event(kind)); }

void Session::reply(std::string_view line) {
  out_ += line;
  out_ += "\r\n";
}

void Session::fail(std::string_view line) {
  reply(line);
  ++protocol_errors_;
  count_error();
}

void Session::count_error() {
  ++errors_;
  if (phase_ != Phase::closed && options_.max_errors > 0 && errors_ >= options_.max_errors) {
    reply("421 4.7.0 " + options_.hostname + " Error: too many errors");
    close_now();
  }
}

void Session::close_now() {
  phase_ = Phase::closed;
  question_ = Question::none;
}

void Session::ask(Event event, Question question) {
  question_ = question;
  push(std::move(event));
}

void Session::begin_message(bool dot_mode) {
  in_message_ = true;
  message_bytes_ = 0;
  body_.reset(options_.max_message_size, dot_mode);
  push(Event::Kind::message_begin);
}

// The message is complete (DATA terminator or BDAT LAST): message_end, a question when ok.
void Session::end_message() {
  in_message_ = false;
  Event e = make_event(Event::Kind::message_end);
  if (body_.error() == detail::BodyError::none) {
    ask(std::move(e), Question::message);
    return;
  }
  e.ok = false;
  push(std::move(e));
  end_deferred_ = true;  // the driver may still read the envelope while handling message_end
  fail(detail::body_error_reply(body_.error()));
}

void Session::end_transaction() {
  transaction_ = false;
  in_message_ = false;
  bdat_used_ = false;
  Envelope fresh;
  fresh.helo = std::move(envelope_.helo);
  fresh.esmtp = envelope_.esmtp;
  envelope_ = std::move(fresh);
}

void Session::abort_transaction() {
  if (transaction_ || in_message_) push(Event::Kind::reset);
  end_transaction();
  bdat_failed_.clear();
}

// One command line: only CRLF ends it; bare CR/LF, NUL and over-long lines are refused
// without keeping more than one line's worth of input.
bool Session::step_command() {
  const std::string_view avail = std::string_view(in_).substr(in_pos_);
  if (discarding_) {
    const std::size_t lf = avail.find('\n');
    if (lf == std::string_view::npos) {
      in_pos_ = in_.size();
      return false;
    }
    in_pos_ += lf + 1;
    discarding_ = false;
    fail("500 5.5.2 Error: line too long");
    return true;
  }
  const std::size_t lf = avail.substr(0, max_command_line).find('\n');
  if (lf == std::string_view::npos) {
    if (avail.size() < max_command_line) return false;
    in_pos_ += max_command_line;
    discarding_ = true;
    return true;
  }
  in_pos_ += lf + 1;
  std::string_view line = avail.substr(0, lf);
  if (line.empty() || line.back() != '\r' || line.substr(0, line.size() - 1).find('\r') != std::string_view::npos) {
    fail("500 5.5.2 Error: bare CR or LF in command");
    return true;
  }
  line.remove_suffix(1);
  if (line.find('\0') != std::string_view::npos) {
    fail("500 5.5.2 Error: NUL character in command");
    return true;
  }
  dispatch(line);
  return true;
}

bool Session::step_data() {
  data_buf_.clear();
  if (in_pos_ >= in_.size()) return false;
  in_pos_ += body_.scan(std::string_view(in_).substr(in_pos_), data_buf_);
  message_bytes_ = body_.size();
  if (!data_buf_.empty()) push(Event::Kind::message_data);
  if (body_.terminated()) {
    phase_ = Phase::command;
    end_message();
  }
  return true;
}

bool Session::step_bdat() {
  data_buf_.clear();
  if (bdat_remaining_ > 0) {
    const std::size_t n = std::min(in_.size() - in_pos_, bdat_remaining_);
    if (n == 0) return false;
    if (bdat_deliver_) body_.scan(std::string_view(in_).substr(in_pos_, n), data_buf_);
    in_pos_ += n;
    bdat_remaining_ -= n;
  }
  if (bdat_deliver_) {
    if (bdat_remaining_ == 0 && bdat_last_) body_.finish(data_buf_);
    message_bytes_ = body_.size();
    if (!data_buf_.empty()) push(Event::Kind::message_data);
  }
  if (bdat_remaining_ == 0) finish_chunk();
  return true;
}

// All octets of a BDAT chunk are in: reply, and end the message on LAST or on an error.
void Session::finish_chunk() {
  phase_ = Phase::command;
  if (!bdat_deliver_) {
    if (bdat_last_) bdat_failed_.clear();
    if (bdat_counts_) {
      fail(bdat_reply_);
    } else {
      reply(bdat_reply_);
    }
    return;
  }
  if (body_.error() != detail::BodyError::none) {
    if (!bdat_last_) bdat_failed_ = std::string(detail::body_error_reply(body_.error()));
    end_message();
    return;
  }
  if (bdat_last_) {
    end_message();
    return;
  }
  reply("250 2.0.0 " + std::to_string(bdat_size_) + " octets received");
}

}  // namespace portcullis::smtp
