#include "policy/postmaster.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "memory_store.hpp"
#include "policy/relay.hpp"
#include "policy/snapshot.hpp"
#include "policy_fixture.hpp"

namespace portcullis::policy {
namespace {

using testing::memory_store;

class ApplyPostmaster : public ::testing::Test {
 protected:
  void SetUp() override {
    store->add_domain({"ours.example", "mx.ours.example", 25, store::RecipientMode::specified});
    store->add_domain({"second.example", "mx.ours.example", 25, store::RecipientMode::all});
  }
  std::optional<std::vector<std::string>> alias(const std::string& key) {
    for (const auto& a : store->list_aliases())
      if (a.address == key) return a.targets;
    return std::nullopt;
  }
  std::unique_ptr<store::Store> store = memory_store();
};

TEST_F(ApplyPostmaster, CreatesTheThreeAliasesAndTheSetting) {
  store->set_setting("admin-email", "it-admin@partner.example");
  apply_postmaster(*store, "postmaster@Ours.Example");
  EXPECT_EQ(store->get_setting("postmaster"), "postmaster@ours.example");
  for (const char* key : {"postmaster@ours.example", "abuse@ours.example", "root@ours.example"})
    EXPECT_EQ(alias(key), std::vector<std::string>{"it-admin@partner.example"}) << key;
  EXPECT_EQ(store->list_aliases().size(), 3u);
}

TEST_F(ApplyPostmaster, ReplacesExistingAliases) {
  store->add_alias({"abuse@ours.example", {"old@partner.example"}});
  store->add_alias({"sales@ours.example", {"untouched@partner.example"}});
  store->set_setting("admin-email", "new@partner.example");
  apply_postmaster(*store, "pm@ours.example");
  EXPECT_EQ(store->get_setting("postmaster"), "pm@ours.example");
  EXPECT_EQ(alias("abuse@ours.example"), std::vector<std::string>{"new@partner.example"});
  EXPECT_EQ(alias("postmaster@ours.example"), std::vector<std::string>{"new@partner.example"});
  EXPECT_EQ(alias("sales@ours.example"), std::vector<std::string>{"untouched@partner.example"});
}

TEST_F(ApplyPostmaster, RequiresAdminEmail) {
  try {
    apply_postmaster(*store, "postmaster@ours.example");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("admin-email is not set"), std::string::npos) << e.what();
  }
  store->set_setting("admin-email", "");
  EXPECT_THROW(apply_postmaster(*store, "postmaster@ours.example"), std::invalid_argument);
  store->set_setting("admin-email", "not an address");
  EXPECT_THROW(apply_postmaster(*store, "postmaster@ours.example"), std::invalid_argument);
  EXPECT_TRUE(store->list_aliases().empty());
  EXPECT_FALSE(store->get_setting("postmaster"));
}

TEST_F(ApplyPostmaster, RequiresOneOfOurDomains) {
  store->set_setting("admin-email", "admin@partner.example");
  for (const char* address : {"postmaster@partner.example", "postmaster@sub.ours.example",
                              "postmaster@ours.example.evil", "postmaster@example"}) {
    try {
      apply_postmaster(*store, address);
      ADD_FAILURE() << address;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("not in one of our domains"), std::string::npos) << e.what();
    }
  }
  for (const char* address : {"", "postmaster", "@ours.example", "pm%x@ours.example", "a b@ours.example",
                              "pm@ours.example.", "pm@[192.0.2.1]"})
    EXPECT_THROW(apply_postmaster(*store, address), std::invalid_argument) << address;
  EXPECT_TRUE(store->list_aliases().empty());
}

TEST_F(ApplyPostmaster, EndToEndThroughTheRelayDecision) {
  store->set_setting("admin-email", "admin@partner.example");
  apply_postmaster(*store, "postmaster@ours.example");
  const auto snap = Snapshot::load(*store);
  const auto client = testing::ip("203.0.113.5");
  const auto bare = decide_bare_postmaster(*snap);
  EXPECT_EQ(bare.verdict, RcptVerdict::accept_inbound);
  EXPECT_EQ(bare.deliver_to, std::vector<std::string>{"admin@partner.example"});
  // ours.example is in specified mode with no recipients: the aliases make these valid.
  for (const char* local : {"postmaster", "Abuse", "ROOT"}) {
    const auto d = decide_recipient(*snap, testing::mailbox(local, "ours.example"), client);
    EXPECT_EQ(d.verdict, RcptVerdict::accept_inbound) << local;
    EXPECT_EQ(d.deliver_to, std::vector<std::string>{"admin@partner.example"}) << local;
  }
  EXPECT_EQ(decide_recipient(*snap, testing::mailbox("webmaster", "ours.example"), client).verdict,
            RcptVerdict::unknown_user);
  // The aliases are for the postmaster's domain only.
  EXPECT_EQ(decide_recipient(*snap, testing::mailbox("abuse", "second.example"), client).deliver_to,
            std::vector<std::string>{"abuse@second.example"});
}

TEST_F(ApplyPostmaster, AdminEmailInTheSameDomainIsNoLoop) {
  store->set_setting("admin-email", "postmaster@ours.example");
  apply_postmaster(*store, "postmaster@ours.example");
  const auto snap = Snapshot::load(*store);
  const auto d = decide_recipient(*snap, testing::mailbox("abuse", "ours.example"), testing::ip("203.0.113.5"));
  EXPECT_EQ(d.verdict, RcptVerdict::accept_inbound);
  EXPECT_EQ(d.deliver_to, std::vector<std::string>{"postmaster@ours.example"});
}

struct SettingCase {
  const char* key;
  const char* value;
  bool ok;
};

class ValidateSetting : public ::testing::TestWithParam<SettingCase> {};

TEST_P(ValidateSetting, Table) {
  const auto& c = GetParam();
  const auto error = validate_setting(c.key, c.value);
  EXPECT_EQ(!error.has_value(), c.ok) << c.key << "=" << c.value << ": " << error.value_or("ok");
  if (error) {
    EXPECT_FALSE(error->empty());
  }
}

INSTANTIATE_TEST_SUITE_P(
    All, ValidateSetting,
    ::testing::Values(
        SettingCase{"postmaster", "postmaster@ours.example", true},
        SettingCase{"admin-email", "first.last+tag@partner.example", true},
        SettingCase{"bounce-sender", "mailer-daemon@gw.ours.example", true},
        SettingCase{"admin-email", "", false}, SettingCase{"admin-email", "admin", false},
        SettingCase{"admin-email", "@partner.example", false}, SettingCase{"admin-email", "admin@", false},
        SettingCase{"admin-email", "a@b@partner.example", false},
        SettingCase{"admin-email", "a%b@partner.example", false},
        SettingCase{"admin-email", "b!a@partner.example", false},
        SettingCase{"admin-email", ".a@partner.example", false},
        SettingCase{"admin-email", "a..b@partner.example", false},
        SettingCase{"admin-email", "a b@partner.example", false},
        SettingCase{"admin-email", "\"a\"@partner.example", false},
        SettingCase{"admin-email", "admin@partner.example.", false},
        SettingCase{"admin-email", "admin@[192.0.2.1]", false},
        SettingCase{"admin-email", "admin@192.0.2.1", false},
        SettingCase{"admin-email", "admin@-bad.example", false},
        SettingCase{"admin-email", "admin@bad_.example", false},
        SettingCase{"admin-email",
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@partner.example", false},
        SettingCase{"postmaster", "pm@partner.example\n", false},
        SettingCase{"hostname", "gw.ours.example", true}, SettingCase{"hostname", "localhost", true},
        SettingCase{"hostname", "mx-1.Ours.Example", true}, SettingCase{"hostname", "", false},
        SettingCase{"hostname", "gw.ours.example.", false}, SettingCase{"hostname", "gw..example", false},
        SettingCase{"hostname", "gw ours.example", false}, SettingCase{"hostname", "192.0.2.1", false},
        SettingCase{"hostname", "-gw.example", false}, SettingCase{"hostname", "gw-.example", false},
        SettingCase{"hostname", "a@b.example", false},
        SettingCase{"hostname",
                    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example", false},
        // Sender authentication (docs/authentication.md).
        SettingCase{"spf", "on", true}, SettingCase{"dkim", "off", true}, SettingCase{"dmarc", "on", true},
        SettingCase{"dmarc-enforce", "off", true}, SettingCase{"dkim-sign", "on", true},
        SettingCase{"arc", "off", true}, SettingCase{"spf", "yes", false}, SettingCase{"arc", "", false},
        SettingCase{"authserv-id", "mx.ours.example", true}, SettingCase{"authserv-id", "mx ours", false},
        SettingCase{"arc-seal-domain", "ours.example", true}, SettingCase{"arc-seal-domain", "@ours", false},
        SettingCase{"arc-trusted-sealers", "lists.example.org, groups.example.com", true},
        SettingCase{"arc-trusted-sealers", "lists.example.org", true},
        SettingCase{"arc-trusted-sealers", " , ", false}, SettingCase{"arc-trusted-sealers", "a@b.example", false},
        SettingCase{"spam-threshold", "5", false}, SettingCase{"Hostname", "gw.ours.example", false},
        SettingCase{"", "", false}));

TEST(ValidateSetting, UnknownKeyNamesTheKnownOnes) {
  const auto error = validate_setting("admin_email", "admin@partner.example");
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("unknown setting 'admin_email'"), std::string::npos);
  EXPECT_NE(error->find("admin-email"), std::string::npos);
}

TEST(ValidateSetting, LongDomainRejected) {
  std::string domain;
  while (domain.size() < 254) domain += "abcdefghi.";
  domain += "example";
  EXPECT_TRUE(validate_setting("hostname", domain));
  EXPECT_TRUE(validate_setting("admin-email", "a@" + domain));
}

}  // namespace
}  // namespace portcullis::policy
