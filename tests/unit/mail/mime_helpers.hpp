// Helpers for the MIME parser tests: readable test messages ("\n" written, CRLF fed), parsing
// in chunks of given sizes, and comparing two parses field by field.
#pragma once
#include <gtest/gtest.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "mail/mime.hpp"

namespace portcullis::mail::test {

// Every bare "\n" becomes "\r\n".
inline std::string crlf(std::string_view text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

inline MimeParser parse_in_chunks(std::string_view msg, std::size_t chunk, const MimeLimits& limits = {},
                                  ArchiveReader reader = {}) {
  MimeParser p(limits, std::move(reader));
  for (std::size_t at = 0; at < msg.size(); at += chunk) p.feed(msg.substr(at, chunk));
  p.finish();
  return p;
}

inline void expect_same_parts(const std::vector<MimePart>& a, const std::vector<MimePart>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k) {
    SCOPED_TRACE("part " + std::to_string(k));
    const MimePart &x = a[k], &y = b[k];
    EXPECT_EQ(x.index, y.index);
    EXPECT_EQ(x.parent, y.parent);
    EXPECT_EQ(x.depth, y.depth);
    EXPECT_EQ(x.content_type, y.content_type);
    EXPECT_EQ(x.disposition, y.disposition);
    EXPECT_EQ(x.filename, y.filename);
    EXPECT_EQ(x.names, y.names);
    EXPECT_EQ(x.transfer_encoding, y.transfer_encoding);
    EXPECT_EQ(x.offset, y.offset);
    EXPECT_EQ(x.body_offset, y.body_offset);
    EXPECT_EQ(x.end, y.end);
    EXPECT_EQ(x.located, y.located);
    EXPECT_EQ(x.decoded_size, y.decoded_size);
    EXPECT_EQ(x.head, y.head);
    EXPECT_EQ(x.is_multipart, y.is_multipart);
    EXPECT_EQ(x.is_message, y.is_message);
    EXPECT_EQ(x.headers_truncated, y.headers_truncated);
    EXPECT_EQ(x.archive, y.archive);
    EXPECT_EQ(x.archive_names, y.archive_names);
    EXPECT_EQ(x.archive_encrypted, y.archive_encrypted);
    EXPECT_EQ(x.archive_truncated, y.archive_truncated);
  }
}

// The octets of a part: [offset, end).
inline std::string_view part_text(std::string_view msg, const MimePart& p) {
  return msg.substr(p.offset, p.end - p.offset);
}

}  // namespace portcullis::mail::test
