// mail::MimeParser limits: deep nesting, many parts, huge header sections, long boundaries,
// long lines; nothing grows with the input beyond the documented bounds.
#include <gtest/gtest.h>

#include <string>

#include "mail/mime.hpp"
#include "mime_helpers.hpp"

namespace portcullis::mail {
namespace {

using test::crlf;

TEST(MimeLimits, TenThousandNestedMultipartsAreCheap) {
  std::string msg;
  // Boundaries "b<i>x": none is the start of another one's delimiter line.
  for (int i = 0; i < 10000; ++i)
    msg += "Content-Type: multipart/mixed; boundary=b" + std::to_string(i) + "x\r\n\r\n--b" + std::to_string(i) + "x\r\n";
  msg += "Content-Type: application/octet-stream; name=deep.exe\r\n\r\nMZ\r\n";
  for (int i = 9999; i >= 0; --i) msg += "--b" + std::to_string(i) + "x--\r\n";
  MimeParser p;
  p.feed(msg);
  p.finish();
  EXPECT_TRUE(p.truncated());
  const MimeLimits limits;
  ASSERT_EQ(p.parts().size(), limits.max_depth + 1);  // one part per level, down to the limit
  const MimePart& last = p.parts().back();
  EXPECT_EQ(last.depth, limits.max_depth);
  EXPECT_FALSE(last.is_multipart);  // read as a leaf
  EXPECT_EQ(last.content_type, "multipart/mixed");
  EXPECT_LE(last.head.size(), limits.head_bytes);
  EXPECT_EQ(p.parts()[0].end, msg.size());
  EXPECT_EQ(last.end, msg.find("\r\n--b19x--"));
}

TEST(MimeLimits, NestedEncodedMessagesStopAtTheDepthLimit) {
  // An .eml inside an .eml inside ... each level base64 of the next.
  std::string inner = "Content-Type: text/plain; name=x.exe\r\n\r\nMZ";
  const auto b64 = [](const std::string& in) {
    static constexpr char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
      const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8) |
                         static_cast<unsigned char>(in[i + 2]);
      out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], t[v & 63]};
    }
    if (i + 1 == in.size()) {
      const unsigned v = static_cast<unsigned char>(in[i]) << 16;
      out += {t[v >> 18], t[(v >> 12) & 63], '=', '='};
    } else if (i + 2 == in.size()) {
      const unsigned v = (static_cast<unsigned char>(in[i]) << 16) | (static_cast<unsigned char>(in[i + 1]) << 8);
      out += {t[v >> 18], t[(v >> 12) & 63], t[(v >> 6) & 63], '='};
    }
    return out;
  };
  for (int level = 0; level < 8; ++level)
    inner = "Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n" + b64(inner);
  MimeLimits limits;
  limits.max_depth = 5;
  const MimeParser p = parse_mime(inner, limits);
  EXPECT_TRUE(p.truncated());
  ASSERT_EQ(p.parts().size(), 6u);
  for (std::size_t k = 0; k < p.parts().size(); ++k) {
    EXPECT_EQ(p.parts()[k].depth, k);
    EXPECT_EQ(p.parts()[k].located, k == 0);
  }
  // Without the limit, the exe at the bottom is found.
  limits.max_depth = 20;
  const MimeParser full = parse_mime(inner, limits);
  EXPECT_FALSE(full.truncated());
  ASSERT_EQ(full.parts().size(), 9u);
  EXPECT_EQ(full.parts().back().filename, "x.exe");
  EXPECT_EQ(full.parts().back().head, "MZ");
}

TEST(MimeLimits, MaxPartsStopsRecordingButNotParsing) {
  std::string msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n";
  for (int i = 0; i < 1500; ++i) msg += "--b\r\nContent-Type: text/plain; name=p" + std::to_string(i) + ".txt\r\n\r\nx\r\n";
  msg += "--b--\r\n";
  MimeLimits limits;
  limits.max_parts = 100;
  const MimeParser p = parse_mime(msg, limits);
  EXPECT_TRUE(p.truncated());
  ASSERT_EQ(p.parts().size(), 100u);
  EXPECT_EQ(p.parts()[99].filename, "p98.txt");
  EXPECT_EQ(p.parts()[99].head, "x");
}

TEST(MimeLimits, HugeHeaderSection) {
  MimeLimits limits;
  limits.max_header_bytes = 1000;
  std::string msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nX-Junk: " + std::string(5000, 'j') +
                    "\r\nContent-Type: text/plain; name=late.exe\r\n\r\nbody\r\n--b--\r\n";
  const MimeParser p = parse_mime(msg, limits);
  EXPECT_TRUE(p.truncated());
  ASSERT_EQ(p.parts().size(), 2u);
  EXPECT_TRUE(p.parts()[1].headers_truncated);
  EXPECT_EQ(p.parts()[1].head, "body");
  EXPECT_EQ(p.parts()[1].body_offset, msg.find("body"));
}

TEST(MimeLimits, TooLongBoundaryIsNotFollowed) {
  MimeLimits limits;
  limits.max_boundary = 10;
  const std::string b(11, 'b');
  const std::string msg = crlf("Content-Type: multipart/mixed; boundary=" + b + "\n\n--" + b + "\n\nx\n--" + b + "--\n");
  const MimeParser p = parse_mime(msg, limits);
  EXPECT_TRUE(p.truncated());
  ASSERT_EQ(p.parts().size(), 1u);
  EXPECT_FALSE(p.parts()[0].is_multipart);
  const MimeParser ok = parse_mime(msg);
  EXPECT_FALSE(ok.truncated());
  EXPECT_EQ(ok.parts().size(), 2u);
}

TEST(MimeLimits, LongLinesAndHeadBytes) {
  const std::string line(1 << 20, 'a');  // one 1 MiB line that starts like a delimiter
  const std::string msg = "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n--" + line + "\r\n--b--\r\n";
  const MimeParser p = test::parse_in_chunks(msg, 4096);
  ASSERT_EQ(p.parts().size(), 2u);
  EXPECT_EQ(p.parts()[1].decoded_size, line.size() + 2);
  EXPECT_EQ(p.parts()[1].head, "--" + line.substr(0, 510));
}

}  // namespace
}  // namespace portcullis::mail
