// The pure parts: scanner endpoints from the admin's text, clamd's and spamd's replies (well
// formed, malformed, huge, with fields missing or repeated), PONGs, and printable details.
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "checks/clamd/reply.hpp"
#include "checks/scanner/endpoint.hpp"
#include "checks/scanner/printable.hpp"
#include "checks/spamd/reply.hpp"

namespace {

using namespace portcullis::checks::scanner;
using namespace std::string_literals;

// ---------------------------------------------------------------------------------------------
// Endpoints

TEST(ScannerEndpoint, UnixSocket) {
  const auto p = parse_endpoint("unix:/run/clamav/clamd.ctl");
  ASSERT_TRUE(p.endpoint) << p.error;
  EXPECT_EQ(p.endpoint->kind, Endpoint::Kind::unix_socket);
  EXPECT_EQ(p.endpoint->path, "/run/clamav/clamd.ctl");
  EXPECT_EQ(to_string(*p.endpoint), "unix:/run/clamav/clamd.ctl");
  EXPECT_TRUE(parse_endpoint("UNIX:/x").endpoint);  // the scheme in any case
}

TEST(ScannerEndpoint, TcpIpv4AndIpv6) {
  const auto v4 = parse_endpoint("tcp:127.0.0.1:3310");
  ASSERT_TRUE(v4.endpoint) << v4.error;
  EXPECT_EQ(v4.endpoint->kind, Endpoint::Kind::tcp);
  EXPECT_EQ(v4.endpoint->address.to_string(), "127.0.0.1");
  EXPECT_EQ(v4.endpoint->port, 3310);
  EXPECT_EQ(to_string(*v4.endpoint), "tcp:127.0.0.1:3310");

  const auto v6 = parse_endpoint("tcp:[::1]:783");
  ASSERT_TRUE(v6.endpoint) << v6.error;
  EXPECT_TRUE(v6.endpoint->address.is_v6());
  EXPECT_EQ(v6.endpoint->port, 783);
  EXPECT_EQ(to_string(*v6.endpoint), "tcp:[::1]:783");
  EXPECT_EQ(to_string(*parse_endpoint("tcp:[2001:DB8::1]:65535").endpoint), "tcp:[2001:db8::1]:65535");
}

TEST(ScannerEndpoint, RefusedWithAReason) {
  const struct {
    std::string text;
    std::string says;
  } cases[] = {
      {"", "expected unix:/PATH"},
      {"/run/clamd.ctl", "expected unix:/PATH"},
      {"http://127.0.0.1:3310", "expected unix:/PATH"},
      {"unix:", "absolute path"},
      {"unix:run/clamd.ctl", "absolute path"},
      {"unix:/" + std::string(107, 'a'), "longer than 107"},
      {"unix:/run/a\nb", "control character"},
      {"tcp:127.0.0.1", "no port"},
      {"tcp:127.0.0.1:", "not 1..65535"},
      {"tcp:127.0.0.1:0", "not 1..65535"},
      {"tcp:127.0.0.1:65536", "not 1..65535"},
      {"tcp:127.0.0.1:123456", "not 1..65535"},
      {"tcp:127.0.0.1:+80", "not a number"},
      {"tcp:127.0.0.1:8o", "not a number"},
      {"tcp::783", "no address"},
      {"tcp:clamav.example.com:3310", "host names are not resolved"},
      {"tcp:256.0.0.1:3310", "not an IPv4 address"},
      {"tcp:::1:783", "in brackets"},
      {"tcp:[::1:783", "without ']'"},
      {"tcp:[::1]783", "no port after"},
      {"tcp:[127.0.0.1]:783", "not an IPv6 address"},
      {"tcp:[fe80::1%eth0]:783", "scoped"},
  };
  for (const auto& c : cases) {
    const auto p = parse_endpoint(c.text);
    EXPECT_FALSE(p.endpoint) << c.text;
    EXPECT_NE(p.error.find(c.says), std::string::npos) << c.text << " -> " << p.error;
  }
  // Errors quote the input printable and bounded.
  const auto bad = parse_endpoint("tcp:\x01\xff" + std::string(1000, 'x'));
  ASSERT_FALSE(bad.endpoint);
  EXPECT_LT(bad.error.size(), 400u);
  for (const char c : bad.error) EXPECT_TRUE(c >= 0x20 && c <= 0x7e);
}

TEST(ScannerPrintable, ReplacesAndCuts) {
  EXPECT_EQ(printable("a\r\nb\x80"), "a??b?");
  EXPECT_EQ(printable("abcdef", 3), "abc...");
  EXPECT_EQ(printable("abc", 3), "abc");
}

// ---------------------------------------------------------------------------------------------
// clamd

TEST(ClamdReply, CleanInfectedSizeLimit) {
  auto r = parse_clamd_reply("stream: OK\0"s);
  EXPECT_EQ(r.kind, ClamdReply::Kind::clean);
  EXPECT_EQ(r.text, "stream: OK");

  r = parse_clamd_reply("stream: Eicar-Test-Signature.UNOFFICIAL FOUND\0"s);
  EXPECT_EQ(r.kind, ClamdReply::Kind::infected);
  EXPECT_EQ(r.virus, "Eicar-Test-Signature.UNOFFICIAL");

  r = parse_clamd_reply("stream: Win.Test.EICAR_HDB-1 FOUND\n");  // the n-form ends with a newline
  EXPECT_EQ(r.kind, ClamdReply::Kind::infected);
  EXPECT_EQ(r.virus, "Win.Test.EICAR_HDB-1");

  r = parse_clamd_reply("INSTREAM size limit exceeded. ERROR\0"s);
  EXPECT_EQ(r.kind, ClamdReply::Kind::size_limit);
  EXPECT_EQ(r.text, "INSTREAM size limit exceeded. ERROR");
}

TEST(ClamdReply, Errors) {
  auto r = parse_clamd_reply("stream: Can't allocate memory ERROR\0"s);
  EXPECT_EQ(r.kind, ClamdReply::Kind::error);
  EXPECT_NE(r.text.find("Can't allocate memory"), std::string::npos);

  r = parse_clamd_reply("UNKNOWN COMMAND\0"s);
  EXPECT_EQ(r.kind, ClamdReply::Kind::error);
  EXPECT_NE(r.text.find("unexpected reply"), std::string::npos) << r.text;

  for (const std::string& bad : {""s, "\0"s, "   \0"s})
    EXPECT_EQ(parse_clamd_reply(bad).kind, ClamdReply::Kind::error) << bad.size();

  // Two replies at once, a NUL inside, "OK" with something after it.
  EXPECT_EQ(parse_clamd_reply("stream: OK\0stream: OK\0"s).kind, ClamdReply::Kind::error);
  EXPECT_EQ(parse_clamd_reply("stream: OK\nstream: X FOUND\n").kind, ClamdReply::Kind::error);
  EXPECT_EQ(parse_clamd_reply("stream: OKAY\0"s).kind, ClamdReply::Kind::error);
  EXPECT_EQ(parse_clamd_reply("stream: XFOUND\0"s).kind, ClamdReply::Kind::error);
  EXPECT_EQ(parse_clamd_reply("stream OK\0"s).kind, ClamdReply::Kind::error);

  // Huge: refused, with a short text.
  r = parse_clamd_reply("stream: " + std::string(10000, 'A') + " FOUND");
  EXPECT_EQ(r.kind, ClamdReply::Kind::error);
  EXPECT_LT(r.text.size(), 100u);
}

TEST(ClamdReply, DetectionsAreNeverLost) {
  // No name, or a name with odd octets: still infected, the name shown printable and bounded.
  auto r = parse_clamd_reply("stream: FOUND\0"s);
  EXPECT_EQ(r.kind, ClamdReply::Kind::infected);
  EXPECT_EQ(r.virus, "unnamed");
  r = parse_clamd_reply("stream: Bad\x01Name\xc3\xa9 FOUND\0"s);
  EXPECT_EQ(r.kind, ClamdReply::Kind::infected);
  EXPECT_EQ(r.virus, "Bad?Name??");
  r = parse_clamd_reply("stream: " + std::string(1000, 'V') + " FOUND");
  EXPECT_EQ(r.kind, ClamdReply::Kind::infected);
  EXPECT_EQ(r.virus.size(), kMaxVirusName);
}

TEST(ClamdReply, Pong) {
  EXPECT_TRUE(is_clamd_pong("PONG\0"s));
  EXPECT_TRUE(is_clamd_pong("PONG\n"));
  EXPECT_FALSE(is_clamd_pong("PONG\0PONG\0"s));
  EXPECT_FALSE(is_clamd_pong(""));
  EXPECT_FALSE(is_clamd_pong("UNKNOWN COMMAND\0"s));
}

// ---------------------------------------------------------------------------------------------
// spamd

TEST(SpamdReply, Check) {
  auto r = parse_spamd_reply("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1000.5 / 5.0\r\n\r\n", SpamdMode::check);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(r.spam);
  EXPECT_DOUBLE_EQ(r.score, 1000.5);
  EXPECT_DOUBLE_EQ(r.threshold, 5.0);

  r = parse_spamd_reply("SPAMD/1.1 0 EX_OK\r\nSpam: False ; -0.0 / 5.0\r\n\r\n", SpamdMode::check);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.spam);
  EXPECT_DOUBLE_EQ(r.score, 0.0);

  // Older forms and spacing: Yes/No, any case, header names in any case, other headers ignored.
  r = parse_spamd_reply("SPAMD/1.0 0 EX_OK\r\nX-Other: 1\r\nspam:yes;12/7.5\r\n\r\n", SpamdMode::check);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.spam);
  EXPECT_DOUBLE_EQ(r.score, 12.0);
  EXPECT_DOUBLE_EQ(r.threshold, 7.5);
  r = parse_spamd_reply("SPAMD/1.5 0 EX_OK\r\nSPAM: NO ; -3.2 / 5\r\n\r\n", SpamdMode::check);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_FALSE(r.spam);
  EXPECT_DOUBLE_EQ(r.score, -3.2);
}

TEST(SpamdReply, SymbolsAndReport) {
  const std::string body = "GTUBE,MSGID_SHORT,NO_RECEIVED,NO_RELAYS";
  auto r = parse_spamd_reply("SPAMD/1.1 0 EX_OK\r\nContent-length: " + std::to_string(body.size()) +
                                 "\r\nSpam: True ; 1000.0 / 5.0\r\n\r\n" + body,
                             SpamdMode::symbols);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.symbols, (std::vector<std::string>{"GTUBE", "MSGID_SHORT", "NO_RECEIVED", "NO_RELAYS"}));
  EXPECT_TRUE(r.report.empty());

  // No symbols at all; spaces and a final newline around them.
  r = parse_spamd_reply("SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\nSpam: False ; 0.1 / 5.0\r\n\r\n",
                        SpamdMode::symbols);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(r.symbols.empty());
  r = parse_spamd_reply("SPAMD/1.1 0 EX_OK\r\nSpam: False ; 0.1 / 5.0\r\n\r\n A , B_2 ,,\r\n", SpamdMode::symbols);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.symbols, (std::vector<std::string>{"A", "B_2"}));

  const std::string report = "Spam detection software...\n\n pts rule name\n1000 GTUBE  BODY: Generic Test\n";
  r = parse_spamd_reply("SPAMD/1.1 0 EX_OK\r\nContent-length: " + std::to_string(report.size()) +
                            "\r\nSpam: True ; 1000.0 / 5.0\r\n\r\n" + report,
                        SpamdMode::report);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.report, report);
  EXPECT_TRUE(r.symbols.empty());
}

TEST(SpamdReply, ErrorStatusCarriesSpamdsCode) {
  auto r = parse_spamd_reply(
      "SPAMD/1.0 76 Bad header line: (Content-Length mismatch: Expected 100 bytes, got 3 bytes)\r\n", SpamdMode::check);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.code, 76);
  EXPECT_NE(r.error.find("76 Bad header line"), std::string::npos) << r.error;
  r = parse_spamd_reply("SPAMD/1.0 75 EX_TEMPFAIL\r\n", SpamdMode::check);
  EXPECT_EQ(r.code, 75);
  EXPECT_FALSE(r.ok);
}

TEST(SpamdReply, MalformedRepliesSayWhy) {
  const struct {
    std::string reply;
    std::string says;
  } cases[] = {
      {"", "empty"},
      {"SPAMD/1.1 0 EX_OK", "not ended by CRLF"},
      {"SPAMD/1.1 0 EX_OK\n", "not ended by CRLF"},
      {"HTTP/1.1 200 OK\r\n\r\n", "not a spamd reply"},
      {"SPAMD/x.1 0 EX_OK\r\n", "bad protocol version"},
      {"SPAMD/1 0 EX_OK\r\n", "bad protocol version"},
      {"SPAMD/1.1\r\n", "no status code"},
      {"SPAMD/1.1 -1 EX_OK\r\n", "bad status code"},
      {"SPAMD/1.1 0000 EX_OK\r\n", "bad status code"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\n", "do not end with an empty line"},
      {"SPAMD/1.1 0 EX_OK\r\n\r\n", "no Spam header"},
      {"SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\n\r\n", "no Spam header"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam True ; 1 / 5\r\n\r\n", "bad header line"},
      {"SPAMD/1.1 0 EX_OK\r\nSp am: True ; 1 / 5\r\n\r\n", "bad header line"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5\r\nSpam: False ; 1 / 5\r\n\r\n", "given twice"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: Maybe ; 1 / 5\r\n\r\n", "not True or False"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True\r\n\r\n", "not 'FLAG ; SCORE / THRESHOLD'"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1\r\n\r\n", "not 'FLAG ; SCORE / THRESHOLD'"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; x / 5\r\n\r\n", "not a number"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / \r\n\r\n", "not a number"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; nan / 5\r\n\r\n", "not a number"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; inf / 5\r\n\r\n", "not a number"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1e400 / 5\r\n\r\n", "not a number"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 99999999999 / 5\r\n\r\n", "not a number"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1.2.3 / 5\r\n\r\n", "not a number"},
      {"SPAMD/1.1 0 EX_OK\r\nSpam: True ; 1 / 5 / 6\r\n\r\n", "not a number"},
      {"SPAMD/1.1 0 EX_OK\r\nContent-length: 5\r\nSpam: True ; 1 / 5\r\n\r\nabc", "Content-length says 5"},
      {"SPAMD/1.1 0 EX_OK\r\nContent-length: 1\r\nSpam: True ; 1 / 5\r\n\r\nabc", "Content-length says 1"},
      {"SPAMD/1.1 0 EX_OK\r\nContent-length: -1\r\nSpam: True ; 1 / 5\r\n\r\n", "bad Content-length"},
      {"SPAMD/1.1 0 EX_OK\r\nContent-length: 999999999999\r\nSpam: True ; 1 / 5\r\n\r\n", "bad Content-length"},
      {"SPAMD/1.1 0 EX_OK\r\nContent-length: 0\r\nContent-length: 0\r\nSpam: True ; 1 / 5\r\n\r\n", "given twice"},
  };
  for (const auto& c : cases) {
    const auto r = parse_spamd_reply(c.reply, SpamdMode::check);
    EXPECT_FALSE(r.ok) << c.reply;
    EXPECT_NE(r.error.find(c.says), std::string::npos) << c.reply << " -> " << r.error;
  }
}

TEST(SpamdReply, SymbolsMustBeRuleNames) {
  const auto with = [](const std::string& body) {
    return parse_spamd_reply("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 6 / 5\r\n\r\n" + body, SpamdMode::symbols);
  };
  EXPECT_FALSE(with("GTUBE,BAD RULE").ok);
  EXPECT_FALSE(with("GTUBE,\x01").ok);
  EXPECT_FALSE(with("GTUBE\r\nX-Injected: 1").ok);
  EXPECT_FALSE(with(std::string(kMaxSymbolLength + 1, 'A')).ok);
  EXPECT_TRUE(with(std::string(kMaxSymbolLength, 'A')).ok);
  std::string many;
  for (std::size_t i = 0; i <= kMaxSymbols; ++i) many += "R" + std::to_string(i) + ",";
  const auto r = with(many);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("more than 1000 symbols"), std::string::npos) << r.error;
  // In CHECK mode the body is not read.
  EXPECT_TRUE(parse_spamd_reply("SPAMD/1.1 0 EX_OK\r\nSpam: True ; 6 / 5\r\n\r\nnot, rules!", SpamdMode::check).ok);
}

TEST(SpamdReply, HugeRepliesAndHeaderFloods) {
  const std::string head = "SPAMD/1.1 0 EX_OK\r\nSpam: True ; 6 / 5\r\n\r\n";
  auto r = parse_spamd_reply(head + std::string(kMaxSpamdReply, 'x'), SpamdMode::report);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("longer than"), std::string::npos) << r.error;
  r = parse_spamd_reply(head + std::string(kMaxSpamdReply - head.size(), 'x'), SpamdMode::report);
  EXPECT_TRUE(r.ok) << r.error;  // exactly the limit is fine

  std::string flood = "SPAMD/1.1 0 EX_OK\r\n";
  for (std::size_t i = 0; i <= kMaxSpamdHeaders; ++i) flood += "X-H" + std::to_string(i) + ": v\r\n";
  flood += "Spam: True ; 6 / 5\r\n\r\n";
  r = parse_spamd_reply(flood, SpamdMode::check);
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.error.find("more than 64 headers"), std::string::npos) << r.error;
}

TEST(SpamdReply, Pong) {
  EXPECT_TRUE(is_spamd_pong("SPAMD/1.5 0 PONG\r\n"));
  EXPECT_FALSE(is_spamd_pong("SPAMD/1.5 0 PONG"));  // not a whole line yet
  EXPECT_FALSE(is_spamd_pong("SPAMD/1.0 76 Bad header line: PING\r\n"));
  EXPECT_FALSE(is_spamd_pong("PONG\r\n"));
}

TEST(SpamdReply, ModeNames) {
  EXPECT_EQ(to_string(SpamdMode::check), "CHECK");
  EXPECT_EQ(to_string(SpamdMode::symbols), "SYMBOLS");
  EXPECT_EQ(to_string(SpamdMode::report), "REPORT");
}

}  // namespace
