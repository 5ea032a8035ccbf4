// The interactive wizard's flow (firstboot/src/ui/flow.hpp) against a scripted Dialogs: every
// prompt must be the next one expected, and gets its scripted reply.
#include <gtest/gtest.h>

#include <deque>
#include <stdexcept>

#include "answers.hpp"
#include "steps/step.hpp"
#include "ui/flow.hpp"

namespace portcullis::firstboot {
namespace {

enum class Kind { input, password, menu, yesno, review, msgbox };

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::input: return "input";
    case Kind::password: return "password";
    case Kind::menu: return "menu";
    case Kind::yesno: return "yesno";
    case Kind::review: return "review";
    case Kind::msgbox: return "msgbox";
  }
  return "?";
}

struct Prompt {
  Kind kind;
  std::string match;                 // a substring of the title and text
  std::optional<std::string> reply;  // nullopt: Back (Esc for yesno); yesno: "yes" or "no"
  std::optional<std::string> shown;  // the expected starting value (input, menu)
};

Prompt in(std::string match, std::string reply, std::optional<std::string> shown = std::nullopt) {
  return {Kind::input, std::move(match), std::move(reply), std::move(shown)};
}
Prompt pw(std::string match, std::string reply) { return {Kind::password, std::move(match), std::move(reply), {}}; }
Prompt pick(std::string match, std::string reply, std::optional<std::string> shown = std::nullopt) {
  return {Kind::menu, std::move(match), std::move(reply), std::move(shown)};
}
Prompt yes(std::string match) { return {Kind::yesno, std::move(match), "yes", {}}; }
Prompt no(std::string match) { return {Kind::yesno, std::move(match), "no", {}}; }
Prompt apply(std::string match = "Summary") { return {Kind::review, std::move(match), "yes", {}}; }
Prompt change(std::string match = "Summary") { return {Kind::review, std::move(match), "no", {}}; }
Prompt msg(std::string match) { return {Kind::msgbox, std::move(match), {}, {}}; }
Prompt back(Kind kind, std::string match) { return {kind, std::move(match), std::nullopt, {}}; }

struct ScriptError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class Script final : public Dialogs {
 public:
  explicit Script(std::vector<Prompt> prompts) : prompts_(prompts.begin(), prompts.end()) {}

  std::optional<std::string> input(const std::string& title, const std::string& text,
                                   const std::string& value) override {
    return next(Kind::input, title, text, value).reply;
  }
  std::optional<std::string> password(const std::string& title, const std::string& text) override {
    return next(Kind::password, title, text, {}).reply;
  }
  std::optional<std::string> menu(const std::string& title, const std::string& text,
                                  const std::vector<MenuItem>& items, const std::string& selected) override {
    const Prompt p = next(Kind::menu, title, text, selected);
    if (p.reply) {
      const bool offered =
          std::any_of(items.begin(), items.end(), [&](const MenuItem& i) { return i.tag == *p.reply; });
      if (!offered) fail("menu '" + title + "' does not offer " + *p.reply);
    }
    return p.reply;
  }
  std::optional<bool> yesno(const std::string& title, const std::string& text, const std::string&,
                            const std::string&, bool) override {
    const Prompt p = next(Kind::yesno, title, text, {});
    if (!p.reply) return std::nullopt;
    return *p.reply == "yes";
  }
  std::optional<bool> review(const std::string& title, const std::string& text, const std::vector<MenuItem>& rows,
                             const std::string&, const std::string&) override {
    const Prompt p = next(Kind::review, title, text, {});
    std::string shown;
    for (const auto& row : rows) shown += row.tag + " = " + row.label + "\n";
    summaries.push_back(shown);
    if (!p.reply) return std::nullopt;
    return *p.reply == "yes";
  }
  void msgbox(const std::string& title, const std::string& text) override {
    next(Kind::msgbox, title, text, {});
    messages.push_back(text);
  }

  bool finished() const { return prompts_.empty(); }

  std::vector<std::string> summaries;
  std::vector<std::string> messages;

 private:
  [[noreturn]] void fail(const std::string& what) {
    ADD_FAILURE() << what;
    throw ScriptError(what);
  }

  Prompt next(Kind kind, const std::string& title, const std::string& text, const std::string& value) {
    const std::string seen = std::string(kind_name(kind)) + " '" + title + "': " + text;
    if (prompts_.empty()) fail("unexpected prompt after the script: " + seen);
    Prompt p = prompts_.front();
    prompts_.pop_front();
    if (p.kind != kind || (title + "\n" + text).find(p.match) == std::string::npos)
      fail("expected " + std::string(kind_name(p.kind)) + " '" + p.match + "', got " + seen);
    if (p.shown && *p.shown != value)
      fail("'" + p.match + "' started with '" + value + "', expected '" + *p.shown + "'");
    return p;
  }

  std::deque<Prompt> prompts_;
};

const std::string good_password = "Correct-Horse-42-battery";

std::vector<const Step*> every_step() {
  std::vector<const Step*> out;
  for (const auto& s : all_steps()) out.push_back(&s);
  return out;
}

// The prompts of one step, as a full run answers them.
std::vector<Prompt> network() {
  return {pick("network address", "static", "dhcp"), in("Network interfaces", "en* eth*", "en* eth*"),
          in("IP address", "192.0.2.10/24", ""), in("Default gateway", "192.0.2.1", ""),
          in("DNS servers", "192.0.2.53, 2001:db8::53", "")};
}
std::vector<Prompt> hostname() {
  return {in("Host name", "mx.example.org", ""), in("Primary domain", "example.org", "example.org")};
}
std::vector<Prompt> timezone() { return {in("Time zone", "Europe/Berlin", "UTC")}; }
std::vector<Prompt> admin() {
  return {in("account name", "mailadmin", "admin"), pw("Administrator password", good_password),
          pw("Repeat", good_password)};
}
std::vector<Prompt> domain() {
  return {in("Protected domain", "example.org", "example.org"),
          in("mail server", "exchange.example.org:2525", ""), pick("Which recipients", "specified", "all")};
}
std::vector<Prompt> addresses() {
  return {in("Postmaster", "postmaster@example.org", "postmaster@example.org"),
          in("Administrator's e-mail", "it@example.net", "")};
}
std::vector<Prompt> relaynets() { return {in("relay outgoing", "192.0.2.0/24, 2001:db8:1::/48", "")}; }
std::vector<Prompt> tls() { return {pick("TLS certificate", "selfsign", "selfsign")}; }
std::vector<Prompt> dkim() {
  return {in("DKIM selector", "portcullis", "portcullis"), pick("DKIM key", "rsa", "rsa")};
}
std::vector<Prompt> telemetry() { return {no("telemetry")}; }

std::vector<Prompt> concat(std::initializer_list<std::vector<Prompt>> parts) {
  std::vector<Prompt> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

class WizardFlow : public ::testing::Test {
 protected:
  std::optional<AnswerMap> run(Script& script, const AnswerMap& preset, const std::vector<const Step*>& steps) {
    std::optional<AnswerMap> result;
    EXPECT_NO_THROW(result = run_flow(script, preset, context, steps));
    EXPECT_TRUE(script.finished()) << "the flow ended before the script";
    return result;
  }
  std::optional<AnswerMap> run(Script& script) { return run(script, with_defaults({}), every_step()); }

  static std::string get(const AnswerMap& m, const std::string& key) {
    const auto it = m.find(key);
    return it == m.end() ? std::string{} : it->second;
  }

  ValidationContext context{"/", "/"};
};

TEST_F(WizardFlow, FullRunReturnsValidAnswers) {
  Script script(concat({{msg("Welcome")}, network(), hostname(), timezone(), admin(), domain(), addresses(),
                        relaynets(), tls(), dkim(), telemetry(), {apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  EXPECT_EQ(validate(*result, context), std::vector<FieldError>{});
  const auto full = with_defaults(*result);
  EXPECT_EQ(get(full, "network.mode"), "static");
  EXPECT_EQ(get(full, "network.address"), "192.0.2.10/24");
  EXPECT_EQ(get(full, "network.dns"), "192.0.2.53,2001:db8::53");
  EXPECT_EQ(get(full, "system.hostname"), "mx.example.org");
  EXPECT_EQ(get(full, "system.domain"), "example.org");
  EXPECT_EQ(get(full, "system.timezone"), "Europe/Berlin");
  EXPECT_EQ(get(full, "system.telemetry"), "false");
  EXPECT_EQ(get(full, "admin.user"), "mailadmin");
  EXPECT_EQ(get(full, "admin.password"), good_password);
  EXPECT_EQ(get(full, "admin.email"), "it@example.net");
  EXPECT_EQ(get(full, "mail.destination"), "exchange.example.org:2525");
  EXPECT_EQ(get(full, "mail.recipients"), "specified");
  EXPECT_EQ(get(full, "mail.postmaster"), "postmaster@example.org");
  EXPECT_EQ(get(full, "mail.relay_networks"), "192.0.2.0/24,2001:db8:1::/48");
  EXPECT_EQ(get(full, "tls.mode"), "selfsign");

  ASSERT_EQ(script.summaries.size(), 1u);
  const std::string& summary = script.summaries[0];
  EXPECT_NE(summary.find("system.hostname = mx.example.org\n"), std::string::npos) << summary;
  EXPECT_NE(summary.find("system.domain = example.org\n"), std::string::npos) << "defaults are shown";
  EXPECT_NE(summary.find("admin.password = ********\n"), std::string::npos) << summary;
  EXPECT_EQ(summary.find(good_password), std::string::npos) << summary;
  EXPECT_NE(summary.find("network.dns = 192.0.2.53, 2001:db8::53\n"), std::string::npos) << summary;
  EXPECT_EQ(summary.find("admin.password_scrypt"), std::string::npos) << "hashes are never shown";
  EXPECT_EQ(summary.find("tls.certificate"), std::string::npos) << "import-only fields are not shown";
}

TEST_F(WizardFlow, DhcpSkipsTheStaticFieldsAndSelfsignTheFiles) {
  Script script(concat({{msg("Welcome"), pick("network address", "dhcp", "dhcp"), in("Network interfaces", "en*")},
                        hostname(), timezone(), admin(), domain(), addresses(), relaynets(), tls(), dkim(),
                        telemetry(), {apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  EXPECT_EQ(validate(*result, context), std::vector<FieldError>{});
  EXPECT_EQ(get(*result, "network.mode"), "dhcp");
  EXPECT_EQ(get(*result, "network.interface"), "en*");
  EXPECT_FALSE(result->contains("network.address"));
}

TEST_F(WizardFlow, WrongValueIsShownAndAskedAgainWithTheEnteredValues) {
  Script script(concat({{msg("Welcome")}, network(), hostname(), timezone(), admin(), domain(), addresses(),
                        {in("relay outgoing", "192.0.2.0/24, 192.0.2.0/33"), msg("mail.relay_networks"),
                         in("relay outgoing", "192.0.2.0/24", "192.0.2.0/24, 192.0.2.0/33")},
                        tls(), dkim(), telemetry(), {apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  EXPECT_EQ(get(*result, "mail.relay_networks"), "192.0.2.0/24");
  ASSERT_EQ(script.messages.size(), 2u);
  EXPECT_NE(script.messages[1].find("mail.relay_networks: '192.0.2.0/33' is not a network"), std::string::npos)
      << script.messages[1];
}

TEST_F(WizardFlow, WeakOrMismatchedPasswordIsAskedAgain) {
  Script script(concat({{msg("Welcome")}, network(), hostname(), timezone(),
                        {in("account name", "mailadmin", "admin"), pw("Administrator password", good_password),
                         pw("Repeat", "something else"), msg("do not match"), pw("Administrator password", "short"),
                         pw("Repeat", "short"), msg("admin.password: too weak"),
                         in("account name", "mailadmin", "mailadmin"),
                         // the rejected password is not offered as "keep the password given before"
                         pw("Administrator password", good_password), pw("Repeat", good_password)},
                        domain(), addresses(), relaynets(), tls(), dkim(), telemetry(), {apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  EXPECT_EQ(get(*result, "admin.password"), good_password);
}

TEST_F(WizardFlow, BackGoesToThePreviousFieldAndStep) {
  Script script(concat({{msg("Welcome")}, network(),
                        {in("Host name", "mx.example.org", ""), back(Kind::input, "Primary domain"),
                         back(Kind::input, "Host name"),
                         // the previous step from its last field, with the entered values
                         in("DNS servers", "192.0.2.53", "192.0.2.53, 2001:db8::53"),
                         in("Host name", "mx.example.org", "mx.example.org"),
                         in("Primary domain", "example.org", "example.org")},
                        timezone(),
                        {in("account name", "mailadmin", "admin"), pw("Administrator password", good_password),
                         back(Kind::password, "Repeat"), pw("Administrator password", good_password),
                         pw("Repeat", good_password)},
                        domain(), addresses(), relaynets(), tls(), dkim(), telemetry(), {apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  EXPECT_EQ(get(*result, "network.dns"), "192.0.2.53");
  EXPECT_EQ(validate(*result, context), std::vector<FieldError>{});
}

TEST_F(WizardFlow, BackOverAModeFieldAsksItsFieldsAgain) {
  Script script(concat({{msg("Welcome"), pick("network address", "static", "dhcp"),
                         in("Network interfaces", "en* eth*"), in("IP address", "192.0.2.10/24"),
                         back(Kind::input, "Default gateway"), back(Kind::input, "IP address"),
                         back(Kind::input, "Network interfaces"), pick("network address", "dhcp", "static"),
                         in("Network interfaces", "en* eth*")},
                        hostname(), timezone(), admin(), domain(), addresses(), relaynets(), tls(), dkim(),
                        telemetry(), {apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->contains("network.address")) << "not used with DHCP";
  EXPECT_EQ(validate(*result, context), std::vector<FieldError>{});
}

TEST_F(WizardFlow, SummaryChangeReturnsToTheSummary) {
  Script script(concat({{msg("Welcome")}, network(), hostname(), timezone(), admin(), domain(), addresses(),
                        relaynets(), tls(), dkim(), telemetry(),
                        {change(), pick("Which part", "hostname", ""),
                         in("Host name", "mx.example.com", "mx.example.org"),
                         // the domain was the default: it follows the host name
                         in("Primary domain", "example.com", "example.com"), change(),
                         back(Kind::menu, "Which part"), apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  ASSERT_EQ(script.summaries.size(), 3u);
  EXPECT_NE(script.summaries[1].find("mx.example.com"), std::string::npos) << script.summaries[1];
  EXPECT_NE(script.summaries[1].find("postmaster@example.com"), std::string::npos) << script.summaries[1];
  const auto full = with_defaults(*result);
  EXPECT_EQ(get(full, "system.hostname"), "mx.example.com");
  EXPECT_EQ(get(full, "mail.domain"), "example.com");
  EXPECT_EQ(validate(*result, context), std::vector<FieldError>{});
}

TEST_F(WizardFlow, BackOutOfAChangedStepUndoesTheChange) {
  Script script(concat({{msg("Welcome")}, network(), hostname(), timezone(), admin(), domain(), addresses(),
                        relaynets(), tls(), dkim(), telemetry(),
                        {change(), pick("Which part", "network", ""), pick("network address", "dhcp", "static"),
                         back(Kind::input, "Network interfaces"), back(Kind::menu, "network address"),
                         apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  EXPECT_EQ(get(*result, "network.mode"), "static");
}

TEST_F(WizardFlow, ApplyWithAnInconsistentStepGoesThere) {
  // A new protected domain leaves the postmaster (entered explicitly) outside it.
  Script script(concat({{msg("Welcome")}, network(), hostname(), timezone(), admin(), domain(),
                        {in("Postmaster", "hostmaster@example.org", "postmaster@example.org"),
                         in("Administrator's e-mail", "it@example.net", "")},
                        relaynets(), tls(), dkim(), telemetry(),
                        {change(), pick("Which part", "domain", ""),
                         in("Protected domain", "example.com", "example.org"), in("mail server", "mail.example.com"),
                         pick("Which recipients", "specified", "specified"), apply(), msg("mail.postmaster"),
                         in("Postmaster", "hostmaster@example.com", "hostmaster@example.org"),
                         in("Administrator's e-mail", "it@example.net", "it@example.net"), apply()}}));
  const auto result = run(script);
  ASSERT_TRUE(result);
  EXPECT_EQ(get(*result, "mail.postmaster"), "hostmaster@example.com");
  EXPECT_EQ(validate(*result, context), std::vector<FieldError>{});
}

TEST_F(WizardFlow, BackOnTheFirstPromptOffersToQuit) {
  Script script({msg("Welcome"), back(Kind::menu, "network address"), no("Quit the setup"),
                 back(Kind::menu, "network address"), yes("Quit the setup")});
  EXPECT_EQ(run(script), std::nullopt);
}

TEST_F(WizardFlow, OneStepHasNoWelcomeAndKeepsThePreset) {
  AnswerMap preset = with_defaults({{"system.hostname", "mx.example.org"},
                                    {"admin.password_scrypt", "$scrypt$ln=15,r=8,p=1$c2FsdA$aGFzaA"},
                                    {"admin.password_crypt", "$y$j9T$salt$hash"},
                                    {"admin.email", "it@example.net"},
                                    {"mail.destination", "exchange.example.org"}});
  // With one step, Change asks it again directly.
  Script script({in("account name", "admin", "admin"), pw("Empty: keep", ""), change(),
                 in("account name", "admin", "admin"), pw("Empty: keep", ""), apply()});
  const auto result = run(script, preset, {find_step("admin")});
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, preset);
  EXPECT_NE(script.summaries[0].find("admin.password = ********"), std::string::npos) << script.summaries[0];

  Script quit({back(Kind::input, "account name"), yes("Quit the setup")});
  EXPECT_EQ(run(quit, preset, {find_step("admin")}), std::nullopt);
}

}  // namespace
}  // namespace portcullis::firstboot
