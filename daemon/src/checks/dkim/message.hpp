// A message fed in chunks as it arrives, split into its header section (kept, parsed with
// mail::HeaderCollector's rules) and its body (passed on at once, never kept): what the DKIM
// Verifier and Signer (and ARC) need to hash a body while it streams in.
//
// The body is what follows the header section: after the empty line, or from the first line
// that is no header field (mail/headers.hpp); a message with neither has an empty body.
// Bounded: at most `limits.max_bytes` octets of header are kept (then truncated() is true and
// the split is unreliable: callers must not trust what they compute from it).
// Pure code: no I/O, no Asio; fuzzed, never throws on any octets.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

#include "mail/headers.hpp"

namespace portcullis::checks::dkim {

class MessageSplitter {
 public:
  using BodySink = std::function<void(std::string_view)>;

  // `on_header` runs once, when the header section is complete (or at finish() if it never
  // is), before any body octet goes to `on_body`.
  MessageSplitter(mail::HeaderLimits limits, std::function<void()> on_header, BodySink on_body);

  void feed(std::string_view chunk);
  // The end of the message (a header without its empty line ends here). Idempotent.
  void finish();

  bool header_done() const { return header_done_; }
  // Valid once header_done().
  const mail::HeaderSection& section() const { return section_; }
  std::string_view head() const { return head_; }  // the octets section()'s offsets refer to
  bool truncated() const { return section_.truncated; }
  std::size_t bytes_fed() const { return total_; }

 private:
  void complete_header(std::string_view chunk, std::size_t chunk_start);

  mail::HeaderLimits limits_;
  mail::HeaderCollector collector_;
  std::function<void()> on_header_;
  BodySink on_body_;
  std::string head_;
  mail::HeaderSection section_;
  std::size_t total_ = 0;
  bool header_done_ = false;
  bool finished_ = false;
};

}  // namespace portcullis::checks::dkim
