// Canonicalisation (RFC 6376 3.4): the RFC's own example, body edge cases, streaming in any
// chunking, the selection of fields by h=, and the b= removal for the header hash.
#include <gtest/gtest.h>

#include <random>

#include "checks/dkim/canon.hpp"
#include "checks/dkim/message.hpp"
#include "helpers.hpp"
#include "mail/headers.hpp"

namespace {

namespace dk = portcullis::checks::dkim;
using dk::Canon;

std::string canon_body(Canon c, std::string_view body, std::size_t chunk = 0) {
  dk::BodyCanonicalizer bc(c);
  std::string out;
  if (chunk == 0) {
    bc.feed(body, out);
  } else {
    for (std::size_t pos = 0; pos < body.size(); pos += chunk) bc.feed(body.substr(pos, chunk), out);
  }
  bc.finish(out);
  return out;
}

std::string canon_headers(Canon c, std::string_view message) {
  const auto section = portcullis::mail::parse_headers(message);
  std::string out;
  for (const auto& f : section.fields) dk::canon_header(c, dk::field_text(message, f), out);
  return out;
}

// RFC 6376 3.4.5, as given in the conformance README.
TEST(DkimCanon, Rfc6376Example) {
  const std::string message = "A: X\r\nB : Y\t\r\n\tZ  \r\n\r\n C \r\nD \t E\r\n\r\n\r\n";
  const auto section = portcullis::mail::parse_headers(message);
  ASSERT_TRUE(section.complete);
  const std::string_view body = std::string_view(message).substr(section.body_offset);
  EXPECT_EQ(canon_headers(Canon::relaxed, message), "a:X\r\nb:Y Z\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, body), " C\r\nD E\r\n");
  EXPECT_EQ(canon_headers(Canon::simple, message), "A: X\r\nB : Y\t\r\n\tZ  \r\n");
  EXPECT_EQ(canon_body(Canon::simple, body), " C \r\nD \t E\r\n");
}

TEST(DkimCanon, EmptyAndTrailingLines) {
  // simple: an empty body is one CRLF; relaxed: nothing (RFC 6376 3.4.3, 3.4.4).
  EXPECT_EQ(canon_body(Canon::simple, ""), "\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, ""), "");
  EXPECT_EQ(canon_body(Canon::simple, "\r\n\r\n\r\n"), "\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, "\r\n\r\n"), "");
  EXPECT_EQ(canon_body(Canon::relaxed, " \t \r\n  \r\n"), "");  // WSP-only lines are empty lines
  EXPECT_EQ(canon_body(Canon::simple, " \r\n"), " \r\n");
  // A missing final CRLF is added.
  EXPECT_EQ(canon_body(Canon::simple, "abc"), "abc\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, "abc  "), "abc\r\n");
  // Empty lines inside the body stay; only trailing ones go.
  EXPECT_EQ(canon_body(Canon::simple, "a\r\n\r\n\r\nb\r\n\r\n"), "a\r\n\r\n\r\nb\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, "a \r\n \r\n\tb\t\tc \r\n"), "a\r\n\r\n b c\r\n");
  // A lone CR or LF is an ordinary octet.
  EXPECT_EQ(canon_body(Canon::simple, "a\rb\nc\r\n"), "a\rb\nc\r\n");
  EXPECT_EQ(canon_body(Canon::relaxed, "a \r b\r\n"), "a \r b\r\n");
  EXPECT_EQ(canon_body(Canon::simple, "a\r"), "a\r\r\n");
}

TEST(DkimCanon, BodyChunkingIndependence) {
  std::mt19937 rng(7);
  const std::string alphabet = "ab \t\r\n";
  for (int round = 0; round < 300; ++round) {
    std::string body;
    const int len = static_cast<int>(rng() % 40);
    for (int i = 0; i < len; ++i) body += alphabet[rng() % alphabet.size()];
    for (const Canon c : {Canon::simple, Canon::relaxed}) {
      const std::string whole = canon_body(c, body);
      for (std::size_t chunk = 1; chunk <= 5; ++chunk)
        ASSERT_EQ(canon_body(c, body, chunk), whole) << "body '" << body << "' chunk " << chunk;
    }
  }
}

TEST(DkimCanon, BodyHasherLimit) {
  // l= counts canonical octets: only the first l are hashed, the rest only counted.
  dk::BodyHasher full(Canon::relaxed, dk::HashAlg::sha256);
  full.feed("Hello  world\r\n");
  full.finish();
  dk::BodyHasher limited(Canon::relaxed, dk::HashAlg::sha256, 5);
  limited.feed("Hello  world\r\nmore text\r\n\r\n");
  limited.finish();
  EXPECT_EQ(full.canonical_length(), 13u);  // "Hello world\r\n"
  EXPECT_EQ(limited.canonical_length(), 24u);
  EXPECT_EQ(limited.digest(), dk::digest(dk::HashAlg::sha256, "Hello"));
  EXPECT_EQ(full.digest(), dk::digest(dk::HashAlg::sha256, "Hello world\r\n"));
}

TEST(DkimCanon, RelaxedHeaderForms) {
  std::string out;
  dk::canon_header(Canon::relaxed, "SUBJECT \t:  Hello \r\n   wide\t world  \r\n", out);
  EXPECT_EQ(out, "subject:Hello wide world\r\n");
  out.clear();
  dk::canon_header(Canon::relaxed, "X-Empty:\r\n", out);
  EXPECT_EQ(out, "x-empty:\r\n");
  out.clear();
  dk::canon_header(Canon::relaxed, "DKIM-Signature: v=1;\r\n\tb=", out);  // no line end: none added
  EXPECT_EQ(out, "dkim-signature:v=1; b=");
}

TEST(DkimCanon, SelectionIsBottomUpAndOversigningSelectsNothing) {
  const std::string message =
      "Received: one\r\nFrom: a\r\nReceived: two\r\nSubject: s\r\nReceived: three\r\n\r\nbody\r\n";
  const auto section = portcullis::mail::parse_headers(message);
  const std::vector<std::string> names = {"received", "RECEIVED", "from", "from", "x-absent", "received",
                                          "received"};
  const auto picked = dk::select_headers(section, names);
  std::vector<std::string> values;
  for (const auto i : picked) values.push_back(section.fields[i].value);
  EXPECT_EQ(values, (std::vector<std::string>{"three", "two", "a", "one"}));
  // The signature field itself is never selected.
  const auto without = dk::select_headers(section, {"from", "received"}, 1);
  ASSERT_EQ(without.size(), 1u);
  EXPECT_EQ(section.fields[without[0]].value, "three");
}

TEST(DkimCanon, SignatureFieldWithoutB) {
  const std::string field = "DKIM-Signature: v=1; b=abc\r\n\tdef ; bh=xyz\r\n";
  const std::string value = field.substr(field.find(':') + 1, field.size() - field.find(':') - 3);
  const auto parsed = dk::parse_tag_list(value);
  ASSERT_TRUE(parsed.ok());
  const auto* b = parsed.list.find("b");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(dk::field_without_value_range(field, b->value_begin, b->value_end), "DKIM-Signature: v=1; b=; bh=xyz");
}

// The splitter finds the body however the message is cut, including a blank line split
// between chunks and a header section that ends at a line that is no field.
TEST(DkimCanon, SplitterChunking) {
  const std::vector<std::string> messages = {
      "From: a\r\nTo: b\r\n\r\nbody line\r\n\r\n", "From: a\r\n\r\n", "From: a\r\nTo: b\r\n",
      "From: a\r\nnot a field line\r\nmore\r\n", "\r\nonly a body\r\n", "From: a\r\n folded\r\n\r\n\r\n\r\nx"};
  for (const auto& m : messages) {
    std::string reference_body;
    std::string reference_head;
    for (std::size_t chunk = 0; chunk <= 7; ++chunk) {
      std::string body;
      dk::MessageSplitter s(portcullis::mail::HeaderLimits{}, [] {}, [&body](std::string_view d) { body.append(d); });
      if (chunk == 0) {
        s.feed(m);
      } else {
        for (std::size_t pos = 0; pos < m.size(); pos += chunk) s.feed(std::string_view(m).substr(pos, chunk));
      }
      s.finish();
      const auto expected = portcullis::mail::parse_headers(m);
      EXPECT_EQ(body, m.substr(expected.body_offset)) << m << " chunk " << chunk;
      EXPECT_EQ(std::string(s.head()), m.substr(0, expected.body_offset)) << m << " chunk " << chunk;
      EXPECT_EQ(s.section().fields.size(), expected.fields.size());
    }
  }
}

TEST(DkimCanon, SplitterTruncatesAtTheLimit) {
  portcullis::mail::HeaderLimits limits;
  limits.max_bytes = 64;
  std::string m;
  for (int i = 0; i < 20; ++i) m += "X-Field-" + std::to_string(i) + ": some value\r\n";
  m += "\r\nbody\r\n";
  // However the message is cut (at once, octet by octet, ending exactly at the limit), the
  // section is the same: truncated, without the field the limit cuts.
  std::vector<std::size_t> fields;
  for (const std::size_t chunk : {std::size_t{0}, std::size_t{1}, std::size_t{64}, std::size_t{7}}) {
    dk::MessageSplitter s(limits, [] {}, [](std::string_view) {});
    if (chunk == 0) {
      s.feed(m);
    } else {
      for (std::size_t pos = 0; pos < m.size(); pos += chunk) s.feed(std::string_view(m).substr(pos, chunk));
    }
    s.finish();
    EXPECT_TRUE(s.truncated()) << chunk;
    EXPECT_LE(s.head().size(), 64u);
    fields.push_back(s.section().fields.size());
  }
  EXPECT_EQ(fields, (std::vector<std::size_t>(4, 2)));  // "X-Field-0: some value" twice fits in 64
}

}  // namespace
