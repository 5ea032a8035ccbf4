// smtp::Session: the SMTP commands (RFC 5321 4.1, with the ESMTP extensions advertised).
#include <string>
#include <string_view>

#include "smtp/session.hpp"

namespace portcullis::smtp {
namespace {

char upper(char ch) { return (ch >= 'a' && ch <= 'z') ? static_cast<char>(ch - 'a' + 'A') : ch; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (upper(a[i]) != upper(b[i])) return false;
  return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string_view trim_left(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  return s;
}

enum class Number { ok, not_digits, overflow };

Number parse_number(std::string_view s, std::size_t& out) {
  if (s.empty()) return Number::not_digits;
  out = 0;
  bool overflow = false;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return Number::not_digits;
    const auto d = static_cast<std::size_t>(ch - '0');
    if (out > (static_cast<std::size_t>(-1) - d) / 10) overflow = true;
    out = overflow ? out : out * 10 + d;
  }
  return overflow ? Number::overflow : Number::ok;
}

// EHLO/HELO argument: an address literal, or a host name. Host names are taken leniently
// (underscores are common in the wild) but must be one word of name characters.
bool valid_helo(std::string_view arg) {
  if (arg.size() > 255) return false;
  if (arg.front() == '[') return mail::is_address_literal(arg);
  for (char ch : arg) {
    const auto c = static_cast<unsigned char>(ch);
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '.' || c == '_' || c >= 0x80;
    if (!ok) return false;
  }
  return true;
}

const char* path_error_reply(mail::PathError error, bool sender) {
  using mail::PathError;
  switch (error) {
    case PathError::syntax:
      return sender ? "501 5.1.7 Bad sender address syntax" : "501 5.1.3 Bad recipient address syntax";
    case PathError::local_part_too_long:
      return sender ? "553 5.1.7 Sender address rejected: local part exceeds 64 characters"
                    : "553 5.1.3 Recipient address rejected: local part exceeds 64 characters";
    case PathError::domain_too_long:
      return sender ? "553 5.1.7 Sender address rejected: domain exceeds 255 characters"
                    : "553 5.1.3 Recipient address rejected: domain exceeds 255 characters";
    case PathError::path_too_long:
      return sender ? "553 5.1.7 Sender address rejected: path exceeds 256 characters"
                    : "553 5.1.3 Recipient address rejected: path exceeds 256 characters";
    case PathError::bad_parameter: return "501 5.5.4 Error: malformed parameters";
    case PathError::none: break;
  }
  return "501 5.5.4 Error: syntax error";
}

constexpr const char* size_exceeded = "552 5.3.4 Message size exceeds fixed maximum message size";

}  // namespace

void Session::dispatch(std::string_view line) {
  line = trim_right(line);
  const std::size_t sp = line.find(' ');
  const std::string_view verb = line.substr(0, sp);
  const std::string_view arg = sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1);
  if (iequals(verb, "EHLO")) {
    cmd_helo(arg, true);
  } else if (iequals(verb, "HELO")) {
    cmd_helo(arg, false);
  } else if (iequals(verb, "MAIL")) {
    cmd_mail(arg);
  } else if (iequals(verb, "RCPT")) {
    cmd_rcpt(arg);
  } else if (iequals(verb, "DATA")) {
    cmd_data(arg);
  } else if (iequals(verb, "BDAT") && options_.chunking) {
    cmd_bdat(arg);
  } else if (iequals(verb, "RSET")) {
    cmd_rset(arg);
  } else if (iequals(verb, "NOOP")) {
    reply("250 2.0.0 Ok");
  } else if (iequals(verb, "QUIT")) {
    cmd_quit();
  } else if (iequals(verb, "VRFY")) {
    reply("252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery");
  } else if (iequals(verb, "EXPN")) {
    fail("502 5.5.1 EXPN not supported");
  } else if (iequals(verb, "HELP")) {
    reply("214 2.0.0 See https://www.rfc-editor.org/rfc/rfc5321");
  } else if (iequals(verb, "STARTTLS")) {
    cmd_starttls(arg);
  } else if (iequals(verb, "AUTH")) {
    fail("502 5.5.1 Error: command not implemented");
  } else {
    fail("500 5.5.2 Error: command not recognized");
  }
}

void Session::cmd_helo(std::string_view arg, bool esmtp) {
  arg = trim_left(arg);
  if (arg.empty()) {
    fail(esmtp ? "501 5.5.4 Syntax: EHLO hostname" : "501 5.5.4 Syntax: HELO hostname");
    return;
  }
  if (!valid_helo(arg)) {
    fail("501 5.5.4 Error: invalid hostname");
    return;
  }
  abort_transaction();
  pending_helo_.assign(arg);
  pending_esmtp_ = esmtp;
  Event e;
  e.kind = Event::Kind::helo;
  ask(std::move(e), Question::helo);
}

void Session::cmd_starttls(std::string_view arg) {
  if (tls_active_) {
    fail("503 5.5.1 Error: TLS already active");
    return;
  }
  if (!options_.starttls) {
    fail("502 5.5.1 Error: command not implemented");
    return;
  }
  if (!trim_left(arg).empty()) {
    fail("501 5.5.4 Syntax: STARTTLS");
    return;
  }
  if (transaction_) {
    fail("503 5.5.1 Error: MAIL transaction in progress");
    return;
  }
  reply("220 2.0.0 Ready to start TLS");
  // Whatever the client pipelined after STARTTLS arrived in clear text and could have been
  // injected by a man in the middle: it is dropped, never executed after the handshake.
  in_pos_ = in_.size();
  push(Event::Kind::starttls);
}

void Session::accept_helo() {
  envelope_.helo = std::move(pending_helo_);
  envelope_.esmtp = pending_esmtp_;
  pending_helo_.clear();
  helo_done_ = true;
  const std::string& host = options_.hostname;
  if (envelope_.esmtp) {
    std::string r = "250-" + host + "\r\n250-PIPELINING\r\n250-SIZE " + std::to_string(options_.max_message_size) +
                    "\r\n250-8BITMIME\r\n250-ENHANCEDSTATUSCODES\r\n";
    if (options_.starttls && !tls_active_) r += "250-STARTTLS\r\n";
    r += options_.chunking ? "250-SMTPUTF8\r\n250 CHUNKING" : "250 SMTPUTF8";
    reply(r);
  } else {
    reply("250 " + host);
  }
}

// MAIL parameters (RFC 1870 SIZE, 6152 BODY, 6531 SMTPUTF8) into the envelope; false after
// queueing the failure reply.
bool Session::mail_params(const mail::ParsedPath& path) {
  if (!envelope_.esmtp && !path.params.empty()) {
    fail("555 5.5.4 Unsupported option: " + path.params.front().first);
    return false;
  }
  bool seen_size = false, seen_body = false, seen_utf8 = false;
  for (const auto& [key, value] : path.params) {
    bool* seen = nullptr;
    if (key == "SIZE") {
      seen = &seen_size;
      std::size_t n = 0;
      const Number r = parse_number(value, n);
      if (r == Number::not_digits) {
        fail("501 5.5.4 Error: bad SIZE parameter value");
        return false;
      }
      if (r == Number::overflow || n > options_.max_message_size) {
        fail(size_exceeded);
        return false;
      }
      envelope_.declared_size = n;
    } else if (key == "BODY") {
      seen = &seen_body;
      if (iequals(value, "8BITMIME")) {
        envelope_.body_8bit = true;
      } else if (!iequals(value, "7BIT")) {
        fail("501 5.5.4 Error: unsupported BODY parameter value");
        return false;
      }
    } else if (key == "SMTPUTF8") {
      seen = &seen_utf8;
      if (!value.empty()) {
        fail("501 5.5.4 Error: SMTPUTF8 takes no value");
        return false;
      }
      envelope_.smtputf8 = true;
    } else {
      fail("555 5.5.4 Unsupported option: " + key);
      return false;
    }
    if (*seen) {
      fail("501 5.5.4 Error: duplicate parameter " + key);
      return false;
    }
    *seen = true;
  }
  return true;
}

void Session::cmd_mail(std::string_view arg) {
  if (!helo_done_) {
    fail("503 5.5.1 Error: send HELO/EHLO first");
    return;
  }
  if (options_.require_tls && !tls_active_) {
    fail("530 5.7.0 Must issue a STARTTLS command first");
    return;
  }
  if (transaction_) {
    fail("503 5.5.1 Error: nested MAIL command");
    return;
  }
  if (!istarts_with(arg, "FROM:")) {
    fail("501 5.5.4 Syntax: MAIL FROM:<address>");
    return;
  }
  const mail::PathResult r = mail::parse_path(arg.substr(5), true);
  if (!r) {
    fail(path_error_reply(r.error, true));
    return;
  }
  if (!mail_params(r.path)) {
    end_transaction();
    return;
  }
  if (r.path.mailbox.utf8 && !envelope_.smtputf8) {
    end_transaction();
    fail("553 5.6.7 Error: non-ASCII sender address requires SMTPUTF8");
    return;
  }
  bdat_failed_.clear();
  envelope_.null_sender = r.path.null_path;
  envelope_.sender = r.path.mailbox;
  Event e;
  e.kind = Event::Kind::mail;
  e.mailbox = r.path.mailbox;
  ask(std::move(e), Question::mail);
}

void Session::cmd_rcpt(std::string_view arg) {
  if (!transaction_) {
    fail("503 5.5.1 Error: need MAIL command");
    return;
  }
  if (in_message_) {
    fail("503 5.5.1 Error: RCPT not allowed after BDAT");
    return;
  }
  if (!istarts_with(arg, "TO:")) {
    fail("501 5.5.4 Syntax: RCPT TO:<address>");
    return;
  }
  mail::PathResult r = mail::parse_path(arg.substr(3), false);
  if (!r) {
    fail(path_error_reply(r.error, false));
    return;
  }
  if (!r.path.params.empty()) {
    fail("555 5.5.4 Unsupported option: " + r.path.params.front().first);
    return;
  }
  if (r.path.mailbox.utf8 && !envelope_.smtputf8) {
    fail("553 5.6.7 Error: non-ASCII recipient address requires SMTPUTF8");
    return;
  }
  if (envelope_.recipients.size() >= options_.max_recipients) {
    reply("452 4.5.3 Error: too many recipients");  // not counted: the client retries the rest later
    return;
  }
  pending_rcpt_ = r.path.mailbox;
  pending_postmaster_ = r.path.bare_postmaster;
  Event e;
  e.kind = Event::Kind::rcpt;
  e.mailbox = std::move(r.path.mailbox);
  e.bare_postmaster = r.path.bare_postmaster;
  ask(std::move(e), Question::rcpt);
}

void Session::cmd_data(std::string_view arg) {
  if (!transaction_) {
    fail("503 5.5.1 Error: need MAIL command");
    return;
  }
  if (bdat_used_) {
    abort_transaction();
    fail("503 5.5.1 Error: DATA not allowed after BDAT");
    return;
  }
  if (!arg.empty()) {
    fail("501 5.5.4 Syntax: DATA");
    return;
  }
  if (envelope_.recipients.empty()) {
    fail("554 5.5.1 Error: no valid recipients");
    return;
  }
  if (in_pos_ < in_.size()) {  // the client did not wait for 354 (RFC 2920 3.1)
    abort_transaction();
    reply("554 5.5.0 Error: improper command pipelining after DATA");
    close_now();
    return;
  }
  reply("354 End data with <CR><LF>.<CR><LF>");
  phase_ = Phase::data;
  begin_message(true);
}

// BDAT n [LAST] (RFC 3030): the n octets that follow are always consumed, whatever the reply.
void Session::cmd_bdat(std::string_view arg) {
  const std::size_t sp = arg.find(' ');
  const std::string_view size = arg.substr(0, sp);
  const std::string_view rest = sp == std::string_view::npos ? std::string_view() : arg.substr(sp + 1);
  std::size_t n = 0;
  if (parse_number(size, n) != Number::ok || !(rest.empty() || iequals(rest, "LAST"))) {
    fail("501 5.5.4 Syntax: BDAT size [LAST]");  // the chunk cannot be located: stop here
    close_now();
    return;
  }
  bdat_size_ = n;
  bdat_remaining_ = n;
  bdat_last_ = !rest.empty();
  phase_ = Phase::bdat;
  bdat_deliver_ = false;
  bdat_counts_ = true;
  if (!bdat_failed_.empty()) {
    bdat_reply_ = bdat_failed_;
    bdat_counts_ = false;
  } else if (!transaction_) {
    bdat_reply_ = "503 5.5.1 Error: need MAIL command";
  } else if (envelope_.recipients.empty()) {
    bdat_reply_ = "503 5.5.1 Error: need RCPT command";
  } else {
    bdat_deliver_ = true;
    if (!in_message_) {
      bdat_used_ = true;
      begin_message(false);
    }
  }
}

void Session::cmd_rset(std::string_view arg) {
  if (!arg.empty()) {
    fail("501 5.5.4 Syntax: RSET");
    return;
  }
  abort_transaction();
  reply("250 2.0.0 Ok");
}

void Session::cmd_quit() {
  abort_transaction();
  reply("221 2.0.0 Bye");
  close_now();
}

}  // namespace portcullis::smtp
