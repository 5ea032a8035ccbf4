// A socket-free driver for smtp::Session: feeds bytes, answers its questions with a fixed
// policy and records everything it did, so tests can compare whole conversations.
#pragma once
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "smtp/session.hpp"

namespace portcullis::smtp::testing {

// What the driver decides. Addresses whose local part starts with these prefixes are refused.
struct Policy {
  std::string reject_sender_prefix = "blocked";   // -> 550 5.7.1 at MAIL
  std::string unknown_rcpt_prefix = "unknown";    // -> 550 5.1.1 at RCPT
  std::string tempfail_rcpt_prefix = "later";     // -> 451 4.3.0 at RCPT
  bool reject_messages = false;                   // -> 554 5.7.0 at end of data
  std::string reject_helo_prefix = "refused.";    // -> 550 5.7.1 at EHLO/HELO
};

struct Transcript {
  std::string output;                      // every reply, in order, as sent
  std::vector<std::string> messages;       // committed messages (content as spooled)
  std::vector<std::vector<std::string>> recipients;  // parallel to messages
  std::vector<std::string> senders;        // parallel to messages
  unsigned discarded = 0;                  // message_end ok=false, or reset during a message
  unsigned resets = 0;
  bool closed = false;
};

class Driver {
 public:
  explicit Driver(SessionOptions options = make_options(), Policy policy = {})
      : session_(std::move(options)), policy_(std::move(policy)) {
    session_.greet();
    pump();
    banner_ = transcript_.output;
    transcript_.output.clear();
  }

  static SessionOptions make_options() {
    SessionOptions o;
    o.hostname = "mx.test";
    o.max_message_size = 10000;
    o.max_recipients = 5;
    o.max_errors = 6;
    return o;
  }

  // Feeds bytes as one read; returns the replies produced by them.
  std::string send(std::string_view bytes) {
    const std::size_t before = transcript_.output.size();
    session_.feed(bytes);
    pump();
    return transcript_.output.substr(before);
  }

  // Feeds bytes one octet per read.
  std::string send_bytewise(std::string_view bytes) {
    const std::size_t before = transcript_.output.size();
    for (char ch : bytes) {
      session_.feed(std::string_view(&ch, 1));
      pump();
    }
    return transcript_.output.substr(before);
  }

  // Completes a TLS handshake after a starttls event; returns the replies that follow (none
  // unless more input is sent).
  std::string handshake() {
    const std::size_t before = transcript_.output.size();
    session_.tls_started();
    pump();
    return transcript_.output.substr(before);
  }
  unsigned starttls_events() const { return starttls_; }

  const Transcript& transcript() const { return transcript_; }
  const std::string& banner() const { return banner_; }
  Session& session() { return session_; }
  std::vector<Event::Kind> kinds() const { return kinds_; }

 private:
  static bool starts(const std::string& s, const std::string& p) { return !p.empty() && s.rfind(p, 0) == 0; }

  void pump() {
    for (;;) {
      Event e = session_.next();
      kinds_.push_back(e.kind);
      switch (e.kind) {
        case Event::Kind::need_input:
          transcript_.output += session_.take_output();
          return;
        case Event::Kind::close:
          transcript_.output += session_.take_output();
          transcript_.closed = true;
          return;
        case Event::Kind::helo:
          session_.answer(starts(std::string(e.data), policy_.reject_helo_prefix) ? "550 5.7.1 Go away" : "250 Ok");
          break;
        case Event::Kind::mail:
          session_.answer(starts(e.mailbox.local, policy_.reject_sender_prefix) ? "550 5.7.1 Sender refused"
                                                                                : "250 2.1.0 Ok");
          break;
        case Event::Kind::rcpt:
          if (starts(e.mailbox.local, policy_.unknown_rcpt_prefix)) {
            session_.answer("550 5.1.1 User unknown");
          } else if (starts(e.mailbox.local, policy_.tempfail_rcpt_prefix)) {
            session_.answer("451 4.3.0 Try later");
          } else {
            session_.answer("250 2.1.5 Ok");
          }
          break;
        case Event::Kind::message_begin:
          EXPECT_FALSE(open_) << "message_begin while a message is open";
          open_ = true;
          current_.clear();
          break;
        case Event::Kind::message_data:
          EXPECT_TRUE(open_) << "message_data outside a message";
          current_.append(e.data);
          break;
        case Event::Kind::message_end:
          EXPECT_TRUE(open_) << "message_end outside a message";
          open_ = false;
          if (!e.ok) {
            ++transcript_.discarded;
            break;
          }
          if (policy_.reject_messages) {
            session_.answer("554 5.7.0 Message refused");
            ++transcript_.discarded;
            break;
          }
          commit();
          break;
        case Event::Kind::reset:
          ++transcript_.resets;
          if (open_) ++transcript_.discarded;
          open_ = false;
          break;
        case Event::Kind::starttls:  // the driver would now do the handshake: see handshake()
          transcript_.output += session_.take_output();
          ++starttls_;
          return;
      }
    }
  }

  void commit() {
    const Envelope& env = session_.envelope();
    std::vector<std::string> rcpts;
    for (const auto& r : env.recipients) rcpts.push_back(r.str());
    transcript_.messages.push_back(current_);
    transcript_.recipients.push_back(std::move(rcpts));
    transcript_.senders.push_back(env.null_sender ? std::string() : env.sender.str());
    session_.answer("250 2.0.0 Ok: queued as Q" + std::to_string(transcript_.messages.size()));
  }

  Session session_;
  Policy policy_;
  Transcript transcript_;
  std::string banner_;
  std::vector<Event::Kind> kinds_;
  std::string current_;
  bool open_ = false;
  unsigned starttls_ = 0;
};

// Reply codes in order ("250", "354", ...), one per reply (continuation lines skipped).
inline std::vector<std::string> codes(std::string_view output) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < output.size()) {
    const std::size_t end = output.find("\r\n", pos);
    const std::string_view line = output.substr(pos, end == std::string_view::npos ? end : end - pos);
    if (line.size() >= 4 && line[3] == ' ') out.emplace_back(line.substr(0, 3));
    if (line.size() == 3) out.emplace_back(line);
    if (end == std::string_view::npos) break;
    pos = end + 2;
  }
  return out;
}

// Conversation prefix: EHLO + MAIL + one RCPT, all accepted.
inline constexpr std::string_view kEnvelope =
    "EHLO client.test\r\nMAIL FROM:<alice@sender.test>\r\nRCPT TO:<bob@rcpt.test>\r\n";

}  // namespace portcullis::smtp::testing

namespace portcullis::smtp {
using testing::codes;
using testing::Driver;
using testing::kEnvelope;
using Codes = std::vector<std::string>;  // expected reply codes in order
}  // namespace portcullis::smtp
