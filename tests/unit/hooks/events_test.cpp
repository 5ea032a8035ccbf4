// Each event's view and the decisions and effects handlers can return.
#include <gtest/gtest.h>

#include "rules_fixture.hpp"

namespace portcullis::hooks::testing {
namespace {

TEST(HookEvents, NoHandlerMeansContinue) {
  RulesEngine r;
  r.load_ok("10-empty.lua", "-- nothing here\n");
  const Outcome o = r.run(event(EventKind::rcpt));
  EXPECT_EQ(o.action, Action::none);
  EXPECT_FALSE(o.failed);
  EXPECT_TRUE(o.trace.empty());
  EXPECT_FALSE(r.engine->handles(EventKind::rcpt));
}

TEST(HookEvents, ConnectViewAndReject) {
  RulesEngine r;
  r.load_ok("10-connect.lua", R"(
    function on_connect(ev)
      assert(ev.event == "connect")
      assert(ev.client_port == 40000 and ev.listener == "inbound")
      assert(ev.tls == false and ev.authenticated == false and ev.auth_user == nil)
      assert(ev.queue_id == nil)
      if ip.in_cidr(ev.client_ip, {"198.51.100.0/24", "192.0.2.0/28"}) then
        return reject(554, "5.7.1 Your network is not welcome")
      end
    end)");
  EXPECT_TRUE(r.engine->handles(EventKind::connect));
  const Outcome o = r.run(event(EventKind::connect));
  EXPECT_EQ(o.action, Action::reject);
  EXPECT_EQ(o.reply, "554 5.7.1 Your network is not welcome");
  EXPECT_EQ(o.decided_by, "10-connect.lua");
  auto other = event(EventKind::connect);
  other.client_ip = "203.0.113.5";
  EXPECT_EQ(r.run(other).action, Action::none);
}

TEST(HookEvents, HeloMailAndRcptViews) {
  RulesEngine r;
  r.load_ok("10-views.lua", R"(
    function on_helo(ev)
      if ev.helo == "localhost" then return reject("5.7.1 Bad HELO " .. ev.helo) end
    end
    function on_mail(ev)
      if ev.null_sender then return tempfail("Bounces are slow today") end
      if addr.domain(ev.sender) == "spam.example" then return reject(553, "5.7.1 No thanks") end
    end
    function on_rcpt(ev)
      assert(#ev.recipients == 1 and ev.recipients[1] == "bob@example.org")
      if ev.rcpt == "trap@example.org" then return discard() end
      if addr.localpart(ev.rcpt) == "sales" then ev:redirect("crm@example.org") end
      if ev.rcpt == "team@example.org" then ev:add_recipient("archive@example.org") end
    end)");
  auto helo = event(EventKind::helo);
  helo.helo = "localhost";
  EXPECT_EQ(r.run(helo).reply, "550 5.7.1 Bad HELO localhost");
  auto mail = event(EventKind::mail);
  mail.null_sender = true;
  mail.sender.clear();
  const Outcome t = r.run(mail);
  EXPECT_EQ(t.action, Action::tempfail);
  EXPECT_EQ(t.reply, "451 4.7.1 Bounces are slow today");
  mail.null_sender = false;
  mail.sender = "x@spam.example";
  EXPECT_EQ(r.run(mail).reply, "553 5.7.1 No thanks");

  auto rcpt = event(EventKind::rcpt);
  rcpt.rcpt = "trap@example.org";
  EXPECT_EQ(r.run(rcpt).action, Action::discard);
  rcpt.rcpt = "sales@example.org";
  const Outcome red = r.run(rcpt);
  EXPECT_EQ(red.action, Action::none);
  ASSERT_TRUE(red.set_recipients.has_value());
  EXPECT_EQ(*red.set_recipients, std::vector<std::string>{"crm@example.org"});
  rcpt.rcpt = "team@example.org";
  EXPECT_EQ(r.run(rcpt).add_recipients, std::vector<std::string>{"archive@example.org"});
}

TEST(HookEvents, DataViewHeadersBodyAndEffects) {
  RulesEngine r;
  r.load_ok("20-data.lua", R"(
    function on_data(ev)
      assert(ev.queue_id == "QID123")
      assert(ev:header("subject") == "Quarterly report")
      assert(ev.subject == "Quarterly report")
      local to = ev:headers("To")
      assert(#to == 2 and to[2] == "c@example.org")
      local all = ev:headers()
      assert(all[1].name == "From" and #all == 4)
      local from = ev:addresses("From")
      assert(from[1].name == "Alice Example" and from[1].address == "alice@sender.example")
      assert(ev:body(0, 5) == "Hello")
      assert(ev:body(6) == "world\r\n")
      assert(ev.body_size == 13)
      ev:add_header("X-Checked", "yes")
      ev:set_header("Subject", "[EXT] " .. ev.subject)
      ev:remove_header("X-Internal")
      ev:add_symbol("REPORT", 1.5)
      ev:add_score(2, "BIG_REPORT")
      assert(ev.score == 3.5 and ev.symbols.REPORT == 1.5)
      ev:set_route("[192.0.2.99]:2526")
    end)");
  MessageEvent m(
      "From: Alice Example <alice@sender.example>\r\nTo: b@example.org\r\nSubject: Quarterly report\r\n"
      "To: c@example.org\r\n\r\nHello world\r\n");
  const Outcome o = r.run(m.data);
  ASSERT_FALSE(o.failed) << (o.trace.empty() ? "" : o.trace.back().decision);
  EXPECT_EQ(o.action, Action::none);
  ASSERT_EQ(o.header_edits.size(), 4u);
  EXPECT_EQ(o.header_edits[0].name, "X-Checked");
  EXPECT_EQ(o.header_edits[1].op, HeaderEdit::Op::remove);
  EXPECT_EQ(o.header_edits[2].value, "[EXT] Quarterly report");
  EXPECT_DOUBLE_EQ(o.score, 3.5);
  ASSERT_EQ(o.symbols.size(), 2u);
  EXPECT_EQ(o.symbols[1].name, "BIG_REPORT");
  EXPECT_EQ(o.route, "[192.0.2.99]:2526");
  ASSERT_EQ(o.trace.size(), 1u);
  EXPECT_EQ(o.trace[0].effects.size(), 6u);
}

TEST(HookEvents, QuarantineAndAccept) {
  RulesEngine r;
  r.load_ok("10-q.lua", R"(
    function on_data(ev)
      if ev.subject == "invoice" then return quarantine("suspicious invoice") end
      if ev.subject == "ok" then return accept() end
    end)");
  r.load_ok("20-after.lua", R"(
    function on_data(ev) ev:add_symbol("SECOND_SCRIPT_RAN") end)");
  MessageEvent q("Subject: invoice\r\n\r\nx\r\n");
  const Outcome oq = r.run(q.data);
  EXPECT_EQ(oq.action, Action::quarantine);
  EXPECT_EQ(oq.reason, "suspicious invoice");
  EXPECT_TRUE(oq.symbols.empty());  // a decision ends the chain
  MessageEvent a("Subject: ok\r\n\r\nx\r\n");
  EXPECT_EQ(r.run(a.data).action, Action::accept);
  MessageEvent other("Subject: other\r\n\r\nx\r\n");
  const Outcome oo = r.run(other.data);
  EXPECT_EQ(oo.action, Action::none);
  ASSERT_EQ(oo.symbols.size(), 1u);
  EXPECT_EQ(oo.trace.size(), 2u);
}

TEST(HookEvents, DecisionsAreValidated) {
  RulesEngine r;
  r.load_ok("10-bad.lua", R"(
    function on_mail(ev)
      local cases = {
        function() return reject(450, "x") end,
        function() return tempfail(550, "x") end,
        function() return reject("line\r\nbreak") end,
        function() return reject(string.rep("x", 401)) end,
        function() return reject("4.7.1 wrong class") end,
        function() return reject(550.5, "x") end,
        function() return quarantine("") end,
      }
      for i, f in ipairs(cases) do
        local ok, err = pcall(f)
        if ok then error("case " .. i .. " was accepted") end
      end
      return reject(521, "5.3.2 custom")
    end)");
  const Outcome o = r.run(event(EventKind::mail));
  ASSERT_FALSE(o.failed) << o.trace.back().decision;
  EXPECT_EQ(o.reply, "521 5.3.2 custom");
}

TEST(HookEvents, EffectsOnlyWhereAllowed) {
  RulesEngine r;
  r.load_ok("10-wrong.lua", R"(
    function on_mail(ev) ev:add_header("X-A", "b") end
    function on_delivered(ev) ev:redirect("a@b.example") end)");
  const Outcome o = r.run(event(EventKind::mail));
  EXPECT_TRUE(o.failed);
  EXPECT_NE(o.trace.at(0).decision.find("ev:add_header is not available in on_mail"), std::string::npos);
  EXPECT_EQ(o.action, Action::tempfail);  // the configured default
  const Outcome d = r.run(event(EventKind::delivered));
  EXPECT_TRUE(d.failed);
  EXPECT_EQ(d.action, Action::none);  // notifications have nothing to decide
}

TEST(HookEvents, BadEffectArgumentsAreErrors) {
  RulesEngine r;
  r.load_ok("10-args.lua", R"(
    function on_data(ev)
      local cases = {
        function() ev:add_header("Bad Name", "x") end,
        function() ev:add_header("X-A", "a\r\nInjected: yes") end,
        function() ev:remove_header("Received") end,
        function() ev:redirect("not an address") end,
        function() ev:set_route("mx.example:99999") end,
        function() ev:set_route("bad host!") end,
        function() ev:add_symbol("spaces are bad") end,
        function() ev:set_recipients({}) end,
        function() ev.sender = "x@y.example" end,
      }
      for i, f in ipairs(cases) do
        local ok = pcall(f)
        if ok then error("case " .. i .. " was accepted") end
      end
    end)");
  MessageEvent m("Subject: x\r\n\r\nbody\r\n");
  const Outcome o = r.run(m.data);
  EXPECT_FALSE(o.failed) << o.trace.back().decision;
  EXPECT_TRUE(o.header_edits.empty());
}

TEST(HookEvents, DeliveryEvents) {
  RulesEngine r;
  r.load_ok("10-delivery.lua", R"(
    function on_deliver_start(ev)
      assert(ev.attempt == 3)
      if ev.sender == "slow@sender.example" then return tempfail("wait") end
      ev:set_route("relay.example.net:2525")
    end
    function on_deliver(ev)
      if ev.destination == "mx:blocked.example:25" then return reject("5.7.1 no delivery there") end
    end)");
  auto start = event(EventKind::deliver_start);
  start.attempt = 3;
  EXPECT_EQ(r.run(start).route, "relay.example.net:2525");
  start.sender = "slow@sender.example";
  EXPECT_EQ(r.run(start).action, Action::tempfail);
  auto d = event(EventKind::deliver);
  d.destination = "mx:blocked.example:25";
  EXPECT_EQ(r.run(d).reply, "550 5.7.1 no delivery there");
}

TEST(HookEvents, ErrorsRaiseOnErrorWithFileAndLine) {
  RulesEngine r;
  r.load_ok("10-broken.lua", "function on_rcpt(ev)\n  local x = nil\n  return x.field\nend\n");
  r.load_ok("90-watch.lua", R"(
    function on_error(ev)
      log.warn("rule failed", {script = ev.error.script, event = ev.error.event})
      assert(ev.error.message:find("10%-broken.lua:3:"))
      assert(ev.error.event == "rcpt" and ev.client_ip == "192.0.2.10")
    end)");
  auto e = event(EventKind::rcpt);
  e.rcpt = "bob@example.org";
  const Outcome o = r.run(e);
  EXPECT_TRUE(o.failed);
  EXPECT_EQ(o.action, Action::tempfail);
  EXPECT_EQ(o.reply, "451 4.3.0 Error: local policy rules failed, try again later");
  ASSERT_EQ(o.trace.size(), 2u);
  EXPECT_EQ(o.trace[0].decision.rfind("error: 10-broken.lua:3:", 0), 0u) << o.trace[0].decision;
  EXPECT_EQ(o.trace[1].script, "90-watch.lua");
  EXPECT_EQ(o.trace[1].decision, "continue");  // on_error ran and its own assert held
}

TEST(HookEvents, FailurePolicyContinue) {
  RulesEngine r(small_limits(), FailurePolicy::continue_);
  r.load_ok("10-broken.lua", "function on_mail(ev) error('boom') end\n");
  const Outcome o = r.run(event(EventKind::mail));
  EXPECT_TRUE(o.failed);
  EXPECT_EQ(o.action, Action::none);
}

TEST(HookEvents, SettingsFromThePolicy) {
  RulesEngine r;
  r.load_ok("10-s.lua", R"(
    function on_data(ev) ev:redirect(ev:setting("admin-email")) ; assert(ev:setting("nope") == nil) end)");
  auto snap = std::make_shared<policy::Snapshot>();
  snap->settings["admin-email"] = "admin@example.net";
  MessageEvent m("Subject: x\r\n\r\n");
  m.data.policy = snap;
  const Outcome o = r.run(m.data);
  ASSERT_TRUE(o.set_recipients.has_value()) << o.trace.back().decision;
  EXPECT_EQ(o.set_recipients->at(0), "admin@example.net");
}

TEST(HookEvents, HandlerReturningGarbageIsAnError) {
  RulesEngine r;
  r.load_ok("10-g.lua", "function on_mail(ev) return 'reject' end\n");
  const Outcome o = r.run(event(EventKind::mail));
  EXPECT_TRUE(o.failed);
  EXPECT_NE(o.trace[0].decision.find("returned a string value"), std::string::npos);
}

TEST(HookEvents, LibraryHelpers) {
  RulesEngine r;
  r.load_ok("10-lib.lua", R"(
    function on_connect(ev)
      local a = addr.parse("John.Doe@Example.ORG")
      assert(a.localpart == "John.Doe" and a.domain == "example.org")
      assert(addr.parse("nope") == nil and not addr.is_valid("a@"))
      assert(addr.in_domain("x@mail.example.org", "example.org"))
      assert(addr.in_domain("example.org", "EXAMPLE.org"))
      assert(not addr.in_domain("x@badexample.org", "example.org"))
      assert(ip.is_valid("2001:db8::1") and not ip.is_valid("300.1.1.1"))
      assert(ip.version("192.0.2.1") == 4 and ip.version("2001:db8::1") == 6)
      assert(ip.in_cidr("2001:db8::5", "2001:db8::/32"))
      assert(not ip.in_cidr("192.0.2.1", "::/0"))
      assert(not pcall(ip.in_cidr, "192.0.2.1", "banana"))
      local v, err = kv.get("x")
      assert(v == nil and err == "store unavailable")
      print("helpers", "ok")
    end)");
  const Outcome o = r.run(event(EventKind::connect));
  EXPECT_FALSE(o.failed) << o.trace.back().decision;
}

}  // namespace
}  // namespace portcullis::hooks::testing
