// checks::MessageAuth: the settings' defaults, DMARC's verdict and disposition, and the
// aggregate-report row, over zone data in memory (net::StaticDns). The daemon's use of it is
// shown end to end by tests/integration/test_auth.py.
#include "checks/auth/message_auth.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "checks/arc/seal.hpp"
#include "checks/dkim/sign.hpp"
#include "net/static_dns.hpp"
#include "policy/snapshot.hpp"

namespace portcullis::checks {
namespace {

namespace asio = boost::asio;

const dmarc::PublicSuffixList& psl() {
  static const auto list = dmarc::PublicSuffixList::from_text("com\nco.uk\n");
  return list;
}

class MessageAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dns.add_txt("forged.example", "v=spf1 ip4:192.0.2.1 -all");
    dns.add_txt("_dmarc.forged.example", "v=DMARC1; p=reject; adkim=s");
    dns.add_txt("lax.example", "v=spf1 -all");
    dns.add_txt("_dmarc.lax.example", "v=DMARC1; p=quarantine; pct=100");
  }

  // One transaction from 203.0.113.9: MAIL FROM, the message, the end.
  std::unique_ptr<MessageAuth> run(AuthSettings settings, const std::string& sender, const std::string& message) {
    auto auth = std::make_unique<MessageAuth>(std::move(settings), asio::ip::make_address("203.0.113.9"),
                                              "mx.sender.example");
    const auto headers = mail::parse_headers(message);
    asio::io_context io;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          auto check = auth->mail_from(dns, sender);
          co_await std::move(check);
          auth->feed(message);
          co_await auth->finish(dns, &psl(), headers);
        },
        asio::detached);
    io.run();
    return auth;
  }

  static AuthSettings enforcing() {
    AuthSettings s;
    s.authserv_id = "gw.example";
    s.receiver = "gw.example";
    return s;
  }

  net::StaticDns dns;
};

TEST(AuthSettingsTest, EverythingOnByDefaultAndEachCanBeTurnedOff) {
  policy::Snapshot none;
  const auto d = auth_settings(&none, "gw.example");
  EXPECT_TRUE(d.spf && d.dkim && d.dmarc && d.dmarc_enforce);
  EXPECT_EQ(d.authserv_id, "gw.example");
  EXPECT_EQ(d.receiver, "gw.example");
  policy::Snapshot off;
  off.settings = {{"spf", "off"}, {"dkim", "off"}, {"dmarc", "on"}, {"dmarc-enforce", "off"},
                  {"authserv-id", "mx.example.org"}};
  const auto o = auth_settings(&off, "gw.example");
  EXPECT_FALSE(o.spf);
  EXPECT_FALSE(o.dkim);
  EXPECT_TRUE(o.dmarc);
  EXPECT_FALSE(o.dmarc_enforce);
  EXPECT_EQ(o.authserv_id, "mx.example.org");
  EXPECT_TRUE(auth_settings(nullptr, "gw.example").any());
}

TEST_F(MessageAuthTest, RejectHonouredWithTheReportRow) {
  const auto a = run(enforcing(), "ceo@forged.example",
                     "From: CEO <ceo@forged.example>\r\nSubject: pay\r\n\r\nnow\r\n");
  const auto v = a->verdict();
  EXPECT_EQ(v.action, AuthVerdict::Action::reject);
  EXPECT_EQ(v.reply.substr(0, 10), "550 5.7.1 ");
  EXPECT_EQ(a->disposition(), dmarc::Policy::reject);
  const std::string field = a->results_field();
  EXPECT_NE(field.find("dmarc=fail (p=reject dis=reject) header.from=forged.example"), std::string::npos) << field;
  EXPECT_NE(field.find("spf=fail (203.0.113.9 is not allowed by forged.example)"), std::string::npos) << field;
  const auto row = a->report_row("Q1", 1700000000);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->queue_id, "Q1");
  EXPECT_EQ(row->received, 1700000000);
  EXPECT_EQ(row->source_ip, "203.0.113.9");
  EXPECT_EQ(row->header_from, "forged.example");
  EXPECT_EQ(row->envelope_from, "forged.example");
  EXPECT_EQ(row->policy_domain, "forged.example");
  EXPECT_EQ(row->published, "p=reject sp=reject pct=100 adkim=s aspf=r fo=0");
  EXPECT_EQ(row->disposition, "reject");
  EXPECT_EQ(row->dmarc, "fail");
  EXPECT_EQ(row->spf_result, "fail");
  EXPECT_EQ(row->reason, "");
  const auto log = a->log_fields();
  EXPECT_EQ(log.spf, "fail");
  EXPECT_EQ(log.dkim, "none");
  EXPECT_EQ(log.dmarc, "fail");
}

TEST_F(MessageAuthTest, NotEnforcedMeansDispositionNoneByLocalPolicy) {
  auto s = enforcing();
  s.dmarc_enforce = false;
  const auto a = run(s, "x@lax.example", "From: x@lax.example\r\n\r\nbody\r\n");
  EXPECT_EQ(a->verdict().action, AuthVerdict::Action::none);
  EXPECT_NE(a->results_field().find("dmarc=fail (p=quarantine dis=none)"), std::string::npos) << a->results_field();
  const auto row = a->report_row("Q2", 1);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->disposition, "none");
  EXPECT_EQ(row->reason, "local_policy");
}

TEST_F(MessageAuthTest, QuarantineEnforced) {
  const auto a = run(enforcing(), "x@lax.example", "From: x@lax.example\r\n\r\nbody\r\n");
  const auto v = a->verdict();
  EXPECT_EQ(v.action, AuthVerdict::Action::quarantine);
  EXPECT_EQ(v.reason, "dmarc p=quarantine of lax.example");
  EXPECT_EQ(a->report_row("Q3", 1)->disposition, "quarantine");
}

TEST_F(MessageAuthTest, NoRecordNoRowAndNoneResults) {
  const auto a = run(enforcing(), "bob@quiet.example", "From: bob@quiet.example\r\n\r\nhi\r\n");
  EXPECT_FALSE(a->report_row("Q4", 1));
  EXPECT_EQ(a->verdict().action, AuthVerdict::Action::none);
  const std::string field = a->results_field();
  EXPECT_EQ(field.substr(0, 36), "Authentication-Results: gw.example;\r");
  EXPECT_NE(field.find("dkim=none"), std::string::npos);
  EXPECT_NE(field.find("dmarc=none"), std::string::npos);
  std::vector<std::string> names;
  for (const auto& s : a->symbols()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"SPF_NONE", "DKIM_NONE", "DMARC_NONE", "ARC_NONE"}));
}

TEST_F(MessageAuthTest, SeveralFromFieldsRejectedWhenEnforced) {
  const auto a = run(enforcing(), "a@quiet.example",
                     "From: a@quiet.example\r\nFrom: b@forged.example\r\n\r\nhi\r\n");
  EXPECT_EQ(a->verdict().action, AuthVerdict::Action::reject);
  EXPECT_NE(a->verdict().reply.find("several From header fields"), std::string::npos);
  bool several = false;
  for (const auto& s : a->symbols()) several = several || s.name == "FROM_SEVERAL";
  EXPECT_TRUE(several);
}

// A mailing list (lists.example) passes on mail "from" forged.example (p=reject), sealed with
// ARC: DMARC fails; only when the list is a trusted sealer is the message let through.
TEST_F(MessageAuthTest, TrustedForwarderOverridesDmarc) {
  const auto generated = dkim::generate_key();
  const auto key = dkim::load_signing_key("lists.example", "arc", generated.private_pem);
  dns.add_txt("arc._domainkey.lists.example", generated.dns_txt);
  std::string message =
      "Authentication-Results: lists.example; dkim=pass header.d=forged.example\r\n"
      "From: ceo@forged.example\r\nSubject: [list] hello\r\n\r\nbody\r\n-- \r\nthe list footer\r\n";
  std::string error;
  const auto set = arc::seal_message(message, arc::ChainResult{}, key, "lists.example",
                                     "dkim=pass header.d=forged.example", std::time(nullptr), error);
  ASSERT_TRUE(set) << error;
  message = set->text() + message;

  const auto untrusted = run(enforcing(), "list-bounces@lists.example", message);
  ASSERT_TRUE(untrusted->arc());
  EXPECT_EQ(untrusted->arc()->cv, arc::Cv::pass) << untrusted->arc()->problem;
  EXPECT_EQ(untrusted->trusted_forwarder(), "");
  EXPECT_EQ(untrusted->verdict().action, AuthVerdict::Action::reject);

  auto settings = enforcing();
  settings.arc_trusted_sealers = {"other.example", "lists.example"};
  const auto trusted = run(settings, "list-bounces@lists.example", message);
  EXPECT_EQ(trusted->trusted_forwarder(), "lists.example");
  EXPECT_EQ(trusted->verdict().action, AuthVerdict::Action::none);
  EXPECT_EQ(trusted->disposition(), dmarc::Policy::none);
  const std::string field = trusted->results_field();
  EXPECT_NE(field.find("arc=pass (i=1)"), std::string::npos) << field;
  EXPECT_NE(field.find("dmarc=fail (p=reject dis=none)"), std::string::npos) << field;
  const auto row = trusted->report_row("Q5", 1);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->disposition, "none");
  EXPECT_EQ(row->reason, "trusted_forwarder");
  bool symbol = false;
  for (const auto& s : trusted->symbols()) symbol = symbol || s.name == "ARC_TRUSTED_FORWARDER";
  EXPECT_TRUE(symbol);
}

TEST(AuthSettingsTest, TrustedSealersAreReadFromTheSetting) {
  policy::Snapshot snap;
  snap.settings = {{"arc-trusted-sealers", "Lists.Example.org, groups.example.com,,"}};
  EXPECT_EQ(auth_settings(&snap, "gw.example").arc_trusted_sealers,
            (std::vector<std::string>{"lists.example.org", "groups.example.com"}));
}

TEST(ForgedResultsTest, OnlyOurAuthservIdIsRemoved) {
  const std::string msg =
      "Authentication-Results: gw.example; dkim=pass\r\n"
      "Authentication-Results: other.example; spf=pass\r\n"
      "Authentication-Results: GW.EXAMPLE. (comment); dmarc=pass\r\n"
      "Subject: x\r\n\r\n";
  const auto headers = mail::parse_headers(msg);
  const auto ranges = forged_results(headers, "gw.example");
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(msg.substr(ranges[0].first, ranges[0].second).substr(0, 35), "Authentication-Results: gw.example;");
  EXPECT_EQ(msg.substr(ranges[1].first, 35), "Authentication-Results: GW.EXAMPLE.");
}

}  // namespace
}  // namespace portcullis::checks
