#include "policy/snapshot.hpp"

#include <gtest/gtest.h>

#include "memory_store.hpp"

namespace portcullis::policy {
namespace {

using testing::memory_store;

boost::asio::ip::address ip(const char* text) { return boost::asio::ip::make_address(text); }

class SnapshotLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    store->add_domain({"ours.example", "mx.ours.example", 25, store::RecipientMode::all});
    store->add_domain({"Mixed.Example", "10.0.0.5", 2525, store::RecipientMode::specified});
    store->add_recipient({"Alice@mixed.example"});
    store->add_alias({"Sales@Mixed.Example", {"Alice@mixed.example", "ext@partner.example"}});
    store->add_alias({"@ours.example", {"admin@ours.example"}});
    store->add_relaynet({"192.0.2.0/24", "office"});
    store->add_relaynet({"not-a-network", "typo"});
    store->add_relaynet({"2001:db8::/32", "v6 office"});
    store->add_relaynet({"192.0.2.0/33", "bad mask"});
    store->set_setting("admin-email", "admin@partner.example");
  }
  std::unique_ptr<store::Store> store = memory_store();
};

TEST_F(SnapshotLoad, CopiesAndNormalises) {
  const auto snap = Snapshot::load(*store);
  ASSERT_TRUE(snap);
  EXPECT_EQ(snap->serial, store->policy_serial());
  ASSERT_EQ(snap->domains.size(), 2u);
  ASSERT_TRUE(snap->domains.contains("mixed.example"));
  EXPECT_EQ(snap->domains.at("mixed.example").name, "mixed.example");
  EXPECT_EQ(snap->domains.at("mixed.example").destination_port, 2525);
  EXPECT_EQ(snap->domains.at("mixed.example").recipients, store::RecipientMode::specified);
  EXPECT_TRUE(snap->recipients.contains("alice@mixed.example"));
  ASSERT_NE(snap->find_alias("sales@mixed.example"), nullptr);
  EXPECT_EQ(*snap->find_alias("sales@mixed.example"),
            (std::vector<std::string>{"Alice@mixed.example", "ext@partner.example"}));
  ASSERT_NE(snap->find_alias("@ours.example"), nullptr);
  EXPECT_EQ(snap->find_alias("Sales@Mixed.Example"), nullptr);  // keys are lower-cased
  EXPECT_EQ(snap->setting("admin-email"), "admin@partner.example");
  EXPECT_EQ(snap->setting("postmaster"), std::nullopt);
}

TEST_F(SnapshotLoad, SkipsUnparsableRelaynets) {
  const auto snap = Snapshot::load(*store);
  ASSERT_EQ(snap->relaynets.size(), 2u);
  EXPECT_TRUE(snap->in_relaynets(ip("192.0.2.200")));
  EXPECT_TRUE(snap->in_relaynets(ip("::ffff:192.0.2.200")));
  EXPECT_TRUE(snap->in_relaynets(ip("2001:db8::25")));
  EXPECT_FALSE(snap->in_relaynets(ip("198.51.100.1")));
  EXPECT_FALSE(snap->in_relaynets(ip("2001:db9::25")));
}

TEST_F(SnapshotLoad, TlsPolicyLookupExactThenParentsThenDefault) {
  store->set_tls_policy({"Bank.Example", "verify", "mx.bank.example", ""});
  store->set_tls_policy({".bank.example", "encrypt", "", ""});
  store->set_tls_policy({".example", "may", "", ""});
  const auto snap = Snapshot::load(*store);
  ASSERT_NE(snap->tls_policy_for("bank.example"), nullptr);
  EXPECT_EQ(snap->tls_policy_for("BANK.example.")->mode, "verify");
  EXPECT_EQ(snap->tls_policy_for("eu.bank.example")->mode, "encrypt");     // nearest parent
  EXPECT_EQ(snap->tls_policy_for("a.b.bank.example")->mode, "encrypt");
  EXPECT_EQ(snap->tls_policy_for("other.example")->mode, "may");
  EXPECT_EQ(snap->tls_policy_for("example.org"), nullptr);                 // no default yet
  store->set_tls_policy({"*", "encrypt", "", ""});
  EXPECT_EQ(Snapshot::load(*store)->tls_policy_for("example.org")->mode, "encrypt");
}

TEST_F(SnapshotLoad, SerialTakenBeforeLists) {
  const auto before = Snapshot::load(*store);
  store->add_recipient({"bob@mixed.example"});
  EXPECT_GT(store->policy_serial(), before->serial);
  const auto after = Snapshot::load(*store);
  EXPECT_EQ(after->serial, store->policy_serial());
  EXPECT_FALSE(before->recipients.contains("bob@mixed.example"));  // immutable view
  EXPECT_TRUE(after->recipients.contains("bob@mixed.example"));
}

TEST_F(SnapshotLoad, AliasKeysDifferingInCaseAreOneAlias) {
  // Alias keys are case-insensitive: adding it again in another case replaces the targets.
  store->add_alias({"SALES@mixed.example", {"ext@partner.example", "carol@mixed.example"}});
  const auto snap = Snapshot::load(*store);
  ASSERT_NE(snap->find_alias("sales@mixed.example"), nullptr);  // keys are lower-case
  EXPECT_EQ(*snap->find_alias("sales@mixed.example"),
            (std::vector<std::string>{"ext@partner.example", "carol@mixed.example"}));
}

TEST(Snapshot, FindDomainIsExactAndCaseInsensitive) {
  Snapshot snap;
  snap.domains["ours.example"] = {"ours.example", "mx", 25, store::RecipientMode::all};
  EXPECT_NE(snap.find_domain("ours.example"), nullptr);
  EXPECT_NE(snap.find_domain("OURS.Example"), nullptr);
  for (const char* other : {"ours.example.", "evil.ours.example", "ours.example.evil", "xours.example",
                            "ours.exampl", "example", ".ours.example", "", "ours.example ", "ours\0.example"})
    EXPECT_EQ(snap.find_domain(other), nullptr) << other;
}

TEST(Snapshot, EmptyStore) {
  const auto empty = memory_store();
  const auto snap = Snapshot::load(*empty);
  EXPECT_EQ(snap->serial, 0);
  EXPECT_TRUE(snap->domains.empty());
  EXPECT_FALSE(snap->in_relaynets(ip("127.0.0.1")));
  EXPECT_FALSE(snap->in_relaynets(ip("::1")));
}

TEST(Snapshot, PropagatesStoreErrors) {
  auto s = store::open_store("sqlite::memory:");  // not migrated: the policy tables are missing
  EXPECT_THROW(Snapshot::load(*s), store::StoreError);
}

}  // namespace
}  // namespace portcullis::policy
