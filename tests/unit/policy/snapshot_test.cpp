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

store::DkimKey dkim_key(const std::string& domain, const std::string& selector, bool active = true) {
  return store::DkimKey{domain,
                        selector,
                        "ed25519-sha256",
                        "-----BEGIN PRIVATE KEY-----\n" + selector + "\n-----END PRIVATE KEY-----\n",
                        "v=DKIM1; k=ed25519; p=" + selector,
                        active,
                        1700000000};
}

// "selector@domain" of each key, in order.
std::vector<std::string> keys(const std::vector<const store::DkimKey*>& v) {
  std::vector<std::string> out;
  for (const auto* k : v) out.push_back(k->selector + "@" + k->domain);
  return out;
}

using Keys = std::vector<std::string>;

TEST_F(SnapshotLoad, DkimSigningKeysExactThenNearestParent) {
  store->add_dkim_key(dkim_key("Example.COM", "s2"));
  store->add_dkim_key(dkim_key("example.com", "s1"));
  store->add_dkim_key(dkim_key("example.com", "old", false));
  store->add_dkim_key(dkim_key("news.example.com", "n1"));
  store->add_dkim_key(dkim_key("retired.example.com", "r1", false));  // only inactive keys
  store->add_dkim_key(dkim_key("off.example", "x1", false));
  const auto snap = Snapshot::load(*store);
  // Only the active keys are loaded.
  EXPECT_EQ(snap->dkim_keys.size(), 2u);
  EXPECT_FALSE(snap->dkim_keys.contains("retired.example.com"));
  EXPECT_FALSE(snap->dkim_keys.contains("off.example"));
  // Exact, in selector order, case-insensitive, a trailing dot ignored.
  EXPECT_EQ(keys(snap->signing_keys_for("example.com")), (Keys{"s1@example.com", "s2@example.com"}));
  EXPECT_EQ(keys(snap->signing_keys_for("EXAMPLE.Com.")), (Keys{"s1@example.com", "s2@example.com"}));
  // The domain's own keys win over its parent's.
  EXPECT_EQ(keys(snap->signing_keys_for("news.example.com")), (Keys{"n1@news.example.com"}));
  EXPECT_EQ(keys(snap->signing_keys_for("Eu.News.Example.com")), (Keys{"n1@news.example.com"}));
  // The nearest parent with keys: d=example.com aligns with From: x@sub.example.com (relaxed).
  EXPECT_EQ(keys(snap->signing_keys_for("sub.example.com")), (Keys{"s1@example.com", "s2@example.com"}));
  EXPECT_EQ(keys(snap->signing_keys_for("a.b.c.example.com")), (Keys{"s1@example.com", "s2@example.com"}));
  EXPECT_EQ(keys(snap->signing_keys_for("retired.example.com")), (Keys{"s1@example.com", "s2@example.com"}));
  // None.
  for (const char* none : {"example.org", "off.example", "notexample.com", "com", "example", "", ".",
                           ".example.com", "sub..example.com", "example.com.."})
    EXPECT_TRUE(snap->signing_keys_for(none).empty()) << none;
  // The keys themselves, secret included, are what the store has.
  const auto found = snap->signing_keys_for("news.example.com");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0]->private_pem, "-----BEGIN PRIVATE KEY-----\nn1\n-----END PRIVATE KEY-----\n");
  EXPECT_EQ(found[0]->public_txt, "v=DKIM1; k=ed25519; p=n1");
  EXPECT_EQ(found[0]->algorithm, "ed25519-sha256");
  EXPECT_TRUE(found[0]->active);
}

TEST_F(SnapshotLoad, DkimKeyChangesReachTheNextSnapshot) {
  store->add_dkim_key(dkim_key("example.com", "s1"));
  const auto before = Snapshot::load(*store);
  store->set_dkim_key_active("example.com", "s1", false);
  store->add_dkim_key(dkim_key("example.com", "s2"));
  EXPECT_GT(store->policy_serial(), before->serial);
  const auto after = Snapshot::load(*store);
  EXPECT_EQ(keys(before->signing_keys_for("example.com")), (Keys{"s1@example.com"}));  // immutable view
  EXPECT_EQ(keys(after->signing_keys_for("example.com")), (Keys{"s2@example.com"}));
  store->remove_dkim_key("example.com", "s2");
  EXPECT_TRUE(Snapshot::load(*store)->signing_keys_for("example.com").empty());
}

TEST(Snapshot, SigningKeysSkipInactiveKeysOfABuiltSnapshot) {
  Snapshot snap;
  snap.dkim_keys["example.com"] = {dkim_key("example.com", "a", false), dkim_key("example.com", "b")};
  snap.dkim_keys["sub.example.com"] = {dkim_key("sub.example.com", "off", false)};
  EXPECT_EQ(keys(snap.signing_keys_for("example.com")), (Keys{"b@example.com"}));
  EXPECT_EQ(keys(snap.signing_keys_for("sub.example.com")), (Keys{"b@example.com"}));  // none active: the parent's
  snap.dkim_keys["example.com"][1].active = false;
  EXPECT_TRUE(snap.signing_keys_for("sub.example.com").empty());
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
