// Domains, recipients, aliases, relay networks and settings, against every backend.
#include <gtest/gtest.h>

#include "store_fixture.hpp"

namespace portcullis::store::testing {
namespace {

template <typename Factory>
using PolicyTablesTest = StoreTest<Factory>;
TYPED_TEST_SUITE(PolicyTablesTest, Backends, BackendNames);

Domain domain(const std::string& name, const std::string& host = "mx.internal", uint16_t port = 25,
              RecipientMode mode = RecipientMode::all) {
  return Domain{name, host, port, mode};
}

// ---- domains ----

TYPED_TEST(PolicyTablesTest, DomainAddFindList) {
  auto& s = *this->store;
  s.add_domain(domain("example.org", "10.0.0.5", 2525, RecipientMode::specified));
  s.add_domain(domain("a.example", "mail.a.example"));
  const auto found = s.find_domain("example.org");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "example.org");
  EXPECT_EQ(found->destination_host, "10.0.0.5");
  EXPECT_EQ(found->destination_port, 2525);
  EXPECT_EQ(found->recipients, RecipientMode::specified);
  const auto all = s.list_domains();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].name, "a.example");  // sorted by name
  EXPECT_EQ(all[0].recipients, RecipientMode::all);
  EXPECT_EQ(all[1].name, "example.org");
  EXPECT_FALSE(s.find_domain("other.example"));
}

TYPED_TEST(PolicyTablesTest, DomainNamesAreLowerCased) {
  auto& s = *this->store;
  s.add_domain(domain("Example.ORG"));
  EXPECT_EQ(s.list_domains().at(0).name, "example.org");
  ASSERT_TRUE(s.find_domain("EXAMPLE.org"));
  EXPECT_EQ(s.find_domain("EXAMPLE.org")->name, "example.org");
  EXPECT_TRUE(s.remove_domain("eXample.org"));
  EXPECT_TRUE(s.list_domains().empty());
}

TYPED_TEST(PolicyTablesTest, DomainDuplicateIsAClearError) {
  auto& s = *this->store;
  s.add_domain(domain("example.org"));
  EXPECT_TRUE(throws_store_error([&] { s.add_domain(domain("example.org", "other")); },
                                 "domain example.org exists already"));
  EXPECT_TRUE(throws_store_error([&] { s.add_domain(domain("EXAMPLE.ORG")); }, "domain example.org exists already"));
  EXPECT_EQ(s.find_domain("example.org")->destination_host, "mx.internal");  // unchanged
}

TYPED_TEST(PolicyTablesTest, DomainBadValuesRejected) {
  auto& s = *this->store;
  EXPECT_TRUE(throws_store_error([&] { s.add_domain(domain("example.org", "mx", 0)); }, "example.org"));
  EXPECT_TRUE(throws_store_error([&] { s.add_domain(domain("")); }, "empty"));
  EXPECT_TRUE(s.list_domains().empty());
}

TYPED_TEST(PolicyTablesTest, DomainUpdate) {
  auto& s = *this->store;
  s.add_domain(domain("example.org"));
  s.update_domain(domain("Example.org", "mx2.internal", 587, RecipientMode::specified));
  const auto d = s.find_domain("example.org");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->destination_host, "mx2.internal");
  EXPECT_EQ(d->destination_port, 587);
  EXPECT_EQ(d->recipients, RecipientMode::specified);
  EXPECT_TRUE(throws_store_error([&] { s.update_domain(domain("missing.example")); },
                                 "domain missing.example does not exist"));
  EXPECT_EQ(s.list_domains().size(), 1u);
}

TYPED_TEST(PolicyTablesTest, DomainRemove) {
  auto& s = *this->store;
  s.add_domain(domain("example.org"));
  EXPECT_TRUE(s.remove_domain("example.org"));
  EXPECT_FALSE(s.remove_domain("example.org"));
  EXPECT_FALSE(s.find_domain("example.org"));
  s.add_domain(domain("example.org"));  // can be added again
  EXPECT_TRUE(s.find_domain("example.org"));
}

// ---- recipients ----

TYPED_TEST(PolicyTablesTest, RecipientAddListRemove) {
  auto& s = *this->store;
  s.add_recipient({"bob@example.org"});
  s.add_recipient({"alice@example.org"});
  const auto all = s.list_recipients();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].address, "alice@example.org");
  EXPECT_EQ(all[1].address, "bob@example.org");
  EXPECT_TRUE(s.remove_recipient("bob@example.org"));
  EXPECT_FALSE(s.remove_recipient("bob@example.org"));
  ASSERT_EQ(s.list_recipients().size(), 1u);
}

TYPED_TEST(PolicyTablesTest, RecipientsAreCaseInsensitiveKeys) {
  auto& s = *this->store;
  s.add_recipient({"John.Doe@Example.ORG"});
  EXPECT_EQ(s.list_recipients().at(0).address, "john.doe@example.org");
  EXPECT_TRUE(throws_store_error([&] { s.add_recipient({"JOHN.DOE@example.org"}); },
                                 "recipient john.doe@example.org exists already"));
  EXPECT_TRUE(s.remove_recipient("john.DOE@EXAMPLE.org"));
  EXPECT_TRUE(s.list_recipients().empty());
  EXPECT_TRUE(throws_store_error([&] { s.add_recipient({""}); }, "empty"));
}

// ---- aliases ----

TYPED_TEST(PolicyTablesTest, AliasKeepsTargetOrder) {
  auto& s = *this->store;
  s.add_alias({"sales@example.org", {"zed@example.org", "amy@example.org", "ext@partner.example"}});
  s.add_alias({"info@example.org", {"amy@example.org"}});
  const auto all = s.list_aliases();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].address, "info@example.org");
  EXPECT_EQ(all[0].targets, (std::vector<std::string>{"amy@example.org"}));
  EXPECT_EQ(all[1].address, "sales@example.org");
  EXPECT_EQ(all[1].targets,
            (std::vector<std::string>{"zed@example.org", "amy@example.org", "ext@partner.example"}));
}

TYPED_TEST(PolicyTablesTest, AliasAddReplacesTargets) {
  auto& s = *this->store;
  s.add_alias({"sales@example.org", {"a@example.org", "b@example.org", "c@example.org"}});
  s.add_alias({"SALES@example.org", {"d@example.org"}});
  const auto all = s.list_aliases();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].targets, (std::vector<std::string>{"d@example.org"}));
}

TYPED_TEST(PolicyTablesTest, AliasCaseHandling) {
  auto& s = *this->store;
  // The key is lower-cased whole; a target keeps its local part and lower-cases its domain.
  s.add_alias({"Info@Example.ORG", {"John.Doe@Partner.EXAMPLE"}});
  s.add_alias({"@Example.ORG", {"Catch@Example.org"}});
  const auto all = s.list_aliases();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].address, "@example.org");
  EXPECT_EQ(all[0].targets.at(0), "Catch@example.org");
  EXPECT_EQ(all[1].address, "info@example.org");
  EXPECT_EQ(all[1].targets.at(0), "John.Doe@partner.example");
  EXPECT_TRUE(s.remove_alias("INFO@example.org"));
  EXPECT_TRUE(s.remove_alias("@EXAMPLE.org"));
  EXPECT_TRUE(s.list_aliases().empty());
}

TYPED_TEST(PolicyTablesTest, AliasRemove) {
  auto& s = *this->store;
  s.add_alias({"sales@example.org", {"a@example.org", "b@example.org"}});
  EXPECT_TRUE(s.remove_alias("sales@example.org"));
  EXPECT_FALSE(s.remove_alias("sales@example.org"));
  EXPECT_TRUE(s.list_aliases().empty());
  s.add_alias({"sales@example.org", {"c@example.org"}});  // old targets are gone with it
  EXPECT_EQ(s.list_aliases().at(0).targets, (std::vector<std::string>{"c@example.org"}));
}

TYPED_TEST(PolicyTablesTest, AliasWithoutTargetsRejected) {
  auto& s = *this->store;
  EXPECT_TRUE(throws_store_error([&] { s.add_alias({"sales@example.org", {}}); }, "at least one target"));
  EXPECT_TRUE(throws_store_error([&] { s.add_alias({"sales@example.org", {""}}); }, "empty target"));
  EXPECT_TRUE(throws_store_error([&] { s.add_alias({"", {"a@example.org"}}); }, "empty"));
  EXPECT_TRUE(s.list_aliases().empty());
}

// ---- relay networks ----

TYPED_TEST(PolicyTablesTest, RelaynetAddListRemove) {
  auto& s = *this->store;
  s.add_relaynet({"192.0.2.0/24", "office"});
  s.add_relaynet({"2001:db8::/32", ""});
  s.add_relaynet({"10.0.0.0/8", "vpn clients"});
  const auto all = s.list_relaynets();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].cidr, "10.0.0.0/8");
  EXPECT_EQ(all[0].note, "vpn clients");
  EXPECT_EQ(all[1].cidr, "192.0.2.0/24");
  EXPECT_EQ(all[2].cidr, "2001:db8::/32");
  EXPECT_EQ(all[2].note, "");
  EXPECT_TRUE(throws_store_error([&] { s.add_relaynet({"192.0.2.0/24", "again"}); },
                                 "relay network 192.0.2.0/24 exists already"));
  EXPECT_TRUE(s.remove_relaynet("192.0.2.0/24"));
  EXPECT_FALSE(s.remove_relaynet("192.0.2.0/24"));
  EXPECT_TRUE(s.remove_relaynet("2001:DB8::/32"));
  EXPECT_EQ(s.list_relaynets().size(), 1u);
}

// ---- outbound TLS policies ----

TYPED_TEST(PolicyTablesTest, TlsPolicySetReplaceListRemove) {
  auto& s = *this->store;
  s.set_tls_policy({"Partner.Example", "verify", "mx1.partner.example,mx2.partner.example", "contract 42"});
  s.set_tls_policy({"bank.example", "encrypt", "", ""});
  auto all = s.list_tls_policies();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].domain, "bank.example");
  EXPECT_EQ(all[0].mode, "encrypt");
  EXPECT_EQ(all[1].domain, "partner.example");  // lower-cased
  EXPECT_EQ(all[1].match_names, "mx1.partner.example,mx2.partner.example");
  EXPECT_EQ(all[1].note, "contract 42");
  s.set_tls_policy({"partner.example", "may", "", ""});  // replaces
  all = s.list_tls_policies();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].mode, "may");
  EXPECT_EQ(all[1].match_names, "");
  EXPECT_TRUE(throws_store_error([&] { s.set_tls_policy({"x.example", "sometimes", "", ""}); }, ""));
  EXPECT_TRUE(s.remove_tls_policy("PARTNER.example"));
  EXPECT_FALSE(s.remove_tls_policy("partner.example"));
  EXPECT_EQ(s.list_tls_policies().size(), 1u);
}

// ---- settings ----

TYPED_TEST(PolicyTablesTest, Settings) {
  auto& s = *this->store;
  EXPECT_FALSE(s.get_setting("hostname"));
  s.set_setting("hostname", "gw.example.org");
  s.set_setting("admin-email", "Admin@Example.org");
  EXPECT_EQ(s.get_setting("hostname"), "gw.example.org");
  EXPECT_EQ(s.get_setting("admin-email"), "Admin@Example.org");  // values are kept as given
  s.set_setting("hostname", "gw2.example.org");
  EXPECT_EQ(s.get_setting("hostname"), "gw2.example.org");
  const auto all = s.list_settings();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0], (std::pair<std::string, std::string>{"admin-email", "Admin@Example.org"}));
  EXPECT_EQ(all[1], (std::pair<std::string, std::string>{"hostname", "gw2.example.org"}));
  EXPECT_TRUE(s.remove_setting("hostname"));
  EXPECT_FALSE(s.remove_setting("hostname"));
  EXPECT_FALSE(s.get_setting("hostname"));
  s.set_setting("empty", "");
  EXPECT_EQ(s.get_setting("empty"), "");
  EXPECT_TRUE(throws_store_error([&] { s.set_setting("", "x"); }, "empty"));
}

TYPED_TEST(PolicyTablesTest, UnicodeAndQuotesSurvive) {
  auto& s = *this->store;
  s.set_setting("note", "O'Brien \"quoted\" ; DROP TABLE settings; -- ü");
  EXPECT_EQ(s.get_setting("note"), "O'Brien \"quoted\" ; DROP TABLE settings; -- ü");
  s.add_recipient({"Ünïcode@Example.org"});  // non-ASCII octets are kept, ASCII lower-cased
  EXPECT_EQ(s.list_recipients().at(0).address, "Ünïcode@example.org");
}

}  // namespace
}  // namespace portcullis::store::testing
