// checks/dkim/message.hpp: header kept, body streamed.
#include "checks/dkim/message.hpp"

#include <algorithm>
#include <utility>

namespace portcullis::checks::dkim {

MessageSplitter::MessageSplitter(mail::HeaderLimits limits, std::function<void()> on_header, BodySink on_body)
    : limits_(limits), collector_(limits), on_header_(std::move(on_header)), on_body_(std::move(on_body)) {}

void MessageSplitter::feed(std::string_view chunk) {
  if (finished_) return;
  const std::size_t start = total_;
  total_ += chunk.size();
  if (header_done_) {
    if (!chunk.empty()) on_body_(chunk);
    return;
  }
  collector_.feed(chunk);
  if (!collector_.done()) {  // the whole chunk is header (the collector kept all of it)
    head_.append(chunk);
    return;
  }
  complete_header(chunk, start);
}

// The header section ended in `chunk` (which starts at offset `chunk_start`): what of the
// chunk is header joins head_, what lies past body_offset (possibly some of head_ already,
// when the line that ended the section began in an earlier chunk) goes to the body.
void MessageSplitter::complete_header(std::string_view chunk, std::size_t chunk_start) {
  header_done_ = true;
  section_ = collector_.finish();
  // Stopped by max_bytes: whether the collector saw octets past the limit depends on how the
  // message was cut into chunks, so the section is parsed as one that goes on past it (the
  // field the limit cuts is dropped, truncated is set), whatever the chunking.
  if (!section_.complete && collector_.buffered() >= limits_.max_bytes) {
    std::string window = head_;
    window.append(chunk.substr(0, std::min(chunk.size(), limits_.max_bytes - std::min(limits_.max_bytes, head_.size()))));
    window += ' ';
    section_ = mail::parse_headers(window, limits_);
  }
  const std::size_t body = section_.body_offset;
  std::string early_body;
  if (body >= chunk_start) {
    const std::size_t in_chunk = std::min(body - chunk_start, chunk.size());
    head_.append(chunk.substr(0, in_chunk));
    chunk.remove_prefix(in_chunk);
  } else {
    early_body = head_.substr(std::min(body, head_.size()));
    head_.resize(std::min(body, head_.size()));
  }
  head_.shrink_to_fit();
  on_header_();
  if (!early_body.empty()) on_body_(early_body);
  if (!chunk.empty()) on_body_(chunk);
}

void MessageSplitter::finish() {
  if (finished_) return;
  if (!header_done_) complete_header({}, total_);
  finished_ = true;
}

}  // namespace portcullis::checks::dkim
