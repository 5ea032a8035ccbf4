// Migrations and the policy serial, against every backend.
#include <gtest/gtest.h>

#include "store/migrations.hpp"
#include "store_fixture.hpp"

namespace portcullis::store::testing {
namespace {

// ---- schema ----

template <typename Factory>
using SchemaTest = FreshStoreTest<Factory>;
TYPED_TEST_SUITE(SchemaTest, Backends, BackendNames);

TYPED_TEST(SchemaTest, FreshDatabaseIsVersionZero) {
  EXPECT_EQ(this->store->schema_version(), 0);
  EXPECT_EQ(this->store->latest_schema_version(), latest_version());
  EXPECT_GE(this->store->latest_schema_version(), 1);
}

TYPED_TEST(SchemaTest, MigrateBringsToLatest) {
  this->store->migrate();
  EXPECT_EQ(this->store->schema_version(), this->store->latest_schema_version());
  EXPECT_TRUE(this->store->list_domains().empty());
  EXPECT_EQ(this->store->policy_serial(), 0);
}

TYPED_TEST(SchemaTest, MigrateIsIdempotentAndKeepsData) {
  auto& s = *this->store;
  s.migrate();
  s.add_domain({"example.org", "mx.internal", 25, RecipientMode::all});
  const auto serial = s.policy_serial();
  s.migrate();
  s.migrate();
  EXPECT_EQ(s.schema_version(), s.latest_schema_version());
  EXPECT_EQ(s.list_domains().size(), 1u);
  EXPECT_EQ(s.policy_serial(), serial);
  auto other = this->factory.open();  // another process finds nothing to do either
  EXPECT_EQ(other->schema_version(), s.latest_schema_version());
  other->migrate();
  EXPECT_EQ(other->list_domains().size(), 1u);
}

TYPED_TEST(SchemaTest, NewerSchemaIsRefused) {
  auto& s = *this->store;
  s.migrate();
  const int latest = s.latest_schema_version();
  const int newer = latest + 1;
  this->factory.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (" +
                        std::to_string(newer) + ", 'from the future', '2099-01-01T00:00:00Z')");
  EXPECT_EQ(s.schema_version(), newer);  // reported as is (db status shows it)
  try {
    s.migrate();
    FAIL() << "migrate() accepted a newer schema";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), "database schema version " + std::to_string(newer) +
                                         " is newer than this build (" + std::to_string(latest) + ")");
  }
  EXPECT_EQ(s.schema_version(), newer);  // and left alone
}

TYPED_TEST(SchemaTest, AVersion5DatabaseGetsStep6AndKeepsItsData) {
  // The database of the previous release: steps 1-5 exactly as they ran then, with policy in it.
  for (const Migration& m : migrations()) {
    if (m.version > 5) break;
    this->factory.execute(m.sql(TypeParam::dialect) +
                          "INSERT INTO schema_version (version, description, applied_at) VALUES (" +
                          std::to_string(m.version) + ", 'old', '2025-06-01T00:00:00Z');");
  }
  auto& s = *this->store;
  ASSERT_EQ(s.schema_version(), 5);
  s.add_domain({"example.org", "mx.internal", 25, RecipientMode::all});
  s.set_tls_policy({"example.org", "verify", "", ""});
  const int64_t serial = s.policy_serial();
  EXPECT_THROW(s.list_dkim_keys(), StoreError);  // not there yet

  s.migrate();
  EXPECT_GE(s.schema_version(), 6);
  EXPECT_EQ(s.schema_version(), s.latest_schema_version());
  EXPECT_EQ(migrations().at(5).version, 6);
  EXPECT_EQ(migrations().at(5).description, "DKIM signing keys; DMARC aggregate report rows");
  EXPECT_EQ(s.list_domains().size(), 1u);
  EXPECT_EQ(s.list_tls_policies().at(0).mode, "verify");
  EXPECT_EQ(s.policy_serial(), serial);  // migrating is no policy change
  EXPECT_TRUE(s.list_dkim_keys().empty());
  s.add_dkim_key({"example.org", "sel1", "ed25519-sha256", "-----BEGIN PRIVATE KEY-----\n", "v=DKIM1; k=ed25519; p=",
                  true, 1});
  EXPECT_GT(s.policy_serial(), serial);  // the new table has its serial triggers
  s.dmarc_record({100, "Q1", "192.0.2.1", "example.org", "example.org", "example.org", "p=none", "none", "pass",
                  "example.org", "pass", "", ""});
  EXPECT_EQ(s.dmarc_rows("example.org", 0, 1000).size(), 1u);
}

TYPED_TEST(SchemaTest, AVersion6DatabaseGetsStep7AndKeepsItsData) {
  // The database of the previous release: steps 1-6 exactly as they ran then, with data in it.
  for (const Migration& m : migrations()) {
    if (m.version > 6) break;
    this->factory.execute(m.sql(TypeParam::dialect) +
                          "INSERT INTO schema_version (version, description, applied_at) VALUES (" +
                          std::to_string(m.version) + ", 'old', '2025-09-01T00:00:00Z');");
  }
  auto& s = *this->store;
  ASSERT_EQ(s.schema_version(), 6);
  s.add_domain({"example.org", "mx.internal", 25, RecipientMode::all});
  s.greylist_put(GreylistEntry{"192.0.2.0/24", "a@b.example", "x@example.org", 100, 100, 0});
  s.add_ip_range(IpRange{"office", "192.0.2.0/24", 10, RangeAction::allow, 0, ""});
  const int64_t serial = s.policy_serial();
  EXPECT_THROW(s.list_spam_policies(), StoreError);  // not there yet
  EXPECT_THROW(s.quarantine_list({}), StoreError);

  s.migrate();
  EXPECT_EQ(s.schema_version(), s.latest_schema_version());
  ASSERT_GE(migrations().size(), 7u);
  EXPECT_EQ(migrations().at(6).version, 7);
  EXPECT_EQ(migrations().at(6).description, "spam and malware policies; DNSBL zones; quarantine index");
  EXPECT_EQ(s.list_domains().size(), 1u);
  EXPECT_EQ(s.list_ip_ranges().size(), 1u);
  EXPECT_TRUE(s.greylist_get("192.0.2.0/24", "a@b.example", "x@example.org"));
  EXPECT_EQ(s.policy_serial(), serial);  // migrating is no policy change
  EXPECT_TRUE(s.list_spam_policies().empty());
  EXPECT_TRUE(s.list_dnsbl_zones().empty());
  SpamPolicy p;
  p.name = "default";
  s.set_spam_policy(p);
  EXPECT_GT(s.policy_serial(), serial);  // the new tables have their serial triggers
  s.set_spam_policy_target({"*", "default"});
  s.add_dnsbl_zone({"zen.spamhaus.org", "", "block", 0, "connect", ""});
  s.quarantine_add({QuarantineEntry{"Q1", "x@example.org", 100, "", "s", "r", 20, 10, "gw", 0}});
  s.set_digest({"x@example.org", "weekly", 0});
  EXPECT_EQ(s.quarantine_list({}).size(), 1u);
  EXPECT_EQ(s.greylist_expire(1000, 1000), 1u);
}

TEST(Migrations, ListIsConsecutive) {  // backend-independent
  const auto& list = migrations();
  ASSERT_FALSE(list.empty());
  for (std::size_t i = 0; i < list.size(); ++i) {
    EXPECT_EQ(list[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(list[i].description.empty());
    EXPECT_FALSE(list[i].sql(Dialect::sqlite).empty());
    EXPECT_FALSE(list[i].sql(Dialect::mariadb).empty());
  }
  EXPECT_EQ(latest_version(), list.back().version);
}

// ---- policy serial ----

DkimKey dkim_key(const std::string& domain, const std::string& selector) {
  return DkimKey{domain, selector, "ed25519-sha256", "-----BEGIN PRIVATE KEY-----\nMC4C\n-----END PRIVATE KEY-----\n",
                 "v=DKIM1; k=ed25519; p=MCowBQ", true, 1700000000};
}

template <typename Factory>
using SerialTest = StoreTest<Factory>;
TYPED_TEST_SUITE(SerialTest, Backends, BackendNames);

TYPED_TEST(SerialTest, EveryChangeBumpsTheSerial) {
  auto& s = *this->store;
  int64_t last = s.policy_serial();
  const auto bumped = [&](const char* what) {
    const int64_t now = s.policy_serial();
    EXPECT_GT(now, last) << what;
    last = now;
  };
  s.add_domain({"example.org", "mx", 25, RecipientMode::all});
  bumped("add_domain");
  s.update_domain({"example.org", "mx2", 25, RecipientMode::specified});
  bumped("update_domain");
  s.add_recipient({"a@example.org"});
  bumped("add_recipient");
  s.remove_recipient("a@example.org");
  bumped("remove_recipient");
  s.add_alias({"info@example.org", {"a@example.org"}});
  bumped("add_alias");
  s.add_alias({"info@example.org", {"b@example.org"}});
  bumped("add_alias (replace)");
  s.set_tls_policy({"example.org", "verify", "", ""});
  bumped("set_tls_policy");
  s.set_tls_policy({"example.org", "encrypt", "", ""});
  bumped("set_tls_policy (replace)");
  s.remove_tls_policy("example.org");
  bumped("remove_tls_policy");
  s.remove_alias("info@example.org");
  bumped("remove_alias");
  s.add_relaynet({"192.0.2.0/24", ""});
  bumped("add_relaynet");
  s.remove_relaynet("192.0.2.0/24");
  bumped("remove_relaynet");
  s.set_setting("hostname", "gw.example.org");
  bumped("set_setting (new)");
  s.set_setting("hostname", "gw2.example.org");
  bumped("set_setting (change)");
  s.remove_setting("hostname");
  bumped("remove_setting");
  s.add_dkim_key(dkim_key("example.org", "sel1"));
  bumped("add_dkim_key");
  s.set_dkim_key_active("example.org", "sel1", false);
  bumped("set_dkim_key_active (off)");
  s.set_dkim_key_active("example.org", "sel1", true);
  bumped("set_dkim_key_active (on)");
  s.remove_dkim_key("example.org", "sel1");
  bumped("remove_dkim_key");
  s.remove_domain("example.org");
  bumped("remove_domain");
}

TYPED_TEST(SerialTest, ReadsAndNoOpsDoNotBump) {
  auto& s = *this->store;
  s.add_domain({"example.org", "mx", 25, RecipientMode::all});
  const int64_t serial = s.policy_serial();
  s.list_domains();
  s.find_domain("example.org");
  s.list_recipients();
  s.list_aliases();
  s.list_relaynets();
  s.list_settings();
  s.get_setting("hostname");
  EXPECT_FALSE(s.remove_domain("missing.example"));
  EXPECT_FALSE(s.remove_recipient("x@example.org"));
  EXPECT_FALSE(s.remove_alias("x@example.org"));
  EXPECT_FALSE(s.remove_relaynet("198.51.100.0/24"));
  EXPECT_FALSE(s.remove_setting("hostname"));
  EXPECT_THROW(s.add_domain({"example.org", "mx", 25, RecipientMode::all}), StoreError);
  EXPECT_THROW(s.update_domain({"missing.example", "mx", 25, RecipientMode::all}), StoreError);
  EXPECT_EQ(s.policy_serial(), serial);
}

TYPED_TEST(SerialTest, DkimReadsAndNoOpsAndDmarcRowsDoNotBump) {
  auto& s = *this->store;
  s.add_dkim_key(dkim_key("example.org", "sel1"));
  const int64_t serial = s.policy_serial();
  EXPECT_EQ(s.list_dkim_keys().size(), 1u);
  EXPECT_FALSE(s.set_dkim_key_active("example.org", "missing", false));
  EXPECT_FALSE(s.remove_dkim_key("example.org", "missing"));
  EXPECT_THROW(s.add_dkim_key(dkim_key("example.org", "sel1")), StoreError);
  EXPECT_THROW(s.add_dkim_key(dkim_key("example.org", "bad_selector")), StoreError);
  // DMARC report rows are state, not policy: recording, reading and pruning them reload nothing.
  s.dmarc_record({100, "Q1", "192.0.2.1", "example.org", "", "example.org", "p=none", "none", "fail", "", "none",
                  "", ""});
  s.dmarc_record({200, "Q2", "192.0.2.1", "example.org", "", "example.org", "p=none", "none", "pass", "example.org",
                  "pass", "d=example.org s=sel1 result=pass", ""});
  EXPECT_EQ(s.dmarc_rows("", 0, 1000).size(), 2u);
  EXPECT_EQ(s.dmarc_prune(150), 1u);
  EXPECT_EQ(s.policy_serial(), serial);
}

TYPED_TEST(SerialTest, DkimKeyChangesAreSeenFromASecondConnection) {
  auto reader = this->factory.open();
  const int64_t before = reader->policy_serial();
  this->store->add_dkim_key(dkim_key("example.org", "sel1"));
  EXPECT_GT(reader->policy_serial(), before);
  ASSERT_EQ(reader->list_dkim_keys().size(), 1u);
  const int64_t added = reader->policy_serial();
  this->store->set_dkim_key_active("example.org", "sel1", false);
  EXPECT_GT(reader->policy_serial(), added);
  EXPECT_FALSE(reader->list_dkim_keys().at(0).active);
}

TYPED_TEST(SerialTest, ChangesAreSeenFromASecondConnection) {
  auto& writer = *this->store;
  auto reader = this->factory.open();
  const int64_t before = reader->policy_serial();
  EXPECT_TRUE(reader->list_domains().empty());
  writer.add_domain({"example.org", "mx", 25, RecipientMode::all});
  const int64_t after_domain = reader->policy_serial();
  EXPECT_GT(after_domain, before);
  ASSERT_EQ(reader->list_domains().size(), 1u);
  writer.set_setting("hostname", "gw.example.org");
  EXPECT_GT(reader->policy_serial(), after_domain);
  EXPECT_EQ(reader->get_setting("hostname"), "gw.example.org");
  // And the other way round.
  const int64_t mine = writer.policy_serial();
  reader->add_relaynet({"192.0.2.0/24", "office"});
  EXPECT_GT(writer.policy_serial(), mine);
  EXPECT_EQ(writer.list_relaynets().size(), 1u);
}

}  // namespace
}  // namespace portcullis::store::testing
