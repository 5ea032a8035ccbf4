// The declarative rule library (rule{...}, daemon/src/hooks/rulebook.lua): each criterion field
// and operator, any/all, every action, "stop", and the load-time errors of a malformed rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "rules_fixture.hpp"

namespace portcullis::hooks::testing {
namespace {

constexpr const char* kMessage =
    "From: Alice Example <alice@sender.example>\r\n"
    "To: Bob <bob@example.org>\r\n"
    "Cc: carol@example.org, dave@elsewhere.example\r\n"
    "Subject: Your Invoice 42\r\n"
    "X-Mailer: InvoiceBot 3.1\r\n"
    "\r\n"
    "Please pay within 30 days.\r\n";

bool has_symbol(const Outcome& o, const std::string& name) {
  return std::any_of(o.symbols.begin(), o.symbols.end(), [&](const Symbol& s) { return s.name == name; });
}

// Loads one rule that adds symbol HIT when its criteria match, and reports whether it did.
class Criterion : public ::testing::Test {
 protected:
  bool matches(const std::string& criteria, const std::string& match = "all") {
    r.folder.write("10-rule.lua", "rule { name = 'hit', match = '" + match + "', criteria = { " + criteria +
                                      " }, actions = { { 'symbol', 'HIT' } } }\n");
    const auto rep = r.load();
    EXPECT_NE(rep.rules, nullptr) << (rep.errors.empty() ? "" : rep.errors.front());
    MessageEvent m(kMessage);
    m.data.recipients = {"bob@example.org", "carol@example.org"};
    m.data.symbols = {{"SPF_FAIL", 2.0}};
    m.data.score = 2.0;
    const Outcome o = r.run(m.data);
    EXPECT_FALSE(o.failed) << (o.trace.empty() ? "" : o.trace.back().decision);
    return has_symbol(o, "HIT");
  }
  RulesEngine r;
};

TEST_F(Criterion, FieldsAndOperators) {
  EXPECT_TRUE(matches("{ 'subject', 'contains', 'invoice' }"));  // case-insensitive
  EXPECT_FALSE(matches("{ 'subject', 'contains', 'receipt' }"));
  EXPECT_TRUE(matches("{ 'subject', 'is', 'your invoice 42' }"));
  EXPECT_FALSE(matches("{ 'subject', 'is', 'your invoice' }"));
  EXPECT_TRUE(matches("{ 'subject', 'regex', '^Your %a+ %d+$' }"));
  EXPECT_FALSE(matches("{ 'subject', 'regex', '^%d' }"));
  EXPECT_TRUE(matches("{ 'from', 'is', 'alice@sender.example' }"));
  EXPECT_TRUE(matches("{ 'from_name', 'contains', 'alice' }"));
  EXPECT_TRUE(matches("{ 'to', 'is', 'bob@example.org' }"));
  EXPECT_TRUE(matches("{ 'cc', 'is', 'dave@elsewhere.example' }"));  // any of the list
  EXPECT_FALSE(matches("{ 'cc', 'is', 'bob@example.org' }"));
  EXPECT_TRUE(matches("{ 'sender', 'is', 'alice@sender.example' }"));
  EXPECT_TRUE(matches("{ 'recipient', 'in', { 'x@y.example', 'carol@example.org' } }"));
  EXPECT_TRUE(matches("{ 'header:X-Mailer', 'regex', '^InvoiceBot' }"));
  EXPECT_FALSE(matches("{ 'header:X-Missing', 'contains', 'a' }"));
  EXPECT_TRUE(matches("{ 'body', 'contains', 'within 30 days' }"));
  EXPECT_TRUE(matches("{ 'size', 'greater than', 100 }"));
  EXPECT_FALSE(matches("{ 'size', 'less than', 100 }"));
  EXPECT_TRUE(matches("{ 'client_ip', 'in', { '192.0.2.0/24' } }"));
  EXPECT_FALSE(matches("{ 'client_ip', 'in', { '198.51.100.0/24', '2001:db8::/32' } }"));
  EXPECT_TRUE(matches("{ 'client_ip', 'not in', { '198.51.100.0/24' } }"));
  EXPECT_TRUE(matches("{ 'helo', 'is', 'mx.sender.example' }"));
  EXPECT_TRUE(matches("{ 'authenticated', 'is', false }"));
  EXPECT_TRUE(matches("{ 'internal', 'is', false }"));
  EXPECT_TRUE(matches("{ 'tls', 'is', false }"));
  EXPECT_TRUE(matches("{ 'symbol', 'is', 'SPF_FAIL' }"));
  EXPECT_TRUE(matches("{ 'score', 'greater than', 1.5 }"));
  EXPECT_FALSE(matches("{ 'score', 'greater than', 2 }"));
  EXPECT_TRUE(matches("{ 'subject', 'not contains', 'receipt' }"));
}

TEST_F(Criterion, AllAndAny) {
  const std::string one_true_one_false = "{ 'subject', 'contains', 'invoice' }, { 'size', 'less than', 10 }";
  EXPECT_FALSE(matches(one_true_one_false, "all"));
  EXPECT_TRUE(matches(one_true_one_false, "any"));
  const std::string both_false = "{ 'subject', 'contains', 'nothing' }, { 'size', 'less than', 10 }";
  EXPECT_FALSE(matches(both_false, "any"));
  EXPECT_TRUE(matches("", "all"));  // no criteria: every message
}

TEST(RuleActions, EditsAndDecisions) {
  RulesEngine r;
  r.load_ok("10-actions.lua", R"(
    rule {
      name = "edit everything", event = "data",
      criteria = { { "subject", "contains", "invoice" } },
      actions = {
        { "tag_subject", "[invoice]" },
        { "set_header", "X-Class", "billing" },
        { "add_header", "X-Seen", "yes" },
        { "remove_header", "X-Mailer" },
        { "score", 2.5, "INVOICE" },
        { "add_recipient", "archive@example.org" },
        { "route", "[192.0.2.50]:2526" },
      },
    }
    rule {
      name = "redirect billing", event = "rcpt",
      criteria = { { "recipient", "is", "billing@example.org" } },
      actions = { { "redirect", "accounts@example.org" } },
    }
    rule {
      name = "blocked sender", event = "mail",
      criteria = { { "sender", "is", "spam@bad.example" } },
      actions = { { "reject", "5.7.1 Not from you" } },
    }
    rule {
      name = "slow down", event = "mail",
      criteria = { { "sender", "is", "busy@bad.example" } },
      actions = { { "tempfail", "4.7.1 Later" } },
    }
  )");
  MessageEvent m(kMessage);
  const Outcome o = r.run(m.data);
  ASSERT_FALSE(o.failed);
  EXPECT_EQ(o.action, Action::none);
  ASSERT_GE(o.header_edits.size(), 5u);
  // tag_subject replaces Subject (remove + add); the other edits follow in order.
  EXPECT_EQ(o.header_edits[0].op, HeaderEdit::Op::remove);
  EXPECT_EQ(o.header_edits[1].value, "[invoice] Your Invoice 42");
  EXPECT_TRUE(has_symbol(o, "INVOICE"));
  EXPECT_TRUE(has_symbol(o, "RULE_EDIT_EVERYTHING"));
  EXPECT_DOUBLE_EQ(o.score, 2.5);
  EXPECT_EQ(o.add_recipients, std::vector<std::string>{"archive@example.org"});
  EXPECT_EQ(o.route, "[192.0.2.50]:2526");
  const bool mailer_removed = std::any_of(o.header_edits.begin(), o.header_edits.end(), [](const HeaderEdit& e) {
    return e.op == HeaderEdit::Op::remove && e.name == "X-Mailer";
  });
  EXPECT_TRUE(mailer_removed);

  // A subject already tagged is not tagged twice.
  MessageEvent tagged("Subject: [invoice] Your Invoice 42\r\n\r\nx\r\n");
  const Outcome ot = r.run(tagged.data);
  const bool retagged = std::any_of(ot.header_edits.begin(), ot.header_edits.end(),
                                    [](const HeaderEdit& e) { return e.value.find("[invoice] [invoice]") != std::string::npos; });
  EXPECT_FALSE(retagged);

  EventData rcpt = event(EventKind::rcpt);
  rcpt.rcpt = "billing@example.org";
  const Outcome orc = r.run(rcpt);
  ASSERT_TRUE(orc.set_recipients.has_value());
  EXPECT_EQ(*orc.set_recipients, std::vector<std::string>{"accounts@example.org"});

  EventData mail = event(EventKind::mail);
  mail.sender = "spam@bad.example";
  const Outcome om = r.run(mail);
  EXPECT_EQ(om.action, Action::reject);
  EXPECT_EQ(om.reply, "550 5.7.1 Not from you");
  mail.sender = "busy@bad.example";
  const Outcome ob = r.run(mail);
  EXPECT_EQ(ob.action, Action::tempfail);
  EXPECT_EQ(ob.reply, "451 4.7.1 Later");
  mail.sender = "fine@good.example";
  EXPECT_EQ(r.run(mail).action, Action::none);
}

TEST(RuleActions, DiscardQuarantineAndStop) {
  RulesEngine r;
  r.load_ok("10-stop.lua", R"(
    rule { name = "newsletters stop here", criteria = { { "subject", "contains", "newsletter" } },
           actions = { { "symbol", "NEWSLETTER" }, { "stop" } } }
    rule { name = "drop", criteria = { { "subject", "contains", "drop" } }, actions = { { "discard" } } }
    rule { name = "hold", criteria = { { "subject", "contains", "hold" } },
           actions = { { "quarantine", "held by rule" } } }
    rule { name = "everything else", actions = { { "symbol", "REACHED_LAST" } } }
  )");
  MessageEvent news("Subject: newsletter: drop and hold\r\n\r\nx\r\n");
  const Outcome on = r.run(news.data);
  EXPECT_EQ(on.action, Action::none);
  EXPECT_TRUE(has_symbol(on, "NEWSLETTER"));
  EXPECT_FALSE(has_symbol(on, "REACHED_LAST"));  // stop: no later rule of this script ran
  MessageEvent drop("Subject: drop me\r\n\r\nx\r\n");
  EXPECT_EQ(r.run(drop.data).action, Action::discard);
  MessageEvent hold("Subject: hold me\r\n\r\nx\r\n");
  const Outcome oh = r.run(hold.data);
  EXPECT_EQ(oh.action, Action::quarantine);
  EXPECT_EQ(oh.reason, "held by rule");
  MessageEvent other("Subject: other\r\n\r\nx\r\n");
  EXPECT_TRUE(has_symbol(r.run(other.data), "REACHED_LAST"));
}

TEST(RuleActions, ValuesFromSettingsAreReadWhenTheRuleRuns) {
  RulesEngine r;
  r.load_ok("10-setting.lua", R"(
    rule { name = "to the admin", event = "rcpt", criteria = { { "recipient", "is", "report@example.org" } },
           actions = { { "redirect", setting("admin-email") } } }
  )");
  EventData e = event(EventKind::rcpt);
  e.rcpt = "report@example.org";
  const Outcome unset = r.run(e);  // no policy: the action is skipped, the mail continues
  EXPECT_FALSE(unset.failed);
  EXPECT_FALSE(unset.set_recipients.has_value());
}

TEST(RuleErrors, MalformedRulesAreRejectedAtLoad) {
  struct Case {
    const char* source;
    const char* expected;
  };
  const Case cases[] = {
      {"rule { name = 'x', criteria = { { 'subject', 'resembles', 'a' } }, actions = { { 'stop' } } }\n",
       "unknown operator 'resembles'"},
      {"rule { name = 'x', criteria = { { 'colour', 'is', 'red' } }, actions = { { 'stop' } } }\n",
       "unknown criterion field 'colour'"},
      {"rule { name = 'x', criteria = {} }\n", "no actions"},
      {"rule { name = 'x', actions = { { 'explode' } } }\n", "action 1 is unknown"},
      {"rule { name = 'x', event = 'sunrise', actions = { { 'stop' } } }\n", "unknown event 'sunrise'"},
      {"rule { name = 'x', match = 'most', actions = { { 'stop' } } }\n", "match is 'all' or 'any'"},
      {"rule { name = 'x', criteria = { 'subject' }, actions = { { 'stop' } } }\n", "criterion 1 is"},
      {"function on_data(ev) end\nrule { name = 'x', actions = { { 'stop' } } }\n", "also defines on_data"},
      {"rule { name = 'x', actions = { { 'stop' } } }\nfunction on_data(ev) end\n",
       "on_data is defined both by rule{} and by the script"},
  };
  for (const auto& c : cases) {
    RulesEngine r;
    r.folder.write("10-bad.lua", c.source);
    const LoadReport rep = r.load();
    EXPECT_EQ(rep.rules, nullptr) << c.source;
    ASSERT_EQ(rep.errors.size(), 1u) << c.source;
    EXPECT_NE(rep.errors[0].find(c.expected), std::string::npos) << rep.errors[0];
    EXPECT_NE(rep.errors[0].find("10-bad.lua"), std::string::npos) << rep.errors[0];
  }
}

}  // namespace
}  // namespace portcullis::hooks::testing
