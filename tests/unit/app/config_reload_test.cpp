// SIGHUP's config half: which keys a re-read file changes in the running daemon, and which are
// kept (and reported) until a restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "app/config_reload.hpp"

namespace portcullis::app {
namespace {

core::Config parse(const std::string& text) { return core::parse_config(text, "test.toml", "/etc/portcullis"); }

bool has(const std::vector<std::string>& keys, const std::string& k) {
  return std::find(keys.begin(), keys.end(), k) != keys.end();
}

TEST(ConfigReload, SameFileChangesNothing) {
  const std::string text = "hostname = \"mx.example.org\"\n[limits]\nrecipients = 50\n";
  auto live = parse(text);
  const auto out = apply_config(live, parse(text));
  EXPECT_TRUE(out.applied.empty());
  EXPECT_TRUE(out.needs_restart.empty());
  EXPECT_EQ(live.limits.recipients, 50u);
}

TEST(ConfigReload, LiveKeysTakeEffect) {
  auto live = parse("hostname = \"old.example.org\"\nlog_level = \"info\"\n");
  const auto fresh = parse(
      "hostname = \"new.example.org\"\nlog_level = \"debug\"\n"
      "[limits]\nmessage_size = 1000\nsessions_per_ip = 3\n"
      "[timeouts]\ncommand = 60\nshutdown = 2\n"
      "[delivery]\nretry_base = 30\nconcurrency = 7\n");
  const auto out = apply_config(live, fresh);
  EXPECT_EQ(live.hostname, "new.example.org");
  EXPECT_EQ(live.log_level, "debug");
  EXPECT_EQ(live.limits.message_size, 1000u);
  EXPECT_EQ(live.limits.sessions_per_ip, 3u);
  EXPECT_EQ(live.timeouts.command.count(), 60);
  EXPECT_EQ(live.timeouts.shutdown.count(), 2);
  EXPECT_EQ(live.delivery.retry_base.count(), 30);
  EXPECT_EQ(live.delivery.concurrency, 7u);
  for (const char* k : {"hostname", "log_level", "limits", "timeouts", "delivery"}) EXPECT_TRUE(has(out.applied, k)) << k;
  EXPECT_TRUE(out.needs_restart.empty());
}

TEST(ConfigReload, StartUpKeysAreKeptAndReported) {
  auto live = parse("spool_dir = \"/var/spool/portcullis\"\nuser = \"portcullis\"\nseccomp = \"enforce\"\n"
                    "[[listener]]\naddress = \"0.0.0.0:25\"\n"
                    "[delivery]\nresolvers = [\"127.0.0.1\"]\n[rules]\nworkers = 2\n");
  const auto fresh = parse("spool_dir = \"/srv/spool\"\nuser = \"mail\"\nseccomp = \"off\"\n"
                           "[[listener]]\naddress = \"0.0.0.0:2525\"\n"
                           "[delivery]\nresolvers = [\"10.0.0.53\"]\nretry_max = 600\n[rules]\nworkers = 4\n");
  const auto out = apply_config(live, fresh);
  EXPECT_EQ(live.spool_dir, "/var/spool/portcullis");
  EXPECT_EQ(live.user, "portcullis");
  EXPECT_EQ(live.seccomp, "enforce");
  ASSERT_EQ(live.listeners.size(), 1u);
  EXPECT_EQ(live.listeners[0].port, 25);
  EXPECT_EQ(live.delivery.resolvers, std::vector<std::string>{"127.0.0.1"});
  EXPECT_EQ(live.rules.workers, 2u);
  // ...while the live part of the same table moved on.
  EXPECT_EQ(live.delivery.retry_max.count(), 600);
  for (const char* k : {"spool_dir", "user", "seccomp", "listeners", "delivery.resolvers", "rules"})
    EXPECT_TRUE(has(out.needs_restart, k)) << k;
  EXPECT_TRUE(has(out.applied, "delivery"));
}

}  // namespace
}  // namespace portcullis::app
