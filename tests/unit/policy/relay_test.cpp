// The relay decision, table-driven: every routing trick, domain look-alike, client family,
// relay network and recipient mode. See policy_fixture.hpp for the policy.
#include "policy/relay.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "policy_fixture.hpp"

namespace portcullis::policy {

void PrintTo(RcptVerdict v, std::ostream* os) {
  constexpr const char* names[] = {"accept_inbound", "accept_outbound", "relay_denied",
                                   "unknown_user",   "bad_address",     "tempfail"};
  *os << names[static_cast<int>(v)];
}

namespace {

using testing::ip;
using testing::mailbox;
using V = RcptVerdict;

constexpr const char* OUT4 = "198.51.100.7";
constexpr const char* IN4 = "192.0.2.55";
constexpr const char* MAP_IN = "::ffff:192.0.2.55";
constexpr const char* MAP_OUT = "::ffff:198.51.100.7";
constexpr const char* IN6 = "2001:db8:1::25";
constexpr const char* OUT6 = "2001:db8:2::25";
constexpr const char* HOST = "10.0.0.1";
constexpr const char* NEAR = "10.0.0.2";
constexpr const char* LOOPBACK = "127.0.0.1";
constexpr const char* OK = "250 2.1.5 Ok";

std::string denied(const std::string& shown) { return "554 5.7.1 <" + shown + ">: Relay access denied"; }
std::string unknown(const std::string& shown) {
  return "550 5.1.1 <" + shown + ">: Recipient address rejected: User unknown";
}
std::string temp(const std::string& shown, const std::string& why) { return "451 4.3.0 <" + shown + ">: " + why; }

struct Case {
  std::string name;
  mail::Mailbox rcpt;
  const char* client;
  bool auth;
  V verdict;
  std::string reply;
  std::vector<std::string> deliver_to;
};

std::vector<Case> cases() {
  const auto m = [](const char* local, const char* domain) { return mailbox(local, domain); };
  const auto q = [](const char* local, const char* domain) { return mailbox(local, domain, true); };
  return {
      // (b) our domain, mode all
      {"inbound_plain", m("user", "ours.example"), OUT4, false, V::accept_inbound, OK, {"user@ours.example"}},
      {"inbound_v6_client", m("user", "ours.example"), OUT6, false, V::accept_inbound, OK, {"user@ours.example"}},
      {"inbound_case_kept_in_local", m("User", "OURS.Example"), OUT4, false, V::accept_inbound, OK,
       {"User@ours.example"}},
      {"inbound_from_relaynet", m("user", "ours.example"), IN4, false, V::accept_inbound, OK, {"user@ours.example"}},
      {"inbound_authenticated", m("user", "ours.example"), OUT4, true, V::accept_inbound, OK, {"user@ours.example"}},
      {"inbound_quoted_local", q("john doe", "ours.example"), OUT4, false, V::accept_inbound, OK,
       {"\"john doe\"@ours.example"}},
      {"alias_forward_outside", m("info", "ours.example"), OUT4, false, V::accept_inbound, OK,
       {"Boss@partner.example"}},
      {"alias_case_insensitive", m("INFO", "Ours.Example"), OUT4, false, V::accept_inbound, OK,
       {"Boss@partner.example"}},
      {"alias_keep_copy", m("keep", "ours.example"), OUT4, false, V::accept_inbound, OK,
       {"keep@ours.example", "copy@partner.example"}},
      {"alias_diamond_dedup", m("team", "ours.example"), OUT4, false, V::accept_inbound, OK,
       {"z@partner.example", "w@partner.example"}},
      {"alias_chain_8_hops", m("c0", "ours.example"), OUT4, false, V::accept_inbound, OK, {"c8@ours.example"}},
      {"alias_chain_9_hops", m("d0", "ours.example"), OUT4, false, V::tempfail,
       temp("d0@ours.example", "alias expansion too deep"), {}},
      {"alias_loop", m("loop1", "ours.example"), OUT4, false, V::tempfail, temp("loop1@ours.example", "alias loop"), {}},
      {"alias_loop_from_relaynet", m("loop2", "ours.example"), IN4, true, V::tempfail,
       temp("loop2@ours.example", "alias loop"), {}},
      {"alias_no_targets", m("empty", "ours.example"), OUT4, false, V::tempfail,
       temp("empty@ours.example", "alias misconfigured"), {}},
      {"alias_bad_target", m("bad", "ours.example"), OUT4, false, V::tempfail,
       temp("bad@ours.example", "alias misconfigured"), {}},
      // (b) mode specified
      {"specified_known", m("alice", "spec.example"), OUT4, false, V::accept_inbound, OK, {"alice@spec.example"}},
      {"specified_known_case", m("ALICE", "Spec.Example"), OUT4, false, V::accept_inbound, OK,
       {"ALICE@spec.example"}},
      {"specified_unknown", m("carol", "spec.example"), OUT4, false, V::unknown_user, unknown("carol@spec.example"), {}},
      {"specified_unknown_v6", m("carol", "spec.example"), OUT6, false, V::unknown_user,
       unknown("carol@spec.example"), {}},
      {"specified_unknown_from_relaynet", m("carol", "spec.example"), IN4, false, V::unknown_user,
       unknown("carol@spec.example"), {}},
      {"specified_unknown_authenticated", m("carol", "spec.example"), OUT4, true, V::unknown_user,
       unknown("carol@spec.example"), {}},
      {"specified_alias", m("sales", "spec.example"), OUT4, false, V::accept_inbound, OK,
       {"Alice@spec.example", "ext@partner.example"}},
      {"specified_nested_alias", m("fwd", "spec.example"), OUT4, false, V::accept_inbound, OK,
       {"Alice@spec.example", "ext@partner.example", "bob@spec.example"}},
      {"specified_alias_loop_case", m("loopy", "spec.example"), OUT4, false, V::tempfail,
       temp("loopy@spec.example", "alias loop"), {}},
      {"catchall_catches_unknown", m("anyone", "catch.example"), OUT4, false, V::accept_inbound, OK,
       {"admin@catch.example"}},
      {"catchall_target_itself", m("admin", "catch.example"), OUT4, false, V::accept_inbound, OK,
       {"admin@catch.example"}},
      {"catchall_spares_listed", m("listed", "catch.example"), OUT4, false, V::accept_inbound, OK,
       {"listed@catch.example"}},
      // Look-alike domains are not ours: relay rules apply
      {"superdomain_suffix", m("user", "ours.example.evil"), OUT4, false, V::relay_denied,
       denied("user@ours.example.evil"), {}},
      {"superdomain_suffix_case", m("user", "OURS.EXAMPLE.EVIL"), OUT4, false, V::relay_denied,
       denied("user@ours.example.evil"), {}},
      {"subdomain", m("user", "evil.ours.example"), OUT4, false, V::relay_denied, denied("user@evil.ours.example"), {}},
      {"subdomain_of_specified", m("alice", "x.spec.example"), OUT4, false, V::relay_denied,
       denied("alice@x.spec.example"), {}},
      {"prefix_glued", m("user", "xours.example"), OUT4, false, V::relay_denied, denied("user@xours.example"), {}},
      {"truncated", m("user", "ours.exampl"), OUT4, false, V::relay_denied, denied("user@ours.exampl"), {}},
      {"parent", m("user", "example"), OUT4, false, V::relay_denied, denied("user@example"), {}},
      {"hyphen_lookalike", m("user", "ours-example"), OUT4, false, V::relay_denied, denied("user@ours-example"), {}},
      {"utf8_domain_never_ours", m("user", "\xC3\xB6urs.example"), OUT4, false, V::relay_denied,
       denied("user@\xC3\xB6urs.example"), {}},
      {"subdomain_from_relaynet_is_outbound", m("user", "evil.ours.example"), IN4, false, V::accept_outbound, OK,
       {"user@evil.ours.example"}},
      // (c)/(d) foreign domains by client
      {"foreign_outside_v4", m("user", "partner.example"), OUT4, false, V::relay_denied,
       denied("user@partner.example"), {}},
      {"foreign_inside_v4", m("user", "partner.example"), IN4, false, V::accept_outbound, OK,
       {"user@partner.example"}},
      {"foreign_mapped_inside", m("user", "partner.example"), MAP_IN, false, V::accept_outbound, OK,
       {"user@partner.example"}},
      {"foreign_mapped_outside", m("user", "partner.example"), MAP_OUT, false, V::relay_denied,
       denied("user@partner.example"), {}},
      {"foreign_inside_v6", m("user", "partner.example"), IN6, false, V::accept_outbound, OK,
       {"user@partner.example"}},
      {"foreign_outside_v6", m("user", "partner.example"), OUT6, false, V::relay_denied,
       denied("user@partner.example"), {}},
      {"foreign_host_route", m("user", "partner.example"), HOST, false, V::accept_outbound, OK,
       {"user@partner.example"}},
      {"foreign_next_to_host_route", m("user", "partner.example"), NEAR, false, V::relay_denied,
       denied("user@partner.example"), {}},
      {"foreign_loopback_not_trusted", m("user", "partner.example"), LOOPBACK, false, V::relay_denied,
       denied("user@partner.example"), {}},
      {"foreign_authenticated_v4", m("user", "partner.example"), OUT4, true, V::accept_outbound, OK,
       {"user@partner.example"}},
      {"foreign_authenticated_v6", m("user", "partner.example"), OUT6, true, V::accept_outbound, OK,
       {"user@partner.example"}},
      {"foreign_case_kept_in_local", m("User", "Partner.Example"), IN4, false, V::accept_outbound, OK,
       {"User@partner.example"}},
      {"foreign_quoted_local", q("john doe", "partner.example"), IN4, false, V::accept_outbound, OK,
       {"\"john doe\"@partner.example"}},
      {"foreign_quoted_local_denied", q("john doe", "partner.example"), OUT4, false, V::relay_denied,
       denied("\"john doe\"@partner.example"), {}},
  };
}

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class RelayTable : public ::testing::TestWithParam<Case> {};

TEST_P(RelayTable, Decides) {
  static const Snapshot policy = testing::make_policy();
  const Case& c = GetParam();
  const RcptDecision d = decide_recipient(policy, c.rcpt, ip(c.client), c.auth);
  EXPECT_EQ(d.verdict, c.verdict);
  EXPECT_EQ(d.reply, c.reply);
  EXPECT_EQ(d.deliver_to, c.deliver_to);
  EXPECT_EQ(d.accepted(), !d.deliver_to.empty());
}

INSTANTIATE_TEST_SUITE_P(All, RelayTable, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& p) { return p.param.name; });

// (a) Routing tricks and unroutable forms: refused for every client, authenticated or not,
// whatever the domain.
struct Trick {
  std::string name;
  mail::Mailbox rcpt;
  std::string shown;
};

std::vector<Trick> tricks() {
  const auto m = [](const char* local, const char* domain) { return mailbox(local, domain); };
  const auto q = [](const char* local, const char* domain) { return mailbox(local, domain, true); };
  const auto lit = [](const char* local, const char* domain) { return mailbox(local, domain, false, true); };
  return {
      {"percent_hack", m("user%other.example", "ours.example"), "user%other.example@ours.example"},
      {"percent_hack_case", m("USER%OTHER", "OURS.EXAMPLE"), "USER%OTHER@ours.example"},
      {"percent_hack_specified_known_prefix", m("alice%evil.example", "spec.example"),
       "alice%evil.example@spec.example"},
      {"percent_hack_foreign", m("user%other", "partner.example"), "user%other@partner.example"},
      {"bang_path", m("other.example!user", "ours.example"), "other.example!user@ours.example"},
      {"bang_path_suffix", m("user!other", "ours.example"), "user!other@ours.example"},
      {"quoted_at", q("user@evil.example", "ours.example"), "\"user@evil.example\"@ours.example"},
      {"quoted_percent", q("user%evil.example", "ours.example"), "user%evil.example@ours.example"},
      {"quoted_bang", q("evil.example!user", "ours.example"), "evil.example!user@ours.example"},
      {"unquoted_at", m("user@evil.example", "ours.example"), "\"user@evil.example\"@ours.example"},
      {"source_route_remnant", m("@relay.example:user", "ours.example"), "\"@relay.example:user\"@ours.example"},
      {"at_catchall_key", m("", "ours.example"), "\"\"@ours.example"},
      {"quoted_empty_local", q("", "catch.example"), "\"\"@catch.example"},
      {"literal_v4", lit("user", "[192.0.2.1]"), "user@[192.0.2.1]"},
      {"literal_v6", lit("user", "[ipv6:2001:db8::1]"), "user@[ipv6:2001:db8::1]"},
      {"literal_unflagged", m("user", "[192.0.2.1]"), "user@[192.0.2.1]"},
      {"literal_own_ip", lit("postmaster", "[10.0.0.1]"), "postmaster@[10.0.0.1]"},
      {"empty_domain", m("user", ""), "user@"},
      {"trailing_dot", m("user", "ours.example."), "user@ours.example."},
      {"trailing_dot_specified", m("alice", "spec.example."), "alice@spec.example."},
      {"leading_dot", m("user", ".ours.example"), "user@.ours.example"},
      {"empty_label", m("user", "ours..example"), "user@ours..example"},
      {"lone_dot", m("user", "."), "user@."},
  };
}

void PrintTo(const Trick& t, std::ostream* os) { *os << t.name; }

class RelayTricks : public ::testing::TestWithParam<Trick> {};

TEST_P(RelayTricks, RefusedForEveryClient) {
  static const Snapshot policy = testing::make_policy();
  Snapshot open_policy = testing::make_policy();
  open_policy.relaynets = {*Cidr::parse("0.0.0.0/0"), *Cidr::parse("::/0")};
  const Trick& t = GetParam();
  for (const Snapshot* snap : {&policy, static_cast<const Snapshot*>(&open_policy)}) {
    for (const char* client : {OUT4, IN4, MAP_IN, MAP_OUT, IN6, OUT6, HOST, LOOPBACK, "::1"}) {
      for (bool auth : {false, true}) {
        const RcptDecision d = decide_recipient(*snap, t.rcpt, ip(client), auth);
        EXPECT_EQ(d.verdict, V::bad_address) << client << " auth=" << auth;
        EXPECT_EQ(d.reply, denied(t.shown)) << client << " auth=" << auth;
        EXPECT_TRUE(d.deliver_to.empty());
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(All, RelayTricks, ::testing::ValuesIn(tricks()),
                         [](const ::testing::TestParamInfo<Trick>& p) { return p.param.name; });

TEST(Relay, EmptyRelaynetsRelayForNobodyButAuthenticated) {
  Snapshot s = testing::make_policy();
  s.relaynets.clear();
  for (const char* client : {OUT4, IN4, MAP_IN, IN6, HOST, LOOPBACK, "::1", "0.0.0.0", "::"}) {
    EXPECT_EQ(decide_recipient(s, mailbox("u", "partner.example"), ip(client)).verdict, V::relay_denied) << client;
    EXPECT_EQ(decide_recipient(s, mailbox("u", "partner.example"), ip(client), true).verdict, V::accept_outbound);
    EXPECT_EQ(decide_recipient(s, mailbox("u", "ours.example"), ip(client)).verdict, V::accept_inbound);
  }
}

TEST(Relay, ZeroPrefixRelaynetsCoverOneFamilyEach) {
  Snapshot s = testing::make_policy();
  s.relaynets = {*Cidr::parse("0.0.0.0/0")};
  const auto rcpt = mailbox("u", "partner.example");
  EXPECT_EQ(decide_recipient(s, rcpt, ip(OUT4)).verdict, V::accept_outbound);
  EXPECT_EQ(decide_recipient(s, rcpt, ip(MAP_OUT)).verdict, V::accept_outbound);
  EXPECT_EQ(decide_recipient(s, rcpt, ip(OUT6)).verdict, V::relay_denied);
  s.relaynets = {*Cidr::parse("::/0")};
  EXPECT_EQ(decide_recipient(s, rcpt, ip(OUT6)).verdict, V::accept_outbound);
  EXPECT_EQ(decide_recipient(s, rcpt, ip(OUT4)).verdict, V::relay_denied);
  EXPECT_EQ(decide_recipient(s, rcpt, ip(MAP_OUT)).verdict, V::relay_denied);
}

TEST(Relay, EmptyPolicyDeniesEverything) {
  const Snapshot s;
  for (const char* client : {OUT4, IN6, LOOPBACK})
    EXPECT_EQ(decide_recipient(s, mailbox("postmaster", "ours.example"), ip(client)).verdict, V::relay_denied);
}

TEST(Relay, ControlCharactersAreRefusedAndNeverEchoed) {
  const Snapshot s = testing::make_policy();
  for (const auto& rcpt : {mailbox("a\r\nRSET\r\nb", "partner.example", true), mailbox("user", "ours.example\r\nX"),
                           mailbox("a\x7f", "ours.example", true), mailbox(std::string("a\0b", 3), "ours.example", true)}) {
    for (bool auth : {false, true}) {
      const auto d = decide_recipient(s, rcpt, ip(IN4), auth);
      EXPECT_EQ(d.verdict, V::bad_address) << d.reply;
      EXPECT_EQ(d.reply.find_first_of(std::string("\r\n\x7f\0", 4)), std::string::npos) << d.reply;
    }
  }
  EXPECT_EQ(decide_recipient(s, mailbox("a\r\nRSET\r\nb", "partner.example", true), ip(OUT4)).reply,
            denied("\"a??RSET??b\"@partner.example"));
}

TEST(Relay, NonLdhDomainOctetsAreRefused) {
  const Snapshot s = testing::make_policy();
  for (const char* domain : {"ours.example x", "ours_example", "ours.example/", "ours.example:25", "ours.example%x",
                             "ours.example\\", "(ours.example)", "ours.example,evil.example"}) {
    const auto d = decide_recipient(s, mailbox("user", domain), ip(IN4), true);
    EXPECT_EQ(d.verdict, V::bad_address) << domain;
  }
}

TEST(Relay, QuotedLocalEscapesQuoteAndBackslash) {
  const Snapshot s = testing::make_policy();
  const auto d = decide_recipient(s, mailbox("a\"b\\c", "ours.example", true), ip(OUT4));
  EXPECT_EQ(d.verdict, V::accept_inbound);
  EXPECT_EQ(d.deliver_to, std::vector<std::string>{"\"a\\\"b\\\\c\"@ours.example"});
}

// RCPT TO:<Postmaster>
TEST(BarePostmaster, UsesPostmasterSettingFirst) {
  Snapshot s = testing::make_policy();
  s.settings = {{"postmaster", "pm@partner.example"}, {"admin-email", "admin@partner.example"}};
  const auto d = decide_bare_postmaster(s);
  EXPECT_EQ(d.verdict, V::accept_inbound);
  EXPECT_EQ(d.reply, OK);
  EXPECT_EQ(d.deliver_to, std::vector<std::string>{"pm@partner.example"});
}

TEST(BarePostmaster, FallsBackToAdminEmail) {
  Snapshot s = testing::make_policy();
  s.settings = {{"admin-email", "Admin@Partner.Example"}};
  const auto d = decide_bare_postmaster(s);
  EXPECT_EQ(d.verdict, V::accept_inbound);
  EXPECT_EQ(d.deliver_to, std::vector<std::string>{"Admin@partner.example"});
}

TEST(BarePostmaster, SkipsMalformedPostmasterSetting) {
  Snapshot s = testing::make_policy();
  s.settings = {{"postmaster", "nobody"}, {"admin-email", "admin@partner.example"}};
  EXPECT_EQ(decide_bare_postmaster(s).deliver_to, std::vector<std::string>{"admin@partner.example"});
}

TEST(BarePostmaster, ExpandsAliasesInOurDomains) {
  Snapshot s = testing::make_policy();
  s.settings = {{"postmaster", "postmaster@spec.example"}, {"admin-email", "boss@partner.example"}};
  s.aliases["postmaster@spec.example"] = {"boss@partner.example"};
  EXPECT_EQ(decide_bare_postmaster(s).deliver_to, std::vector<std::string>{"boss@partner.example"});
  // Accepted even where the postmaster is no listed recipient of a specified-mode domain.
  s.aliases.erase("postmaster@spec.example");
  const auto d = decide_bare_postmaster(s);
  EXPECT_EQ(d.verdict, V::accept_inbound);
  EXPECT_EQ(d.deliver_to, std::vector<std::string>{"postmaster@spec.example"});
}

TEST(BarePostmaster, AliasLoopTempfails) {
  Snapshot s = testing::make_policy();
  s.settings = {{"postmaster", "loop1@ours.example"}};
  const auto d = decide_bare_postmaster(s);
  EXPECT_EQ(d.verdict, V::tempfail);
  EXPECT_EQ(d.reply, "451 4.3.0 <Postmaster>: alias loop");
}

TEST(BarePostmaster, NeitherSettingIsA550WithAClearText) {
  Snapshot s = testing::make_policy();
  const auto d = decide_bare_postmaster(s);
  EXPECT_EQ(d.verdict, V::unknown_user);
  EXPECT_TRUE(d.deliver_to.empty());
  EXPECT_EQ(d.reply, "550 5.1.1 <Postmaster>: no postmaster address configured (set postmaster or admin-email)");
  s.settings = {{"postmaster", ""}, {"admin-email", "@"}};
  EXPECT_EQ(decide_bare_postmaster(s).verdict, V::unknown_user);
}

}  // namespace
}  // namespace portcullis::policy
