// The SMTP server protocol as a pure state machine: bytes in, replies and events out.
// No I/O, no clock, no policy: the driver (smtp/server) feeds what it reads, then calls
// next() until it returns need_input or close, acting on each event. Events that ask a
// question (mail, rcpt, message_end with ok=true) must be answered with answer() before
// next() is called again. Replies to send accumulate in take_output(); the driver writes them
// whenever next() returns need_input (so pipelined replies go out in one write).
//
// Implements RFC 5321 with PIPELINING (2920), SIZE (1870), 8BITMIME (6152),
// ENHANCEDSTATUSCODES (2034/3463), SMTPUTF8 (6531), CHUNKING (3030). Strict: CRLF-only
// (a bare CR or LF in a command or in message data is an error: no SMTP smuggling),
// command line <= 512, text line <= 1000 octets incl. CRLF, NUL rejected, size enforced while
// streaming, error count limit, no reading ahead of a non-pipelinable command.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "mail/address.hpp"
#include "smtp/session_body.hpp"

namespace portcullis::smtp {

struct SessionOptions {
  std::string hostname = "localhost";
  std::size_t max_message_size = 25 * 1024 * 1024;
  std::size_t max_recipients = 100;
  unsigned max_errors = 10;
  bool chunking = true;
  bool starttls = false;     // offer STARTTLS (a certificate is configured for the listener)
  bool require_tls = false;  // MAIL before TLS is refused with 530 5.7.0
  bool tls = false;          // the connection is TLS from the start (implicit TLS, port 465)
};

// The envelope collected so far; valid from the mail event until the transaction ends.
struct Envelope {
  std::string helo;          // argument of the last EHLO/HELO
  bool esmtp = false;        // EHLO (true) or HELO
  bool null_sender = false;  // MAIL FROM:<>
  mail::Mailbox sender;
  std::vector<mail::Mailbox> recipients;  // accepted ones only
  std::vector<bool> bare_postmaster;      // parallel to recipients: RCPT TO:<Postmaster>
  bool body_8bit = false;                 // BODY=8BITMIME
  bool smtputf8 = false;                  // SMTPUTF8 parameter
  std::size_t declared_size = 0;          // SIZE= (0 if absent)
};

struct Event {
  enum class Kind {
    need_input,     // buffered input is exhausted: write take_output(), then read and feed()
    helo,           // question: EHLO/HELO syntactically valid; `data` is the name. A 2xx answer
                    // accepts it (the session sends its own greeting/capabilities), else the reply
    mail,           // question: MAIL FROM accepted syntactically; answer() with the reply
    rcpt,           // question: RCPT TO; `mailbox` is the recipient; answer() with the reply
    message_begin,  // DATA got 354 / first BDAT chunk: open a spool file
    message_data,   // `data` holds message octets (dot-unstuffed, CRLF) to append
    message_end,    // ok=true: question, commit and answer(); ok=false: discard (reply queued)
    reset,          // transaction aborted (RSET, new EHLO, error): discard any spool file
    starttls,       // write take_output() (the 220), then do the TLS handshake as the server
                    // and call tls_started(); if it fails, close. Input received before the
                    // handshake has been discarded (RFC 3207, CVE-2011-0411).
    close,          // write take_output(), then close the connection
  };
  Kind kind = Kind::need_input;
  std::string_view data;     // message_data, helo: valid until the next call on the session
  mail::Mailbox mailbox;     // rcpt
  bool bare_postmaster = false;  // rcpt: RCPT TO:<Postmaster>
  bool ok = true;            // message_end
};

class Session {
 public:
  explicit Session(SessionOptions options);

  // The 220 banner (queued as output). Call once before anything else.
  void greet();
  // The client sent bytes before the banner: queue 554 and close.
  void early_talker();
  // Refuses the connection instead of the banner (a connect hook's decision): queues `reply`
  // (e.g. "554 5.7.1 ..." or "421 4.7.0 ...") and closes.
  void refuse(std::string_view reply);
  // Appends received bytes.
  void feed(std::string_view bytes);
  // Next event (see Event::Kind).
  Event next();
  // Answer to a question event: a complete reply such as "250 2.1.0 Ok" (no CRLF; multi-line
  // replies separated by '\n'). A 2xx reply accepts the sender/recipient/message.
  void answer(std::string_view reply);
  // Queues "421 4.4.2 <host> Error: timeout exceeded" and moves to closed (driver on timeout).
  void timeout();
  // Queues "421 4.3.2 <host> Service shutting down" and moves to closed.
  void shutdown();
  // The handshake after a starttls event succeeded: the session starts over as RFC 3207 asks
  // (no HELO known, the client must send EHLO again) and no longer offers STARTTLS.
  void tls_started();
  bool tls_active() const { return tls_active_; }

  std::string take_output();
  const Envelope& envelope() const { return envelope_; }
  bool closed() const;
  // MAIL accepted (or a message streaming in) and the transaction not yet ended.
  bool in_transaction() const { return transaction_ || in_message_; }
  std::size_t message_bytes() const { return message_bytes_; }
  // Commands the client got wrong so far (syntax, sequence, limits; not policy refusals).
  unsigned protocol_errors() const { return protocol_errors_; }

 private:
  enum class Phase : std::uint8_t { command, data, bdat, closed };
  enum class Question : std::uint8_t { none, helo, mail, rcpt, message };

  // session.cpp: the event loop, replies, error accounting, DATA/BDAT streaming.
  void push(Event event);
  void push(Event::Kind kind);
  void reply(std::string_view line);
  void fail(std::string_view line);  // an error caused by the client: counts toward max_errors
  void count_error();
  void close_now();
  void ask(Event event, Question question);
  void begin_message(bool dot_mode);
  void end_message();  // message complete: message_end (a question when ok)
  void end_transaction();
  void abort_transaction();  // RSET, EHLO, ...: emits reset if a transaction was open
  bool step_command();
  bool step_data();
  bool step_bdat();
  void finish_chunk();
  // session_commands.cpp: one command line (CRLF stripped).
  void dispatch(std::string_view line);
  void cmd_helo(std::string_view arg, bool esmtp);
  void accept_helo();  // the answered helo question was 2xx: greet with the capabilities
  void cmd_mail(std::string_view arg);
  void cmd_rcpt(std::string_view arg);
  void cmd_data(std::string_view arg);
  void cmd_bdat(std::string_view arg);
  void cmd_rset(std::string_view arg);
  void cmd_quit();
  void cmd_starttls(std::string_view arg);
  bool mail_params(const mail::ParsedPath& path);

  SessionOptions options_;
  Envelope envelope_;
  std::size_t message_bytes_ = 0;
  std::string in_;  // input; in_[in_pos_..] is not consumed yet
  std::size_t in_pos_ = 0;
  std::string out_;       // replies not yet taken
  std::string data_buf_;  // message octets handed out with message_data
  std::deque<Event> events_;
  detail::BodyScanner body_;
  Phase phase_ = Phase::command;
  Question question_ = Question::none;  // asked (or queued to be asked), not yet answered
  unsigned errors_ = 0;
  unsigned protocol_errors_ = 0;
  bool discarding_ = false;       // skipping the rest of an over-long command line
  bool helo_done_ = false;
  bool tls_active_ = false;
  bool transaction_ = false;      // MAIL accepted
  bool in_message_ = false;       // message_begin emitted, message_end not yet
  bool bdat_used_ = false;        // this transaction's message came with BDAT
  bool end_deferred_ = false;     // clear the envelope on the next call to next()
  std::size_t bdat_remaining_ = 0;
  std::size_t bdat_size_ = 0;
  bool bdat_last_ = false;
  bool bdat_deliver_ = false;     // this chunk belongs to the message (else consumed unread)
  bool bdat_counts_ = false;      // the discarded chunk's reply counts as an error
  std::string bdat_reply_;        // reply for a discarded chunk
  std::string bdat_failed_;       // a failed BDAT transaction: repeated for its chunks until LAST
  std::string pending_helo_;
  bool pending_esmtp_ = false;
  mail::Mailbox pending_rcpt_;
  bool pending_postmaster_ = false;
};

}  // namespace portcullis::smtp
