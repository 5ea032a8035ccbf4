// The rules shipped in lua-rules/, each on a real message file from tests/data/rules/.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "rules_fixture.hpp"

namespace portcullis::hooks::testing {
namespace {

const std::filesystem::path kSource = PORTCULLIS_SOURCE_DIR;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  EXPECT_TRUE(in.good()) << p;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class ShippedRules : public ::testing::Test {
 protected:
  void SetUp() override {
    EngineOptions o;
    o.rules_dir = kSource / "lua-rules";
    o.workers = 0;
    o.limits = small_limits();
    engine_ = std::make_unique<Engine>(o);
    const LoadReport r = engine_->reload();
    ASSERT_TRUE(r.rules) << (r.errors.empty() ? "" : r.errors.front());
    auto snap = std::make_shared<policy::Snapshot>();
    store::Domain d;
    d.name = "example.org";
    d.destination_host = "mail.example.org";
    snap->domains["example.org"] = d;
    snap->relaynets.push_back(*policy::Cidr::parse("192.0.2.0/24"));
    snap->settings["admin-email"] = "admin@example.net";
    snap->settings["internal-display-names"] = "Jane Doe, Max Mustermann";
    snapshot_ = snap;
  }

  // The data event of a message file, from `client`.
  Outcome data(const std::string& file, const std::string& client) {
    MessageEvent m(read_file(kSource / "tests/data/rules" / file));
    m.data.client_ip = client;
    m.data.policy = snapshot_;
    const Outcome o = engine_->run_here(m.data);
    EXPECT_FALSE(o.failed) << (o.trace.empty() ? "" : o.trace.back().decision);
    return o;
  }

  static bool has_symbol(const Outcome& o, const std::string& name) {
    for (const auto& s : o.symbols)
      if (s.name == name) return true;
    return false;
  }

  std::unique_ptr<Engine> engine_;
  std::shared_ptr<policy::Snapshot> snapshot_;
};

TEST_F(ShippedRules, JunkReportsGoToTheAdmin) {
  // Outlook's "Report junk" from an internal user: the reporting recipient becomes the admin.
  const std::string message = read_file(kSource / "tests/data/rules/junk-report.eml");
  EventData rcpt = event(EventKind::rcpt);
  rcpt.client_ip = "192.0.2.25";
  rcpt.sender = "carol@example.org";
  rcpt.policy = snapshot_;
  rcpt.rcpt = "Junk@Office365.Microsoft.com";
  const Outcome o = engine_->run_here(rcpt);
  ASSERT_FALSE(o.failed) << o.trace.back().decision;
  ASSERT_TRUE(o.set_recipients.has_value());
  EXPECT_EQ(*o.set_recipients, std::vector<std::string>{"admin@example.net"});
  EXPECT_TRUE(has_symbol(o, "JUNK_REPORT_REDIRECTED"));
  // Another recipient of the same message is left alone.
  rcpt.rcpt = "partner@other.example";
  const Outcome other = engine_->run_here(rcpt);
  EXPECT_FALSE(other.set_recipients.has_value());
  // The report itself passes the data rules unchanged.
  const Outcome d = data("junk-report.eml", "192.0.2.25");
  EXPECT_TRUE(d.header_edits.empty());
  EXPECT_EQ(d.action, Action::none);
  EXPECT_NE(message.find("Reported as junk"), std::string::npos);
}

TEST_F(ShippedRules, JunkReportWithoutAdminEmailIsLeftAlone) {
  snapshot_->settings.erase("admin-email");
  EventData rcpt = event(EventKind::rcpt);
  rcpt.policy = snapshot_;
  rcpt.rcpt = "phish@office365.microsoft.com";
  const Outcome o = engine_->run_here(rcpt);
  EXPECT_FALSE(o.failed);
  EXPECT_FALSE(o.set_recipients.has_value());
}

TEST_F(ShippedRules, ImpersonatedInternalAddressInTheDisplayName) {
  const Outcome o = data("impersonation.eml", "203.0.113.9");
  ASSERT_EQ(o.header_edits.size(), 2u);  // set_header: remove + add
  EXPECT_EQ(o.header_edits[1].name, "Subject");
  EXPECT_EQ(o.header_edits[1].value, "[EXTERNAL] Urgent wire transfer");
  EXPECT_TRUE(has_symbol(o, "DISPLAY_NAME_IMPERSONATION"));
  EXPECT_DOUBLE_EQ(o.score, 3);
}

TEST_F(ShippedRules, ImpersonatedListedName) {
  const Outcome o = data("impersonation-listed-name.eml", "203.0.113.9");
  ASSERT_EQ(o.header_edits.size(), 2u);
  EXPECT_EQ(o.header_edits[1].value, "[EXTERNAL] Quick favour");
}

TEST_F(ShippedRules, NoTagForInternalSendersOrRealColleagues) {
  // From our own servers: not "from outside".
  EXPECT_TRUE(data("impersonation.eml", "192.0.2.30").header_edits.empty());
  // A real internal address (forgery of the address itself is SPF/DMARC's job).
  EXPECT_TRUE(data("colleague.eml", "203.0.113.9").header_edits.empty());
}

TEST_F(ShippedRules, EncryptionKeywordMarksTheMessage) {
  const Outcome o = data("encrypt.eml", "192.0.2.25");
  ASSERT_EQ(o.header_edits.size(), 2u);
  EXPECT_EQ(o.header_edits[1].name, "X-Portcullis-Encrypt");
  EXPECT_EQ(o.header_edits[1].value, "yes");
  EXPECT_TRUE(has_symbol(o, "ENCRYPT_REQUESTED"));
  // Another keyword configured: the default one no longer counts.
  snapshot_->settings["encrypt-keyword"] = "[secure]";
  EXPECT_TRUE(data("encrypt.eml", "192.0.2.25").header_edits.empty());
}

}  // namespace
}  // namespace portcullis::hooks::testing
