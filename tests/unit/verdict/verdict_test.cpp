#include "checks/verdict/verdict.hpp"

#include <gtest/gtest.h>

namespace portcullis::checks::verdict {
namespace {

store::SpamPolicy named(std::string name) {
  store::SpamPolicy p;
  p.name = std::move(name);
  return p;
}

Findings scored(double score) {
  Findings f;
  f.symbols.push_back({"TEST_SCORE", score});
  return f;
}

TEST(Policies, MostSpecificAssignmentWins) {
  auto strict = named("strict");
  strict.reject_score = 8;
  auto lax = named("lax");
  lax.tag_score = 20;
  auto fallback = named("fallback");
  const Policies p({strict, lax, fallback},
                   {{"Boss@Example.org", "strict"}, {"@example.org", "lax"}, {"*", "fallback"}});
  EXPECT_EQ(p.for_recipient("boss@EXAMPLE.org").name, "strict");
  EXPECT_EQ(p.for_recipient("staff@example.org").name, "lax");
  EXPECT_EQ(p.for_recipient("someone@example.net").name, "fallback");
  EXPECT_EQ(p.for_recipient("staff@sub.example.org").name, "fallback");  // a domain, not its subdomains
  EXPECT_EQ(Policies().for_recipient("a@b.c").name, "default");
  EXPECT_EQ(Policies({strict}, {}).for_recipient("a@b.c").name, "default");
}

TEST(Decide, Thresholds) {
  const auto p = named("p");  // tag 5, quarantine 10, reject 15
  EXPECT_EQ(decide(p, scored(4.9)).action, Action::deliver);
  EXPECT_FALSE(decide(p, scored(4.9)).spam);
  const auto tagged = decide(p, scored(5));
  EXPECT_EQ(tagged.action, Action::deliver);
  EXPECT_TRUE(tagged.spam);
  EXPECT_EQ(tagged.subject_tag, "[SPAM]");
  const auto held = decide(p, scored(10));
  EXPECT_EQ(held.action, Action::quarantine);
  EXPECT_EQ(held.reason, "spam score 10.00");
  const auto refused = decide(p, scored(15.5));
  EXPECT_EQ(refused.action, Action::reject);
  EXPECT_EQ(refused.reply, "550 5.7.1 Error: message refused as spam (score 15.50)");
}

TEST(Decide, ThresholdsAboveNeverAreOff) {
  auto p = named("p");
  p.reject_score = store::kThresholdOff;
  p.quarantine_score = store::kThresholdOff;
  const auto o = decide(p, scored(5000));
  EXPECT_EQ(o.action, Action::deliver);
  EXPECT_TRUE(o.spam);
  EXPECT_FALSE(Policies().builtin().greylisting);
}

TEST(Decide, SpamdScoreCountsOnlyWhenThePolicyScans) {
  Findings f = scored(1);
  f.spamd_score = 1000;
  auto p = named("p");
  EXPECT_EQ(decide(p, f).action, Action::reject);
  EXPECT_DOUBLE_EQ(decide(p, f).score, 1001);
  p.spam_scan = false;
  EXPECT_EQ(decide(p, f).action, Action::deliver);
  EXPECT_DOUBLE_EQ(decide(p, f).score, 1);
}

TEST(Decide, VirusActions) {
  Findings f;
  f.virus = "Eicar-Test-Signature";
  auto p = named("p");
  const auto r = decide(p, f);
  EXPECT_EQ(r.action, Action::reject);
  EXPECT_EQ(r.reply, "554 5.7.1 Error: message refused, it contains a virus (Eicar-Test-Signature)");
  p.virus_action = "quarantine";
  EXPECT_EQ(decide(p, f).action, Action::quarantine);
  EXPECT_EQ(decide(p, f).reason, "virus Eicar-Test-Signature");
  p.virus_action = "discard";
  EXPECT_EQ(decide(p, f).action, Action::discard);
  p.virus_scan = false;  // the policy does not scan: the finding does not apply
  EXPECT_EQ(decide(p, f).action, Action::deliver);
  f.virus = "Bad\r\nName";  // never a line break in a reply
  p = named("p");
  EXPECT_EQ(decide(p, f).reply.find('\n'), std::string::npos);
}

TEST(Decide, ScannerFailureTempfailsOrPassesUnscanned) {
  Findings f;
  f.clamd_failure = "timeout";
  auto p = named("p");
  const auto t = decide(p, f);
  EXPECT_EQ(t.action, Action::tempfail);
  EXPECT_EQ(t.reply.substr(0, 9), "451 4.7.1");
  EXPECT_EQ(t.reason, "scanner unavailable (clamd: timeout)");
  p.scanner_failure = "accept";
  EXPECT_EQ(decide(p, f).action, Action::deliver);
  EXPECT_TRUE(decide(p, f).unscanned);
  p = named("p");
  p.virus_scan = false;  // clamd is not this policy's business
  EXPECT_EQ(decide(p, f).action, Action::deliver);
  EXPECT_FALSE(decide(p, f).unscanned);
}

TEST(Decide, Attachments) {
  Findings f;
  f.attachments.push_back({"invoice.pdf.exe", "double extension .pdf.exe"});
  auto p = named("p");
  const auto r = decide(p, f);
  EXPECT_EQ(r.action, Action::reject);
  EXPECT_EQ(r.reply,
            "554 5.7.1 Error: message refused, attachment not allowed: \"invoice.pdf.exe\" (double extension .pdf.exe)");
  p.attachment_action = "remove";
  EXPECT_EQ(decide(p, f).action, Action::deliver);
  EXPECT_TRUE(decide(p, f).remove_attachments);
  f.attachments_removable = false;  // the attachment is the whole message: refused instead
  EXPECT_EQ(decide(p, f).action, Action::reject);
  p.attachment_action = "quarantine";
  EXPECT_EQ(decide(p, f).action, Action::quarantine);
  p.attachment_action = "off";
  EXPECT_EQ(decide(p, f).action, Action::deliver);
}

TEST(DecideMessage, SplitsRecipientsByOutcome) {
  auto strict = named("strict");
  strict.tag_score = 2;
  strict.subject_tag = "[Possible spam]";
  auto lax = named("lax");
  const Policies policies({strict, lax}, {{"@strict.example", "strict"}, {"*", "lax"}});
  const auto d = decide_message({"a@strict.example", "b@lax.example", "c@strict.example"}, policies, scored(3));
  ASSERT_EQ(d.reply, MessageDecision::Reply::accept);
  ASSERT_EQ(d.groups.size(), 2u);
  EXPECT_EQ(d.groups[0].recipients, (std::vector<std::string>{"a@strict.example", "c@strict.example"}));
  EXPECT_TRUE(d.groups[0].outcome.spam);
  EXPECT_EQ(d.groups[0].outcome.subject_tag, "[Possible spam]");
  EXPECT_EQ(d.groups[1].recipients, (std::vector<std::string>{"b@lax.example"}));
  EXPECT_FALSE(d.groups[1].outcome.spam);
}

TEST(DecideMessage, RejectForAllIsAReplyRejectForSomeIsQuarantine) {
  auto strict = named("strict");
  strict.reject_score = 3;
  const Policies policies({strict}, {{"@strict.example", "strict"}});
  const auto all = decide_message({"a@strict.example", "b@strict.example"}, policies, scored(4));
  EXPECT_EQ(all.reply, MessageDecision::Reply::reject);
  EXPECT_EQ(all.text.substr(0, 9), "550 5.7.1");
  EXPECT_TRUE(all.groups.empty());
  const auto some = decide_message({"a@strict.example", "b@other.example"}, policies, scored(4));
  ASSERT_EQ(some.reply, MessageDecision::Reply::accept);
  ASSERT_EQ(some.groups.size(), 2u);
  EXPECT_EQ(some.groups[0].outcome.action, Action::quarantine);
  EXPECT_EQ(some.groups[0].outcome.reason, "spam score 4.00");
  EXPECT_EQ(some.groups[1].outcome.action, Action::deliver);
}

TEST(DecideMessage, AnyTempfailDefersEveryone) {
  auto open = named("open");
  open.scanner_failure = "accept";
  const Policies policies({open}, {{"@open.example", "open"}});
  Findings f;
  f.spamd_failure = "connection refused";
  const auto d = decide_message({"a@open.example", "b@closed.example"}, policies, f);
  EXPECT_EQ(d.reply, MessageDecision::Reply::tempfail);
  EXPECT_EQ(d.reason, "scanner unavailable (spamd: connection refused)");
  const auto only_open = decide_message({"a@open.example"}, policies, f);
  EXPECT_EQ(only_open.reply, MessageDecision::Reply::accept);
  EXPECT_TRUE(only_open.groups.at(0).outcome.unscanned);
}

TEST(SpamHeaders, ScoreStatusAndFolding) {
  Findings f = scored(6.5);
  f.spamd_symbols = {"GTUBE", "MISSING_DATE"};
  Outcome o = decide(named("p"), f);
  EXPECT_EQ(spam_headers(o, f),
            "X-Spam-Score: 6.50\r\nX-Spam-Status: Yes, score=6.50 required=5.00 tests=TEST_SCORE,GTUBE,\r\n"
            "\tMISSING_DATE\r\n");
  for (int i = 0; i < 30; ++i) f.spamd_symbols.push_back("A_RATHER_LONG_SYMBOL_NAME_" + std::to_string(i));
  const std::string h = spam_headers(o, f);
  std::size_t start = 0;
  while (start < h.size()) {
    const std::size_t end = h.find("\r\n", start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start, 78u) << h.substr(start, end - start);
    start = end + 2;
  }
  EXPECT_NE(h.find("A_RATHER_LONG_SYMBOL_NAME_29"), std::string::npos);
}

}  // namespace
}  // namespace portcullis::checks::verdict
