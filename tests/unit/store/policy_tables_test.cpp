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

// ---- DKIM signing keys ----

// A key of the shape the CLI stores (the store does not parse the PEM: any ASCII text will do).
DkimKey dkim_key(const std::string& domain, const std::string& selector, bool active = true,
                 const std::string& algorithm = "ed25519-sha256") {
  DkimKey k;
  k.domain = domain;
  k.selector = selector;
  k.algorithm = algorithm;
  k.private_pem =
      "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIPrivate" + selector + "Secret\n-----END PRIVATE KEY-----\n";
  k.public_txt = std::string("v=DKIM1; k=") + (algorithm == "rsa-sha256" ? "rsa" : "ed25519") +
                 "; p=MCowBQYDK2VwAyEA" + selector;
  k.active = active;
  k.created = 1700000000;
  return k;
}

std::vector<std::string> key_names(const std::vector<DkimKey>& keys) {
  std::vector<std::string> out;
  for (const auto& k : keys) out.push_back(k.selector + "._domainkey." + k.domain);
  return out;
}

using Names = std::vector<std::string>;

TYPED_TEST(PolicyTablesTest, DkimKeyAddListRoundTrip) {
  auto& s = *this->store;
  // An RSA-4096 PKCS#8 PEM is about 3.3 KB, its TXT value about 740 octets: longer than a VARCHAR(255).
  DkimKey rsa = dkim_key("example.org", "s2024", true, "rsa-sha256");
  rsa.private_pem = "-----BEGIN PRIVATE KEY-----\n";
  for (int line = 0; line < 52; ++line) rsa.private_pem += std::string(64, static_cast<char>('A' + line % 26)) + "\n";
  rsa.private_pem += "-----END PRIVATE KEY-----\n";
  rsa.public_txt = "v=DKIM1; k=rsa; p=" + std::string(736, 'M');
  rsa.created = 1712345678;
  s.add_dkim_key(rsa);
  s.add_dkim_key(dkim_key("example.org", "ed1"));
  s.add_dkim_key(dkim_key("a.example", "zz", false));
  s.add_dkim_key(dkim_key("example.org", "a2023", false, "rsa-sha256"));
  const auto all = s.list_dkim_keys();
  EXPECT_EQ(key_names(all), (Names{"zz._domainkey.a.example", "a2023._domainkey.example.org",
                                   "ed1._domainkey.example.org", "s2024._domainkey.example.org"}));
  ASSERT_EQ(all.size(), 4u);
  const DkimKey& got = all[3];
  EXPECT_EQ(got.domain, "example.org");
  EXPECT_EQ(got.selector, "s2024");
  EXPECT_EQ(got.algorithm, "rsa-sha256");
  EXPECT_EQ(got.private_pem, rsa.private_pem);
  EXPECT_GT(got.private_pem.size(), 3300u);
  EXPECT_EQ(got.public_txt, rsa.public_txt);
  EXPECT_TRUE(got.active);
  EXPECT_EQ(got.created, 1712345678);
  EXPECT_EQ(all[2].algorithm, "ed25519-sha256");
  EXPECT_EQ(all[2].public_txt, "v=DKIM1; k=ed25519; p=MCowBQYDK2VwAyEAed1");
  EXPECT_FALSE(all[0].active);
  EXPECT_FALSE(all[1].active);
}

TYPED_TEST(PolicyTablesTest, DkimKeyNamesAreLowerCased) {
  auto& s = *this->store;
  s.add_dkim_key(dkim_key("Example.ORG.", "Sel-1"));
  ASSERT_EQ(s.list_dkim_keys().size(), 1u);
  EXPECT_EQ(s.list_dkim_keys()[0].domain, "example.org");  // and the trailing dot dropped
  EXPECT_EQ(s.list_dkim_keys()[0].selector, "sel-1");
  EXPECT_TRUE(throws_store_error([&] { s.add_dkim_key(dkim_key("EXAMPLE.org", "SEL-1")); },
                                 "DKIM key sel-1._domainkey.example.org exists already"));
  EXPECT_TRUE(s.set_dkim_key_active("example.ORG", "Sel-1", false));
  EXPECT_FALSE(s.list_dkim_keys().at(0).active);
  EXPECT_TRUE(s.remove_dkim_key("EXAMPLE.org.", "SEL-1"));
  EXPECT_TRUE(s.list_dkim_keys().empty());
}

TYPED_TEST(PolicyTablesTest, DkimKeyDuplicateIsAClearErrorWithoutTheSecret) {
  auto& s = *this->store;
  s.add_dkim_key(dkim_key("example.org", "sel1"));
  DkimKey again = dkim_key("example.org", "sel1", false, "rsa-sha256");
  again.private_pem = "-----BEGIN PRIVATE KEY-----\nTHE-SECRET-PART\n-----END PRIVATE KEY-----\n";
  try {
    s.add_dkim_key(again);
    ADD_FAILURE() << "a duplicate key was accepted";
  } catch (const StoreError& e) {
    EXPECT_EQ(std::string(e.what()), "DKIM key sel1._domainkey.example.org exists already");
  }
  const auto all = s.list_dkim_keys();  // unchanged
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].algorithm, "ed25519-sha256");
  EXPECT_TRUE(all[0].active);
  EXPECT_EQ(all[0].private_pem, dkim_key("example.org", "sel1").private_pem);
  // The same selector in another domain, another selector in the same domain: other keys.
  s.add_dkim_key(dkim_key("example.net", "sel1"));
  s.add_dkim_key(dkim_key("example.org", "sel2"));
  EXPECT_EQ(s.list_dkim_keys().size(), 3u);
}

TYPED_TEST(PolicyTablesTest, DkimKeyActivateAndDeactivate) {
  auto& s = *this->store;
  s.add_dkim_key(dkim_key("example.org", "old"));
  s.add_dkim_key(dkim_key("example.org", "new", false));
  EXPECT_TRUE(s.set_dkim_key_active("example.org", "new", true));
  EXPECT_TRUE(s.set_dkim_key_active("example.org", "old", false));
  auto all = s.list_dkim_keys();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].selector, "new");
  EXPECT_TRUE(all[0].active);
  EXPECT_EQ(all[1].selector, "old");
  EXPECT_FALSE(all[1].active);
  EXPECT_EQ(all[1].private_pem, dkim_key("example.org", "old").private_pem);  // only the flag changed
  EXPECT_TRUE(s.set_dkim_key_active("example.org", "old", false));  // already inactive: it exists
  EXPECT_FALSE(s.set_dkim_key_active("example.org", "missing", true));
  EXPECT_FALSE(s.set_dkim_key_active("example.net", "old", true));
  EXPECT_FALSE(s.list_dkim_keys().at(1).active);
}

TYPED_TEST(PolicyTablesTest, DkimKeyRemove) {
  auto& s = *this->store;
  s.add_dkim_key(dkim_key("example.org", "sel1"));
  s.add_dkim_key(dkim_key("example.org", "sel2"));
  EXPECT_TRUE(s.remove_dkim_key("example.org", "sel1"));
  EXPECT_FALSE(s.remove_dkim_key("example.org", "sel1"));
  EXPECT_FALSE(s.remove_dkim_key("example.net", "sel2"));
  EXPECT_EQ(key_names(s.list_dkim_keys()), (Names{"sel2._domainkey.example.org"}));
  s.add_dkim_key(dkim_key("example.org", "sel1", false));  // can be added again
  EXPECT_EQ(key_names(s.list_dkim_keys()), (Names{"sel1._domainkey.example.org", "sel2._domainkey.example.org"}));
  EXPECT_FALSE(s.list_dkim_keys().at(0).active);
}

TYPED_TEST(PolicyTablesTest, DkimKeyBadValuesRejected) {
  auto& s = *this->store;
  const auto with = [](auto change) {
    DkimKey k = dkim_key("example.org", "sel1");
    change(k);
    return k;
  };
  struct Case {
    DkimKey key;
    const char* message;
  };
  const std::vector<Case> cases = {
      {with([](DkimKey& k) { k.domain = ""; }), "the domain '' is not a DNS name"},
      {with([](DkimKey& k) { k.domain = "."; }), "the domain '' is not a DNS name"},
      {with([](DkimKey& k) { k.domain = "exa mple.org"; }), "the domain 'exa mple.org' is not a DNS name"},
      {with([](DkimKey& k) { k.domain = "example..org"; }), "is not a DNS name"},
      {with([](DkimKey& k) { k.domain = std::string(64, 'a') + ".org"; }), "is not a DNS name"},
      {with([](DkimKey& k) { k.selector = ""; }), "the selector '' is not a DNS name"},
      {with([](DkimKey& k) { k.selector = "sel_1"; }), "the selector 'sel_1' is not a DNS name"},
      {with([](DkimKey& k) { k.selector = "sel1."; }), "the selector 'sel1.' is not a DNS name"},
      {with([](DkimKey& k) {
         k.domain = std::string(63, 'd') + ".org";
         k.selector = std::string(63, 's') + "." + std::string(63, 's') + "." + std::string(63, 's');
       }),
       "the record name is longer than 253 octets"},
      {with([](DkimKey& k) { k.algorithm = "rsa-sha1"; }), "the algorithm must be rsa-sha256 or ed25519-sha256"},
      {with([](DkimKey& k) { k.algorithm = "RSA-SHA256"; }), "the algorithm must be"},
      {with([](DkimKey& k) { k.private_pem = ""; }), "the private key must be a PEM text"},
      {with([](DkimKey& k) { k.private_pem += "\xC3\xA9"; }), "the private key must be a PEM text"},
      {with([](DkimKey& k) { k.private_pem = std::string(65536, 'A'); }), "the private key must be a PEM text"},
      {with([](DkimKey& k) { k.public_txt = ""; }), "the public record must be"},
      {with([](DkimKey& k) { k.public_txt = std::string("v=DKIM1; p=\0", 12); }), "the public record must be"},
  };
  for (const auto& c : cases) {
    try {
      s.add_dkim_key(c.key);
      ADD_FAILURE() << "accepted: " << c.message;
    } catch (const StoreError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find(c.message), std::string::npos) << what;
      EXPECT_EQ(what.find("Secret"), std::string::npos) << "the private key is in the message: " << what;
    }
  }
  EXPECT_TRUE(s.list_dkim_keys().empty());
  // The longest names that fit are taken.
  s.add_dkim_key(with([](DkimKey& k) {
    k.domain = std::string(63, 'd') + "." + std::string(63, 'd') + ".example";
    k.selector = std::string(63, 's') + "." + std::string(42, 's');  // 106 + 12 + 135 = 253
  }));
  EXPECT_EQ(s.list_dkim_keys().size(), 1u);
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
