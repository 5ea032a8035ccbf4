// smtp/reputation_policy: the connection-level checks' settings read from a snapshot once.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "smtp/reputation_policy.hpp"

namespace portcullis::smtp {
namespace {

namespace ip = boost::asio::ip;

std::shared_ptr<policy::Snapshot> snapshot(std::map<std::string, std::string, std::less<>> settings) {
  auto s = std::make_shared<policy::Snapshot>();
  s->settings = std::move(settings);
  return s;
}

TEST(ReputationPolicy, DefaultsLeaveTheOptionalChecksOffAndExemptLoopback) {
  const auto p = compile_reputation(snapshot({}), "mx.test", {});
  EXPECT_EQ(p->helo, CheckMode::off);
  EXPECT_EQ(p->sender_domain, CheckMode::off);
  EXPECT_EQ(p->auto_ban.max_failures, 5u);
  EXPECT_EQ(p->auto_ban.ban_for.count(), 3600);
  EXPECT_EQ(p->rates.connections_per_minute, 0u);
  EXPECT_EQ(p->rates.messages_per_minute, 0u);
  EXPECT_EQ(p->rates.recipients_per_minute, 0u);
  EXPECT_TRUE(p->is_exempt(ip::make_address("127.0.0.9")));
  EXPECT_TRUE(p->is_exempt(ip::make_address("::1")));
  EXPECT_FALSE(p->is_exempt(ip::make_address("192.0.2.1")));
  EXPECT_TRUE(p->greylist.bypass_spf_pass);
  EXPECT_EQ(p->greylist.delay.count(), 300);
}

TEST(ReputationPolicy, SettingsAreRead) {
  const auto p = compile_reputation(snapshot({{"auto-ban-failures", "3"},
                                              {"auto-ban-window", "60"},
                                              {"auto-ban-duration", "120"},
                                              {"rate-limit-connections", "10"},
                                              {"rate-limit-messages", "20"},
                                              {"rate-limit-recipients", "30"},
                                              {"reputation-exempt", "192.0.2.0/24, 2001:db8::/32"},
                                              {"greylist-delay", "7"},
                                              {"greylist-bypass-spf", "off"},
                                              {"greylist-allow", "@partner.test, 198.51.100.0/24"}}),
                                    "mx.test", {});
  EXPECT_EQ(p->auto_ban.max_failures, 3u);
  EXPECT_EQ(p->auto_ban.window.count(), 60);
  EXPECT_EQ(p->auto_ban.ban_for.count(), 120);
  EXPECT_EQ(p->rates.connections_per_minute, 10u);
  EXPECT_EQ(p->rates.messages_per_minute, 20u);
  EXPECT_EQ(p->rates.recipients_per_minute, 30u);
  EXPECT_EQ(p->rates.hostname, "mx.test");
  EXPECT_FALSE(p->is_exempt(ip::make_address("127.0.0.1")));
  EXPECT_TRUE(p->is_exempt(ip::make_address("192.0.2.200")));
  EXPECT_TRUE(p->is_exempt(ip::make_address("2001:db8::5")));
  EXPECT_EQ(p->greylist.delay.count(), 7);
  EXPECT_FALSE(p->greylist.bypass_spf_pass);
  EXPECT_EQ(p->greylist.bypass_senders, std::vector<std::string>{"@partner.test"});
  ASSERT_EQ(p->greylist.bypass_networks.size(), 1u);

  const auto none = compile_reputation(snapshot({{"reputation-exempt", "none"}}), "mx.test", {});
  EXPECT_FALSE(none->is_exempt(ip::make_address("127.0.0.1")));
}

TEST(ReputationPolicy, HeloModes) {
  const std::vector<ip::address> ours{ip::make_address("192.0.2.25")};
  const auto score = compile_reputation(snapshot({{"helo-check", "score"}}), "mx.test", ours);
  EXPECT_EQ(score->helo, CheckMode::score);
  EXPECT_FALSE(score->helo_settings.localhost.reject);
  EXPECT_FALSE(score->helo_settings.check_dns);
  EXPECT_EQ(score->helo_settings.our_names, std::vector<std::string>{"mx.test"});
  EXPECT_EQ(score->helo_settings.our_addresses, ours);

  const auto reject = compile_reputation(snapshot({{"helo-check", "reject"}, {"helo-check-dns", "on"}}), "mx.test", ours);
  const auto& h = reject->helo_settings;
  EXPECT_TRUE(h.syntax.reject && h.bare_ip.reject && h.localhost.reject && h.is_us.reject && h.literal_mismatch.reject);
  EXPECT_FALSE(h.not_fqdn.reject);   // many honest servers say a single label
  EXPECT_FALSE(h.no_fcrdns.reject);  // scored only
  EXPECT_TRUE(h.check_dns);
}

TEST(ReputationPolicy, SenderDomainModes) {
  const auto score = compile_reputation(snapshot({{"sender-domain-check", "score"}}), "mx.test", {});
  EXPECT_EQ(score->sender_domain, CheckMode::score);
  EXPECT_FALSE(score->sender_settings.nxdomain.reject);
  EXPECT_FALSE(score->sender_settings.tempfail);
  const auto reject = compile_reputation(snapshot({{"sender-domain-check", "reject"}}), "mx.test", {});
  EXPECT_TRUE(reject->sender_settings.null_mx.reject && reject->sender_settings.nxdomain.reject &&
              reject->sender_settings.no_address.reject);
  EXPECT_TRUE(reject->sender_settings.tempfail);
}

TEST(ReputationPolicy, ZonesAreSortedByStageAndBadOnesLeftOut) {
  auto s = snapshot({});
  s->dnsbl_zones = {store::DnsblZone{"zen.example", "", "block", 0, "connect", ""},
                    store::DnsblZone{"late.example", "127.0.0.4", "score", 2.5, "rcpt", ""},
                    store::DnsblZone{"bad..zone", "", "score", 1, "connect", ""},
                    store::DnsblZone{"pattern.example", "10.0.0.1", "score", 1, "rcpt", ""}};
  const auto p = compile_reputation(s, "mx.test", {});
  ASSERT_EQ(p->connect_zones.size(), 1u);
  EXPECT_EQ(p->connect_zones[0].zone, "zen.example");
  EXPECT_EQ(p->connect_zones[0].action, checks::dnsbl::Action::block);
  ASSERT_EQ(p->rcpt_zones.size(), 1u);
  EXPECT_EQ(p->rcpt_zones[0].zone, "late.example");
  EXPECT_DOUBLE_EQ(p->rcpt_zones[0].score, 2.5);
  EXPECT_EQ(p->snapshot, s);
}

}  // namespace
}  // namespace portcullis::smtp
