#include <gtest/gtest.h>

#include "core/config.hpp"

using portcullis::core::Config;
using portcullis::core::ConfigError;
using portcullis::core::ListenerRole;
using portcullis::core::parse_config;

namespace {
std::string error_of(const std::string& text) {
  try {
    parse_config(text, "test.toml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}
}  // namespace

TEST(Config, EmptyFileGivesDefaults) {
  Config c = parse_config("", "empty.toml");
  ASSERT_EQ(c.listeners.size(), 1u);
  EXPECT_EQ(c.listeners[0].address, "127.0.0.1");
  EXPECT_EQ(c.listeners[0].port, 2525);
  EXPECT_EQ(c.limits.message_size, 25u * 1024 * 1024);
  EXPECT_EQ(c.limits.recipients, 100u);
  EXPECT_EQ(c.timeouts.command.count(), 300);
  EXPECT_EQ(c.delivery.expiry.count(), 5 * 24 * 3600);
  EXPECT_EQ(c.store, "sqlite:/var/lib/portcullis/portcullis.db");
  EXPECT_FALSE(c.hostname.empty());
}

TEST(Config, ReadsEveryGroup) {
  Config c = parse_config(R"(
hostname = "mx.example.org"
log_level = "debug"
spool_dir = "spool"
data_dir = "/srv/data"
store = "sqlite:db/p.db"
policy_refresh = "2s"
[[listener]]
address = "[::1]:25"
role = "inbound"
[[listener]]
address = "127.0.0.1:587"
role = "submission"
[limits]
message_size = 1000
recipients = 5
errors = 3
sessions = 7
sessions_per_ip = 2
[timeouts]
command = "5m"
data_block = 60
connect = "10s"
dns = 3
[delivery]
resolvers = ["127.0.0.1:5353", "::1"]
retry_base = "30s"
retry_max = "2h"
expiry = "1d"
concurrency_per_destination = 4
mx_port = 2526
)",
                          "full.toml", "/etc/portcullis");
  EXPECT_EQ(c.hostname, "mx.example.org");
  EXPECT_EQ(c.spool_dir, "/etc/portcullis/spool");
  EXPECT_EQ(c.data_dir, "/srv/data");
  EXPECT_EQ(c.store, "sqlite:/etc/portcullis/db/p.db");
  EXPECT_EQ(c.policy_refresh.count(), 2);
  ASSERT_EQ(c.listeners.size(), 2u);
  EXPECT_EQ(c.listeners[0].address, "::1");
  EXPECT_EQ(c.listeners[0].port, 25);
  EXPECT_EQ(c.listeners[1].role, ListenerRole::submission);
  EXPECT_EQ(c.limits.message_size, 1000u);
  EXPECT_EQ(c.limits.sessions_per_ip, 2u);
  EXPECT_EQ(c.timeouts.command.count(), 300);
  EXPECT_EQ(c.timeouts.data_block.count(), 60);
  EXPECT_EQ(c.delivery.resolvers.size(), 2u);
  EXPECT_EQ(c.delivery.retry_max.count(), 7200);
  EXPECT_EQ(c.delivery.expiry.count(), 86400);
  EXPECT_EQ(c.delivery.mx_port, 2526);
}

TEST(Config, UnknownKeyIsNamedWithLine) {
  const std::string e = error_of("hostname = \"a.example\"\n\n[limits]\nmesage_size = 10\n");
  EXPECT_NE(e.find("limits.mesage_size"), std::string::npos) << e;
  EXPECT_NE(e.find("unknown key"), std::string::npos) << e;
  EXPECT_NE(e.find("test.toml:4"), std::string::npos) << e;
}

TEST(Config, BadValuesAreNamed) {
  EXPECT_NE(error_of("[limits]\nrecipients = -1\n").find("limits.recipients"), std::string::npos);
  EXPECT_NE(error_of("[limits]\nrecipients = \"many\"\n").find("expected an integer"), std::string::npos);
  EXPECT_NE(error_of("log_level = \"loud\"\n").find("log_level"), std::string::npos);
  EXPECT_NE(error_of("[[listener]]\naddress = \"localhost:25\"\n").find("not an IP address"), std::string::npos);
  EXPECT_NE(error_of("[[listener]]\naddress = \"127.0.0.1:70000\"\n").find("bad port"), std::string::npos);
  EXPECT_NE(error_of("[[listener]]\naddress = \"127.0.0.1:25\"\nrole = \"relay\"\n").find("listener.role"),
            std::string::npos);
  EXPECT_NE(error_of("store = \"postgres://x\"\n").find("store"), std::string::npos);
  EXPECT_NE(error_of("[timeouts]\ncommand = \"5 weeks\"\n").find("bad duration"), std::string::npos);
  EXPECT_NE(error_of("hostname = \"bad host\"\n").find("hostname"), std::string::npos);
  EXPECT_NE(error_of("limits = 3\n").find("expected a table"), std::string::npos);
}

TEST(Config, GreetDelayMayBeZero) {
  EXPECT_EQ(parse_config("").timeouts.greet_delay.count(), 0);
  EXPECT_EQ(parse_config("[timeouts]\ngreet_delay = 0\n").timeouts.greet_delay.count(), 0);
  EXPECT_EQ(parse_config("[timeouts]\ngreet_delay = \"3s\"\n").timeouts.greet_delay.count(), 3);
  EXPECT_NE(error_of("[timeouts]\ngreet_delay = -1\n").find("timeouts.greet_delay"), std::string::npos);
  // Zero is special to greet_delay: other timeouts must be positive.
  EXPECT_NE(error_of("[timeouts]\ncommand = 0\n").find("timeouts.command"), std::string::npos);
}

TEST(Config, TrackingAndStorePasswordFile) {
  const auto d = parse_config("");
  EXPECT_TRUE(d.tracking.enabled);
  EXPECT_EQ(d.tracking.retention.count(), 30 * 86400);
  EXPECT_TRUE(d.store_password_file.empty());
  const auto c = parse_config("store_password_file = \"db.pw\"\n[tracking]\nenabled = false\nretention = \"7d\"\n",
                              "t.toml", "/etc/portcullis");
  EXPECT_FALSE(c.tracking.enabled);
  EXPECT_EQ(c.tracking.retention.count(), 7 * 86400);
  EXPECT_EQ(c.store_password_file, "/etc/portcullis/db.pw");
  EXPECT_NE(error_of("[tracking]\nenabled = 1\n").find("tracking.enabled"), std::string::npos);
}

TEST(Config, Scanners) {
  const auto d = parse_config("");
  EXPECT_TRUE(d.scanners.clamd.empty());  // not used unless configured
  EXPECT_TRUE(d.scanners.spamd.empty());
  EXPECT_EQ(d.scanners.timeout.count(), 60);
  EXPECT_EQ(d.scanners.max_size, 10u * 1024 * 1024);
  const auto c = parse_config(
      "[scanners]\nclamd = \"unix:/run/clamav/clamd.ctl\"\nspamd = \"tcp:127.0.0.1:783\"\n"
      "timeout = \"30s\"\nmax_size = 1048576\n");
  EXPECT_EQ(c.scanners.clamd, "unix:/run/clamav/clamd.ctl");
  EXPECT_EQ(c.scanners.spamd, "tcp:127.0.0.1:783");
  EXPECT_EQ(c.scanners.timeout.count(), 30);
  EXPECT_EQ(c.scanners.max_size, 1048576u);
  EXPECT_NE(error_of("[scanners]\nclamd = \"/run/clamd.ctl\"\n").find("scanners.clamd"), std::string::npos);
  EXPECT_NE(error_of("[scanners]\nspamd = \"tcp:127.0.0.1\"\n").find("scanners.spamd"), std::string::npos);
  EXPECT_NE(error_of("[scanners]\nspamd = \"tcp:host:\"\n").find("scanners.spamd"), std::string::npos);
  EXPECT_NE(error_of("[scanners]\nmax_size = 0\n").find("scanners.max_size"), std::string::npos);
  EXPECT_NE(error_of("[scanners]\nicap = \"x\"\n").find("unknown key"), std::string::npos);
  EXPECT_EQ(d.quarantine.sweep.count(), 300);
  EXPECT_EQ(parse_config("[quarantine]\nsweep = \"2s\"\n").quarantine.sweep.count(), 2);
  EXPECT_NE(error_of("[quarantine]\nsweep = 0\n").find("quarantine.sweep"), std::string::npos);
}

TEST(Config, ControlSocketAndMetrics) {
  const auto d = parse_config("");
  EXPECT_EQ(d.control_socket, "/run/portcullis/control.sock");
  EXPECT_EQ(d.control_group, "portcullis");
  EXPECT_TRUE(d.metrics_address.empty());
  const auto c = parse_config("control_socket = \"run/c.sock\"\ncontrol_group = \"mail\"\n"
                              "[metrics]\naddress = \"127.0.0.1:9725\"\n",
                              "t.toml", "/srv/pc");
  EXPECT_EQ(c.control_socket, "/srv/pc/run/c.sock");
  EXPECT_EQ(c.control_group, "mail");
  EXPECT_EQ(c.metrics_address, "127.0.0.1:9725");
  EXPECT_NE(error_of("[metrics]\naddress = \"localhost\"\n").find("metrics.address"), std::string::npos);
  EXPECT_NE(error_of("[metrics]\nport = 1\n").find("metrics.port"), std::string::npos);
}

TEST(Config, SyntaxErrorIsReported) { EXPECT_FALSE(error_of("hostname = \n").empty()); }

TEST(Config, Rules) {
  const auto d = parse_config("");
  EXPECT_EQ(d.rules.dir, "/etc/portcullis/rules.d");
  EXPECT_EQ(d.rules.workers, 2u);
  EXPECT_EQ(d.rules.time_limit.count(), 500);
  EXPECT_TRUE(d.rules.failure_tempfails);
  const auto c = parse_config(
      "[rules]\ndir = \"rules\"\nworkers = 4\ninstructions = 1000\nmemory_mb = 8\ntime_limit_ms = 50\n"
      "on_failure = \"continue\"\npoll = \"10s\"\n",
      "t.toml", "/etc/portcullis");
  EXPECT_EQ(c.rules.dir, "/etc/portcullis/rules");
  EXPECT_EQ(c.rules.workers, 4u);
  EXPECT_EQ(c.rules.instructions, 1000u);
  EXPECT_EQ(c.rules.memory_mb, 8u);
  EXPECT_EQ(c.rules.time_limit.count(), 50);
  EXPECT_FALSE(c.rules.failure_tempfails);
  EXPECT_EQ(c.rules.poll.count(), 10);
  EXPECT_NE(error_of("[rules]\non_failure = \"panic\"\n").find("rules.on_failure"), std::string::npos);
  EXPECT_NE(error_of("[rules]\nworkers = 0\n").find("rules.workers"), std::string::npos);
  EXPECT_NE(error_of("[rules]\nlanguage = \"python\"\n").find("rules.language"), std::string::npos);
}
