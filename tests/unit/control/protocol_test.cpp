// control::parse_command / format_response / parse_response, and the metrics text.
#include "control/protocol.hpp"

#include <gtest/gtest.h>

#include "control/metrics.hpp"

namespace portcullis::control {
namespace {

TEST(ControlProtocol, ParsesCommands) {
  auto c = parse_command("  QUEUE   flush\r");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->verb, "queue");
  EXPECT_EQ(c->args, std::vector<std::string>{"flush"});
  EXPECT_FALSE(parse_command(""));
  EXPECT_FALSE(parse_command("   "));
  EXPECT_FALSE(parse_command(std::string("sta\0tus", 7)));
  EXPECT_FALSE(parse_command("status\x1b[2J"));
  EXPECT_FALSE(parse_command(std::string(max_command_line + 1, 'a')));
  EXPECT_TRUE(parse_command(std::string(max_command_line, 'a')));
}

TEST(ControlProtocol, ResponsesRoundTripWithDotStuffing) {
  const std::vector<std::string> lines = {"a=1", ".hidden", "..two", "", "."};
  const std::string wire = format_response(lines);
  EXPECT_EQ(wire, "ok\na=1\n..hidden\n...two\n\n..\n.\n");
  Response r;
  EXPECT_EQ(parse_response(wire + "ok\n", r), wire.size());  // stops at the end of the first
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.lines, lines);
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    Response partial;
    EXPECT_EQ(parse_response(wire.substr(0, cut), partial), 0u) << cut;
  }
}

TEST(ControlProtocol, ErrorsAndLineBreaksInPayload) {
  Response r;
  const std::string e = format_error("no such\nthing");
  EXPECT_EQ(e, "error: no such thing\n.\n");
  EXPECT_EQ(parse_response(e, r), e.size());
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "no such thing");
  EXPECT_EQ(format_response({"two\nlines"}), "ok\ntwo lines\n.\n");  // one payload line stays one
  EXPECT_GT(parse_response("garbage\n.\n", r), 0u);
  EXPECT_FALSE(r.ok);
}

TEST(Metrics, ExpositionFormat) {
  Counters::Snapshot c;
  c.received = 3;
  c.delivered = 2;
  c.rejected["5.1.1"] = 4;
  c.rejected["odd\"reason"] = 1;
  Gauges g;
  g.sessions_active = 1;
  g.queue_messages = 5;
  g.queue_waiting = 2;
  g.uptime_seconds = 42;
  const std::string text = render_metrics(c, g);
  EXPECT_NE(text.find("# TYPE portcullis_messages_received_total counter\nportcullis_messages_received_total 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("portcullis_messages_delivered_total 2\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_rejections_total{reason=\"5.1.1\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_rejections_total{reason=\"odd\\\"reason\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_queue_messages{state=\"active\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_queue_messages{state=\"deferred\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_uptime_seconds 42\n"), std::string::npos);
  EXPECT_NE(text.find("portcullis_build_info{version=\""), std::string::npos);
  // Every sample line belongs to a metric announced with # TYPE before it.
  std::string announced;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t nl = text.find('\n', pos);
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("# TYPE ", 0) == 0) {
      announced = line.substr(7, line.find(' ', 7) - 7);
    } else if (line[0] != '#') {
      EXPECT_EQ(line.rfind(announced, 0), 0u) << line;
    }
  }
}

}  // namespace
}  // namespace portcullis::control
