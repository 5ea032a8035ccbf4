// mail::parse_headers / HeaderCollector: fields and their exact byte ranges, folding, the end
// of the header section on malformed lines, LF-only files, limits, and chunked input.
#include "mail/headers.hpp"

#include <gtest/gtest.h>

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace portcullis::mail {
namespace {

// Every field's range holds exactly "name ... : raw_value" and its line end, the ranges
// follow each other without gaps, and the body starts after the last one.
void expect_exact_ranges(std::string_view msg, const HeaderSection& h) {
  for (std::size_t k = 0; k < h.fields.size(); ++k) {
    const HeaderField& f = h.fields[k];
    ASSERT_LE(f.offset + f.length, msg.size());
    const std::string_view text = msg.substr(f.offset, f.length);
    EXPECT_EQ(text.substr(0, f.name.size()), f.name);
    const std::size_t colon = text.find(':');
    ASSERT_NE(colon, std::string_view::npos);
    const std::string_view rest = text.substr(colon + 1);
    EXPECT_EQ(rest.substr(0, f.raw_value.size()), f.raw_value);
    const std::string_view line_end = rest.substr(f.raw_value.size());
    EXPECT_TRUE(line_end == "\r\n" || line_end == "\n" || (line_end.empty() && f.offset + f.length == msg.size()))
        << "field " << k;
    if (k + 1 < h.fields.size()) {
      EXPECT_EQ(f.offset + f.length, h.fields[k + 1].offset);
    }
  }
  if (!h.fields.empty() && !h.truncated) {
    const HeaderField& last = h.fields.back();
    const std::size_t end = last.offset + last.length;
    if (h.complete) {
      const std::string_view blank = msg.substr(end, h.body_offset - end);
      EXPECT_TRUE(blank == "\r\n" || blank == "\n");
    } else {
      EXPECT_EQ(h.body_offset, end);
    }
  }
}

void expect_same(const HeaderSection& a, const HeaderSection& b) {
  ASSERT_EQ(a.fields.size(), b.fields.size());
  for (std::size_t k = 0; k < a.fields.size(); ++k) {
    EXPECT_EQ(a.fields[k].name, b.fields[k].name) << k;
    EXPECT_EQ(a.fields[k].raw_value, b.fields[k].raw_value) << k;
    EXPECT_EQ(a.fields[k].value, b.fields[k].value) << k;
    EXPECT_EQ(a.fields[k].offset, b.fields[k].offset) << k;
    EXPECT_EQ(a.fields[k].length, b.fields[k].length) << k;
  }
  EXPECT_EQ(a.body_offset, b.body_offset);
  EXPECT_EQ(a.complete, b.complete);
  EXPECT_EQ(a.truncated, b.truncated);
}

TEST(ParseHeaders, SimpleMessage) {
  const std::string msg = "From: Alice <a@example.com>\r\nSubject: Hi there\r\n\r\nbody\r\n";
  const auto h = parse_headers(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[0].name, "From");
  EXPECT_EQ(h.fields[0].raw_value, " Alice <a@example.com>");
  EXPECT_EQ(h.fields[0].value, "Alice <a@example.com>");
  EXPECT_EQ(h.fields[0].offset, 0u);
  EXPECT_EQ(h.fields[0].length, 29u);
  EXPECT_EQ(h.fields[1].name, "Subject");
  EXPECT_EQ(h.fields[1].value, "Hi there");
  EXPECT_EQ(msg.substr(h.fields[1].offset, h.fields[1].length), "Subject: Hi there\r\n");
  EXPECT_TRUE(h.complete);
  EXPECT_FALSE(h.truncated);
  EXPECT_EQ(msg.substr(h.body_offset), "body\r\n");
  expect_exact_ranges(msg, h);
}

TEST(ParseHeaders, FoldedField) {
  const std::string msg = "Subject: Hello\r\n world\r\n\tagain  \r\nX: y\r\n\r\n";
  const auto h = parse_headers(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[0].raw_value, " Hello\r\n world\r\n\tagain  ");
  EXPECT_EQ(h.fields[0].value, "Hello world\tagain");
  EXPECT_EQ(msg.substr(h.fields[0].offset, h.fields[0].length), "Subject: Hello\r\n world\r\n\tagain  \r\n");
  EXPECT_EQ(h.fields[1].offset, h.fields[0].length);
  EXPECT_EQ(h.body_offset, msg.size());
  EXPECT_TRUE(h.complete);
  expect_exact_ranges(msg, h);
}

TEST(ParseHeaders, ValueFormsAndOddOctets) {
  const std::string msg =
      "X-Empty:\r\n"
      "X-Spaces:    \r\n"
      "X-NoSpace:value\r\n"
      "Subject : obsolete space before colon\r\n"
      "X-CR: a\rb\r\n"
      "X-Eight: caf\xC3\xA9\r\n"
      "X-Blank-Cont: x\r\n"
      " \r\n"
      "X-Last: y\r\n"
      "\r\n";
  const auto h = parse_headers(msg);
  ASSERT_EQ(h.fields.size(), 8u);
  EXPECT_EQ(h.fields[0].raw_value, "");
  EXPECT_EQ(h.fields[0].value, "");
  EXPECT_EQ(h.fields[1].raw_value, "    ");
  EXPECT_EQ(h.fields[1].value, "");
  EXPECT_EQ(h.fields[2].value, "value");
  EXPECT_EQ(h.fields[3].name, "Subject");  // WSP before the colon is not part of the name
  EXPECT_EQ(h.fields[3].value, "obsolete space before colon");
  EXPECT_EQ(h.fields[4].value, "a\rb");  // a bare CR is an ordinary octet
  EXPECT_EQ(h.fields[5].value, "caf\xC3\xA9");
  EXPECT_EQ(h.fields[6].raw_value, " x\r\n ");  // a line of only WSP continues the field
  EXPECT_EQ(h.fields[6].value, "x");
  EXPECT_EQ(h.fields[7].name, "X-Last");
  EXPECT_TRUE(h.complete);
  expect_exact_ranges(msg, h);
}

TEST(ParseHeaders, DuplicatesAndCaseInsensitiveLookup) {
  const std::string msg =
      "Received: from a\r\n"
      "SUBJECT: one\r\n"
      "received: from b\r\n"
      "ReCeIvEd: from c\r\n"
      "\r\n";
  const auto h = parse_headers(msg);
  const auto rs = h.all("Received");
  ASSERT_EQ(rs.size(), 3u);
  EXPECT_EQ(rs[0]->value, "from a");
  EXPECT_EQ(rs[1]->value, "from b");
  EXPECT_EQ(rs[2]->value, "from c");
  EXPECT_EQ(rs[2]->name, "ReCeIvEd");  // case preserved
  ASSERT_NE(h.first("subject"), nullptr);
  EXPECT_EQ(h.first("subject")->value, "one");
  EXPECT_EQ(h.first("RECEIVED"), &h.fields[0]);
  EXPECT_EQ(h.first("Subjec"), nullptr);
  EXPECT_EQ(h.first(""), nullptr);
  EXPECT_TRUE(h.all("To").empty());
}

TEST(ParseHeaders, NoBlankLine) {
  const std::string msg = "A: 1\r\nB: 2\r\n";
  const auto h = parse_headers(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_FALSE(h.complete);
  EXPECT_FALSE(h.truncated);
  EXPECT_EQ(h.body_offset, msg.size());
  expect_exact_ranges(msg, h);
}

TEST(ParseHeaders, LastLineWithoutLineEnd) {
  const std::string msg = "A: 1\r\nB: 2\r\n x";
  const auto h = parse_headers(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[1].raw_value, " 2\r\n x");
  EXPECT_EQ(h.fields[1].value, "2 x");
  EXPECT_EQ(h.fields[1].offset + h.fields[1].length, msg.size());
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.body_offset, msg.size());
  expect_exact_ranges(msg, h);
}

TEST(ParseHeaders, EmptyMessageAndEmptyHeaderSection) {
  auto h = parse_headers("");
  EXPECT_TRUE(h.fields.empty());
  EXPECT_EQ(h.body_offset, 0u);
  EXPECT_FALSE(h.complete);

  h = parse_headers("\r\nbody");
  EXPECT_TRUE(h.fields.empty());
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(h.body_offset, 2u);

  h = parse_headers("\nbody");
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(h.body_offset, 1u);
}

// A line that is neither a field, a continuation nor the empty line ends the header section:
// it is the first line of the body, and complete stays false.
TEST(ParseHeaders, NonHeaderLineStartsTheBody) {
  const std::vector<std::string> bad_lines = {
      "this line has no colon",
      "Bad Name: space in the name",
      "B\xC3\xA4""d: eight-bit name",
      std::string("X\x01Y: control octet", 13),
      ": empty name",
      "\r",  // a CR alone is not the empty line
      "From someone else",  // an mbox line after the first line is just garbage
  };
  for (const auto& bad : bad_lines) {
    const std::string msg = "A: 1\r\n" + bad + "\r\nB: 2\r\n\r\nbody";
    const auto h = parse_headers(msg);
    ASSERT_EQ(h.fields.size(), 1u) << bad;
    EXPECT_EQ(h.fields[0].name, "A");
    EXPECT_FALSE(h.complete) << bad;
    EXPECT_FALSE(h.truncated);
    EXPECT_EQ(h.body_offset, 6u) << bad;
    expect_exact_ranges(msg, h);
  }
}

TEST(ParseHeaders, ContinuationAsFirstLineStartsTheBody) {
  for (const std::string msg : {" A: 1\r\nB: 2\r\n\r\n", "\tA: 1\nB: 2\n\n"}) {
    const auto h = parse_headers(msg);
    EXPECT_TRUE(h.fields.empty());
    EXPECT_EQ(h.body_offset, 0u);
    EXPECT_FALSE(h.complete);
  }
}

TEST(ParseHeaders, MboxFromLineSkipped) {
  const std::string from_line = "From alice@example.com Thu Jan  1 00:00:00 2024\n";
  const std::string msg = from_line + "Subject: hi\nTo: b@example.com\n\nbody\n";
  const auto h = parse_headers(msg);
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[0].name, "Subject");
  EXPECT_EQ(h.fields[0].offset, from_line.size());
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(msg.substr(h.body_offset), "body\n");
  expect_exact_ranges(msg, h);

  // "From:" and "From :" are fields, not mbox lines.
  auto g = parse_headers("From: a@b\r\n\r\n");
  ASSERT_EQ(g.fields.size(), 1u);
  EXPECT_EQ(g.fields[0].name, "From");
  g = parse_headers("From : a@b\r\n\r\n");
  ASSERT_EQ(g.fields.size(), 1u);
  EXPECT_EQ(g.fields[0].value, "a@b");
  // Only the mbox line itself: no fields, no end of the section.
  g = parse_headers("From x\r\n");
  EXPECT_TRUE(g.fields.empty());
  EXPECT_FALSE(g.complete);
  EXPECT_EQ(g.body_offset, 8u);
}

TEST(ParseHeaders, LfOnlyAndMixedLineEnds) {
  const std::string msg = "A: 1\nB: two\n  lines\r\nC: 3\r\n\nbody\n";
  const auto h = parse_headers(msg);
  ASSERT_EQ(h.fields.size(), 3u);
  EXPECT_EQ(h.fields[0].offset, 0u);
  EXPECT_EQ(h.fields[0].length, 5u);
  EXPECT_EQ(h.fields[1].offset, 5u);
  EXPECT_EQ(msg.substr(h.fields[1].offset, h.fields[1].length), "B: two\n  lines\r\n");
  EXPECT_EQ(h.fields[1].raw_value, " two\n  lines");
  EXPECT_EQ(h.fields[1].value, "two  lines");
  EXPECT_EQ(msg.substr(h.fields[2].offset, h.fields[2].length), "C: 3\r\n");
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(msg.substr(h.body_offset), "body\n");
  expect_exact_ranges(msg, h);
}

TEST(ParseHeaders, MaxFields) {
  const std::string msg = "A: 1\r\nB: 2\r\nC: 3\r\n\r\n";
  auto h = parse_headers(msg, {.max_bytes = 1024, .max_fields = 2});
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_TRUE(h.truncated);
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.body_offset, 12u);  // where C starts

  h = parse_headers(msg, {.max_bytes = 1024, .max_fields = 3});
  EXPECT_EQ(h.fields.size(), 3u);
  EXPECT_FALSE(h.truncated);
  EXPECT_TRUE(h.complete);

  h = parse_headers(msg, {.max_bytes = 1024, .max_fields = 0});
  EXPECT_TRUE(h.fields.empty());
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.body_offset, 0u);
}

TEST(ParseHeaders, MaxBytes) {
  const std::string msg = "A: 1\r\nB: 2\r\n more\r\nC: 3\r\n\r\nbody";  // A 0-6, B 6-19, C 19-25, empty line 25-27
  // The window ends inside B's continuation: B is dropped.
  auto h = parse_headers(msg, {.max_bytes = 15, .max_fields = 100});
  ASSERT_EQ(h.fields.size(), 1u);
  EXPECT_TRUE(h.truncated);
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.body_offset, 6u);
  // The window ends right after B's first line: B might go on, so it is dropped too.
  h = parse_headers(msg, {.max_bytes = 12, .max_fields = 100});
  ASSERT_EQ(h.fields.size(), 1u);
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.body_offset, 6u);
  // The window ends inside C's line: B is known to be complete, C is dropped.
  h = parse_headers(msg, {.max_bytes = 21, .max_fields = 100});
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[1].value, "2 more");
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.body_offset, 19u);
  // The empty line just fits: complete, whatever follows.
  h = parse_headers(msg, {.max_bytes = 27, .max_fields = 100});
  EXPECT_EQ(h.fields.size(), 3u);
  EXPECT_TRUE(h.complete);
  EXPECT_FALSE(h.truncated);
  EXPECT_EQ(h.body_offset, 27u);
  expect_exact_ranges(msg, h);
  // Half of the empty line: C cannot go on (the next line does not start with WSP), but the
  // end of the section is not seen.
  h = parse_headers(msg, {.max_bytes = 26, .max_fields = 100});
  EXPECT_EQ(h.fields.size(), 3u);
  EXPECT_TRUE(h.truncated);
  EXPECT_FALSE(h.complete);
  EXPECT_EQ(h.body_offset, 25u);
  // A message no longer than the window is read entirely.
  const std::string no_blank = "A: 1\r\nB: 2";
  h = parse_headers(no_blank, {.max_bytes = no_blank.size(), .max_fields = 100});
  EXPECT_EQ(h.fields.size(), 2u);
  EXPECT_FALSE(h.truncated);
  EXPECT_EQ(h.body_offset, no_blank.size());
  // Nothing may be read at all.
  h = parse_headers(msg, {.max_bytes = 0, .max_fields = 100});
  EXPECT_TRUE(h.fields.empty());
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.body_offset, 0u);
}

TEST(ParseHeaders, HugeHeaderSectionIsBounded) {
  std::string msg;
  for (int i = 0; i < 5000; ++i) msg += "X-Filler-" + std::to_string(i) + ": some value here\r\n";
  msg += "\r\nbody";
  const auto h = parse_headers(msg);  // default limits: 1000 fields
  EXPECT_EQ(h.fields.size(), 1000u);
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.body_offset, h.fields.back().offset + h.fields.back().length);
  expect_exact_ranges(msg, h);

  const std::string one_line = "Subject: " + std::string(300 * 1024, 'x') + "\r\n\r\n";
  const auto g = parse_headers(one_line);
  EXPECT_TRUE(g.fields.empty());
  EXPECT_TRUE(g.truncated);
}

const std::vector<std::string>& sample_messages() {
  static const std::vector<std::string> samples = {
      "",
      "\r\n",
      "From: Alice <a@example.com>\r\nTo: b@example.com\r\nSubject: Hi\r\n there\r\n\r\nbody\r\n.\r\n",
      "A: 1\nB: 2\n\tcont\n\nbody\n",
      "From alice Thu Jan  1 00:00:00 2024\nA: 1\n\nbody",
      "A: 1\r\nno colon here\r\nB: 2\r\n\r\n",
      " leading continuation\r\nA: 1\r\n\r\n",
      "A: 1\r\nB: 2",
      "A: 1\r\nB: 2\r\n",
      "A: 1\r\nB: 2\r\n ",
      "A: 1\r\nB: 2\r\n\r",
      "A: 1\r\n\r\r\n",
      "X: a\rb\r\nSubject : obs\r\n\r\n",
      "A: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\nbody",
  };
  return samples;
}

TEST(HeaderCollector, OneByteAtATimeEqualsWholeMessage) {
  for (const auto& msg : sample_messages()) {
    for (const HeaderLimits limits : {HeaderLimits{}, HeaderLimits{8, 1000}, HeaderLimits{1024, 2}}) {
      HeaderCollector c(limits);
      for (const char ch : msg) c.feed(std::string_view(&ch, 1));
      SCOPED_TRACE(msg);
      expect_same(c.finish(), parse_headers(msg, limits));
      EXPECT_EQ(c.bytes_fed(), msg.size());
    }
  }
}

TEST(HeaderCollector, RandomChunksEqualWholeMessage) {
  std::mt19937 rng(12345);
  std::string big = "Received: from x\r\n\tby y\r\n";
  for (int i = 0; i < 50; ++i) big += "X-H" + std::to_string(i) + ": v\r\n";
  big += "\r\n" + std::string(10000, 'b');
  std::vector<std::string> msgs = sample_messages();
  msgs.push_back(big);
  for (const auto& msg : msgs) {
    for (int round = 0; round < 20; ++round) {
      const HeaderLimits limits{std::uniform_int_distribution<std::size_t>(0, msg.size() + 2)(rng),
                                std::uniform_int_distribution<std::size_t>(0, 60)(rng)};
      HeaderCollector c(limits);
      std::size_t pos = 0;
      while (pos < msg.size()) {
        const std::size_t n = std::uniform_int_distribution<std::size_t>(0, 40)(rng);
        c.feed(std::string_view(msg).substr(pos, n));
        pos += n;
      }
      SCOPED_TRACE(msg.substr(0, 60));
      expect_same(c.finish(), parse_headers(msg, limits));
    }
  }
}

TEST(HeaderCollector, StopsBufferingAfterTheHeaderSection) {
  const std::string head = "Subject: x\r\nTo: y\r\n\r\n";
  HeaderCollector c;
  c.feed("Subject: x\r\nTo: ");
  EXPECT_FALSE(c.done());
  c.feed("y\r\n\r\nfirst body line\r\n");
  EXPECT_TRUE(c.done());
  for (int i = 0; i < 1000; ++i) c.feed(std::string(1000, 'b'));
  EXPECT_EQ(c.buffered(), head.size());
  EXPECT_EQ(c.bytes_fed(), head.size() + std::string("first body line\r\n").size() + 1000u * 1000u);
  const auto h = c.finish();
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(h.body_offset, head.size());
}

TEST(HeaderCollector, BoundedByMaxBytes) {
  HeaderCollector c({.max_bytes = 100, .max_fields = 1000});
  for (int i = 0; i < 100; ++i) c.feed("X-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  EXPECT_TRUE(c.done());
  EXPECT_LE(c.buffered(), 100u);
  const auto h = c.finish();
  EXPECT_TRUE(h.truncated);
  EXPECT_EQ(h.fields.size(), 2u);  // 37 octets each; the third is cut
}

TEST(HeaderCollector, OffsetBaseAndFinishBeforeDone) {
  HeaderCollector c({}, 1000);
  EXPECT_EQ(c.offset_base(), 1000u);
  c.feed("A: 1\r\nB: 2\r\n");
  EXPECT_FALSE(c.done());
  auto h = c.finish();  // what was fed so far is the whole message
  ASSERT_EQ(h.fields.size(), 2u);
  EXPECT_EQ(h.fields[0].offset, 1000u);
  EXPECT_EQ(h.fields[1].offset, 1006u);
  EXPECT_EQ(h.body_offset, 1012u);
  EXPECT_FALSE(h.complete);
  c.feed("\r\nbody");
  h = c.finish();
  EXPECT_TRUE(h.complete);
  EXPECT_EQ(h.body_offset, 1014u);
}

}  // namespace
}  // namespace portcullis::mail
