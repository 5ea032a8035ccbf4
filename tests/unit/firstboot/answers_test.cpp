// The first-boot answers: validation rules (each error names its field), defaults, the
// answers.toml reader/writer, and the password never kept in plain text.
#include "answers.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/password.hpp"
#include "sources/answers_file.hpp"

namespace portcullis::firstboot {
namespace {

AnswerMap good() {
  return {{"system.hostname", "mx.example.org"}, {"admin.password", "Correct-Horse-42-battery"},
          {"admin.email", "it@example.net"},     {"mail.destination", "exchange.example.org"},
          {"network.mode", "static"},            {"network.address", "192.0.2.10/24"},
          {"network.gateway", "192.0.2.1"},      {"mail.relay_networks", "192.0.2.0/24, 2001:db8::/32"}};
}

std::vector<std::string> fields(const std::vector<FieldError>& errors) {
  std::vector<std::string> out;
  for (const auto& e : errors) out.push_back(e.field);
  return out;
}

std::vector<FieldError> check(AnswerMap m) { return validate(m, {"/", "/"}); }

TEST(Answers, GoodMapHasNoErrorsAndDefaultsFollowTheHostName) {
  EXPECT_EQ(check(good()), std::vector<FieldError>{});
  const auto a = to_answers(good(), {"/", "/"});
  EXPECT_EQ(a.domain, "example.org");
  EXPECT_EQ(a.mail_domain, "example.org");
  EXPECT_EQ(a.postmaster, "postmaster@example.org");
  EXPECT_EQ(a.destination_port, 25);
  EXPECT_EQ(a.relay_networks, (std::vector<std::string>{"192.0.2.0/24", "2001:db8::/32"}));
  EXPECT_FALSE(a.network.dhcp);
  EXPECT_EQ(a.timezone, "UTC");
  EXPECT_FALSE(a.telemetry);
}

TEST(Answers, EachProblemNamesItsField) {
  struct Case {
    const char* key;
    const char* value;
    const char* field;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"mail.relay_networks", "192.0.2.0/33", "mail.relay_networks"},
           {"mail.relay_networks", "::/0", "mail.relay_networks"},
           {"mail.postmaster", "pm@elsewhere.test", "mail.postmaster"},
           {"admin.email", "it@example.org", "admin.email"},
           {"admin.password", "short1A!", "admin.password"},
           {"admin.password", "admin-Password-2026", "admin.password"},  // contains the user name
           {"admin.user", "root", "admin.user"},
           {"network.gateway", "198.51.100.1", "network.gateway"},
           {"network.gateway", "192.0.2.10", "network.gateway"},
           {"network.address", "192.0.2.10", "network.address"},
           {"network.dns", "192.0.2.53, resolver", "network.dns"},
           {"network.interface", "eth0;rm", "network.interface"},
           {"system.hostname", "mx", "system.hostname"},
           {"system.timezone", "../../etc/passwd", "system.timezone"},
           {"system.timezone", "Mars/Olympus", "system.timezone"},
           {"system.telemetry", "maybe", "system.telemetry"},
           {"mail.destination", "mx.example.org", "mail.destination"},  // the gateway itself
           {"mail.destination", "host:99999", "mail.destination"},
           {"mail.recipients", "some", "mail.recipients"},
           {"tls.mode", "acme", "tls.mode"},
           {"tls.certificate", "/x.pem", "tls.certificate"},  // only with import
           {"dkim.selector", "bad_selector", "dkim.selector"},
           {"system.hostnme", "x", "system.hostnme"},
           {"admin.email", "a\x01@example.net", "admin.email"},
       }) {
    auto m = good();
    m[c.key] = c.value;
    const auto errors = check(m);
    const auto f = fields(errors);
    // The field itself is named first; a host name without a domain also leaves the derived
    // defaults (mail.domain, mail.postmaster) without a value, which is reported too.
    ASSERT_FALSE(f.empty()) << c.key << " = " << c.value;
    EXPECT_EQ(f.front(), c.field) << c.key << " = " << c.value << "\n" << describe(errors);
    if (std::string(c.key) != "system.hostname") {
      EXPECT_TRUE(std::all_of(f.begin(), f.end(), [&](const std::string& x) { return x == c.field; }))
          << c.key << " = " << c.value << "\n" << describe(errors);
    }
  }
}

TEST(Answers, RequiredFieldsAndStaticOnlyFields) {
  const auto errors = check({{"network.dns", "192.0.2.53"}});
  const auto f = fields(errors);
  for (const char* required : {"system.hostname", "admin.password", "admin.email", "mail.destination", "network.dns"})
    EXPECT_NE(std::find(f.begin(), f.end(), required), f.end()) << required << "\n" << describe(errors);
}

TEST(Answers, ValidateFieldsKeepsOnlyTheAskedFields) {
  auto m = good();
  m["mail.relay_networks"] = "nonsense";
  m["system.timezone"] = "Nowhere/Place";
  EXPECT_EQ(fields(validate_fields(m, {"/", "/"}, {"mail.relay_networks"})),
            std::vector<std::string>{"mail.relay_networks"});
}

TEST(Answers, PasswordIsReplacedByItsHashes) {
  const auto hashed = hash_password(with_defaults(good()));
  EXPECT_EQ(hashed.count("admin.password"), 0u);
  EXPECT_TRUE(core::verify_password("Correct-Horse-42-battery", hashed.at("admin.password_scrypt")));
  EXPECT_TRUE(hashed.at("admin.password_crypt").starts_with("$y$"));
  EXPECT_EQ(check(hashed), std::vector<FieldError>{});  // the state file validates again
  auto both = hashed;
  both["admin.password"] = "Correct-Horse-42-battery";
  EXPECT_EQ(fields(check(both)), std::vector<std::string>{"admin.password"});
  auto half = hashed;
  half.erase("admin.password_crypt");
  EXPECT_EQ(fields(check(half)), std::vector<std::string>{"admin.password_crypt"});
}

TEST(AnswersFile, FlattensTablesAndRoundTrips) {
  const auto m = parse_answers_toml(
      "[system]\nhostname = \"mx.example.org\"\ntelemetry = false\n[mail]\nrelay_networks = [\"192.0.2.0/24\", "
      "\"2001:db8::/32\"]\n[x]\nport = 25\n",
      "t");
  EXPECT_EQ(m.at("system.hostname"), "mx.example.org");
  EXPECT_EQ(m.at("system.telemetry"), "false");
  EXPECT_EQ(m.at("mail.relay_networks"), "192.0.2.0/24,2001:db8::/32");
  EXPECT_EQ(m.at("x.port"), "25");
  AnswerMap tricky = {{"tls.key_pem", "-----BEGIN\nline \"quoted\" \\ back\t\n-----END\n"}, {"a.b", "\x01"}};
  EXPECT_EQ(parse_answers_toml(render_answers_toml(tricky), "r"), tricky);
}

TEST(AnswersFile, RefusesWhatIsNotAnAnswer) {
  EXPECT_THROW(parse_answers_toml("hostname = \"x\"\n", "t"), SourceError);           // not in a table
  EXPECT_THROW(parse_answers_toml("[a]\n[a.b]\nc = 1\n", "t"), SourceError);          // nested
  EXPECT_THROW(parse_answers_toml("[a]\nb = [1, 2]\n", "t"), SourceError);            // not strings
  EXPECT_THROW(parse_answers_toml("[a]\nb = [\"x,y\"]\n", "t"), SourceError);         // ambiguous item
  EXPECT_THROW(parse_answers_toml("[a]\nb = 1.5\n", "t"), SourceError);               // float
  EXPECT_THROW(parse_answers_toml("[a\nb = 1\n", "t"), SourceError);                  // syntax
}

}  // namespace
}  // namespace portcullis::firstboot
