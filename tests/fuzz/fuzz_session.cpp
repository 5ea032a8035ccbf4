// The SMTP session state machine is fed arbitrary client bytes; the fuzzer answers every
// question alternately with acceptance and refusal and checks the protocol invariants.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "smtp/session.hpp"

namespace {
void check_output(const std::string& out) {
  if (out.empty()) return;
  if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) __builtin_trap();
  std::size_t pos = 0;
  while (pos < out.size()) {
    const auto eol = out.find("\r\n", pos);
    if (eol == std::string::npos || eol - pos < 3) __builtin_trap();
    for (std::size_t i = pos; i < pos + 3; ++i)
      if (out[i] < '0' || out[i] > '9') __builtin_trap();
    pos = eol + 2;
  }
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using portcullis::smtp::Event;
  portcullis::smtp::SessionOptions opts;
  opts.hostname = "fuzz.example";
  opts.max_message_size = 4096;
  opts.max_recipients = 5;
  opts.starttls = size > 1 && (data[1] & 1);  // half the inputs may switch to TLS
  opts.require_tls = size > 1 && (data[1] & 2);
  portcullis::smtp::Session s(opts);
  s.greet();
  check_output(s.take_output());
  // Feed in two pieces split by the first byte, so read boundaries are fuzzed too.
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const std::size_t split = size > 0 ? static_cast<unsigned char>(data[0]) % (size + 1) : 0;
  std::string_view parts[2] = {in.substr(0, split), in.substr(split)};
  int begun = 0, questions = 0;
  bool closed = false;
  for (auto part : parts) {
    s.feed(part);
    for (int guard = 0; guard < 100000; ++guard) {
      Event ev = s.next();
      if (closed && ev.kind != Event::Kind::close) __builtin_trap();
      if (ev.kind == Event::Kind::need_input) break;
      if (ev.kind == Event::Kind::close) {
        closed = true;
        break;
      }
      switch (ev.kind) {
        case Event::Kind::message_begin:
          if (begun != 0) __builtin_trap();
          begun = 1;
          break;
        case Event::Kind::message_data:
          if (begun != 1) __builtin_trap();
          break;
        case Event::Kind::message_end:
          if (begun != 1) __builtin_trap();
          begun = 0;
          if (ev.ok) s.answer((questions++ % 2) ? "451 4.3.0 no" : "250 2.0.0 Ok: queued as X");
          break;
        case Event::Kind::reset:
          begun = 0;
          break;
        case Event::Kind::starttls: {
          // Never inside a message; the 220 is the last reply; whatever followed STARTTLS in
          // the input is gone: after the handshake the session waits for new input.
          if (begun != 0 || !opts.starttls || s.tls_active()) __builtin_trap();
          const std::string out = s.take_output();
          check_output(out);
          const std::string_view ready = "220 2.0.0 Ready to start TLS\r\n";
          if (out.size() < ready.size() || out.compare(out.size() - ready.size(), ready.size(), ready) != 0)
            __builtin_trap();
          s.tls_started();
          if (s.next().kind != Event::Kind::need_input || !s.tls_active()) __builtin_trap();
          break;
        }
        case Event::Kind::helo:
        case Event::Kind::mail:
        case Event::Kind::rcpt:
          s.answer((questions++ % 3 == 2) ? "554 5.7.1 refused" : "250 2.1.5 Ok");
          break;
        default:
          break;
      }
    }
    check_output(s.take_output());
    if (closed) break;
  }
  return 0;
}
