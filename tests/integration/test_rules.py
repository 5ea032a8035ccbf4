"""Lua rules in the running daemon: decisions at every SMTP stage, message edits that reach
the destination, discard and quarantine, hot reload (a broken file keeps the running set),
limits that stop a bad script while concurrent sessions keep flowing, and the CLI's
`rules check` / `rules test`.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_rules
"""
import concurrent.futures
import os
import time
import unittest
from pathlib import Path

from harness import GatewayCase, RawSMTP, make_message, smtp_send, wait_until

DEST = "example.test"
SOURCE = Path(__file__).resolve().parents[2]


class RulesTest(GatewayCase):

    def start_gateway(self, **kw):
        self.dest = self.make_sink("dest")
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns()
        self.gw = self.make_gateway(self.dns, self.mx.port, **kw)
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        self.gw.cli("settings", "set", "admin-email", "admin@example.test")

    def send(self, sender, rcpts, subject="hello", body=("text",), **kw):
        return smtp_send(self.gw.port, sender, rcpts, make_message(subject, list(body), sender=sender,
                                                                   to=rcpts[0]), **kw)

    def test_decisions_at_each_stage(self):
        self.start_gateway()
        self.gw.write_rule("10-stages.lua", r'''
            function on_helo(ev)
              if ev.helo == "bad.example" then return reject(550, "5.7.1 HELO " .. ev.helo .. " refused") end
            end
            function on_mail(ev)
              if addr.domain(ev.sender) == "blocked.test" then return reject("5.7.1 Sender domain blocked") end
            end
            function on_rcpt(ev)
              if ev.rcpt == "later@example.test" then return tempfail("4.7.1 Try that one later") end
              if ev.rcpt == "sales@example.test" then ev:redirect("crm@example.test") end
            end
            function on_data(ev)
              ev:add_header("X-Rules", "seen " .. ev.queue_id)
              ev:remove_header("X-Internal-Secret")
              ev:add_symbol("HELLO_RULES", 1.25)
              if ev.subject == "drop me" then return discard() end
              if ev.subject == "hold me" then return quarantine("held for review") end
              if ev.subject == "refuse me" then return reject(554, "5.7.0 Content refused by rule") end
            end
        ''')
        self.gw.start()
        with RawSMTP(self.gw.port) as c:
            self.assertEqual(c.banner.code, 220)
            self.assertEqual(c.cmd("EHLO bad.example").code, 550)
            self.assertEqual(c.cmd("MAIL FROM:<a@b.test>").code, 503)  # no HELO accepted yet
            self.assertEqual(c.cmd("EHLO good.example").code, 250)
            self.assertEqual(c.cmd("MAIL FROM:<x@blocked.test>").code, 550)

        t = smtp_send(self.gw.port, "alice@sender.test", ["later@example.test", "sales@example.test"],
                      make_message("hi", ["one"], to="sales@example.test",
                                   extra_headers=["X-Internal-Secret: s3cret"]))
        self.assertEqual(t.rcpts[0][0], 451)
        self.assertIn("4.7.1 Try that one later", t.rcpts[0][1])
        self.assertEqual(t.rcpts[1][0], 250)
        self.assertEqual(t.data[0], 250)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertEqual(msg.rcpt_tos, ["crm@example.test"])
        self.assertEqual(msg.header("X-Rules"), f"seen {t.queue_id}")
        self.assertIsNone(msg.header("X-Internal-Secret"))
        self.assertIn(b"\r\n\r\none", msg.data)
        queued = self.gw.wait_event("queued", queue_id=t.queue_id)
        # Sender authentication's symbols first (sender.test publishes nothing: SPF_NONE 0.5).
        self.assertEqual(queued["symbols"], "SPF_NONE DKIM_NONE DMARC_NONE ARC_NONE HELLO_RULES")
        self.assertEqual(queued["score"], "1.75")

        # discard: 250 to the client, nothing delivered; quarantine: held in the spool's quarantine area.
        d = self.send("alice@sender.test", ["bob@example.test"], subject="drop me")
        self.assertEqual(d.data[0], 250)
        self.gw.wait_event("message_discarded", queue_id=d.queue_id)
        q = self.send("alice@sender.test", ["bob@example.test"], subject="hold me")
        self.assertEqual(q.data[0], 250)
        self.gw.wait_event("queued", queue_id=q.queue_id, verdict="quarantine", quarantine="held for review")
        r = self.send("alice@sender.test", ["bob@example.test"], subject="refuse me")
        self.assertEqual(r.data[0], 554)
        self.assertIn("Content refused by rule", r.data[1])
        # A normal message afterwards arrives; the discarded and quarantined ones never do.
        n = self.send("alice@sender.test", ["bob@example.test"], subject="normal")
        self.assertEqual(n.data[0], 250)
        msgs = self.dest.wait_for(2, diagnostics=self.diag(self.dest))
        self.assertEqual([m.header("Subject") for m in msgs], ["hi", "normal"])
        self.assertNotIn(q.queue_id, os.listdir(self.gw.root / "spool" / "queue"))
        self.assertIn(q.queue_id, os.listdir(self.gw.root / "spool" / "quarantine"))
        env = (self.gw.root / "spool" / "quarantine" / q.queue_id).read_text(errors="replace")
        self.assertIn("quarantine: held for review", env)

    def test_connect_rule_and_route(self):
        self.start_gateway()
        other = self.make_sink("other")
        self.gw.write_rule("10-connect.lua", f'''
            function on_connect(ev)
              if ev.client_ip == "127.0.0.3" then return reject("5.7.1 Not from that address") end
              if ev.client_ip == "127.0.0.4" then return tempfail("4.7.0 Busy") end
            end
            function on_data(ev)
              if ev.subject == "reroute" then ev:set_route("[127.0.0.1]:{other.port}") end
            end
        ''')
        self.gw.start()
        with RawSMTP(self.gw.port, source="127.0.0.3") as c:
            first = c.banner
            self.assertEqual(first.code, 554)
            self.assertIn("Not from that address", first.text)
            self.assertTrue(c.wait_closed())
        with RawSMTP(self.gw.port, source="127.0.0.4") as c:
            self.assertEqual(c.banner.code, 421)
            self.assertIn("Busy", c.banner.text)
        t = self.send("alice@sender.test", ["bob@example.test"], subject="reroute")
        self.assertEqual(t.data[0], 250)
        other.wait_for(1, diagnostics=self.diag(other))
        self.assertEqual(self.dest.count(), 0)

    def test_broken_file_keeps_running_set_and_fix_applies(self):
        self.start_gateway()
        self.gw.write_rule("10-a.lua", 'function on_mail(ev) return reject("5.7.1 version one") end\n')
        self.gw.start()
        self.assertIn("version one", self.send("a@sender.test", ["b@example.test"]).mail[1])
        mark = self.gw.log_size()
        (self.gw.rules_dir / "10-a.lua").write_text('function on_mail(ev) return reject("5.7.1 two"\n')
        err = self.gw.wait_event("rules_error", since=mark)
        self.assertIn("10-a.lua:", err["error"])
        self.gw.wait_event("rules_rejected", since=mark)
        self.assertIn("version one", self.send("a@sender.test", ["b@example.test"]).mail[1])
        r = self.gw.cli("rules", "check", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("10-a.lua:", r.stdout.decode())
        self.gw.write_rule("10-a.lua", 'function on_mail(ev) return reject("5.7.1 version three") end\n')
        self.assertIn("version three", self.send("a@sender.test", ["b@example.test"]).mail[1])
        self.assertIn("10-a.lua  on_mail", self.gw.cli("rules", "check").stdout.decode())
        status = self.gw.cli("status").stdout.decode()
        self.assertRegex(status, r"rules_scripts\s+1")

    def test_runaway_script_is_stopped_while_other_sessions_flow(self):
        self.start_gateway()
        # The looping script holds one of the two rule workers for the whole time limit; the
        # 20 other sessions share the second and must all be done before the loop is stopped.
        self.gw.rules.update({"time_limit_ms": 8000, "instructions": 10**12, "workers": 2})
        self.gw.write_config()
        self.gw.write_rule("10-mixed.lua", r'''
            function on_mail(ev)
              if ev.sender == "loop@sender.test" then while true do end end
              if ev.sender == "bomb@sender.test" then local t = {} for i = 1, 1e9 do t[i] = tostring(i) end end
              if ev.sender == "deep@sender.test" then local function f() return 1 + f() end return f() end
            end
            function on_error(ev) log.warn("caught", {script = ev.error.script}) end
        ''')
        self.gw.start()
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            bad = pool.submit(self.send, "loop@sender.test", ["bob@example.test"])
            time.sleep(0.5)  # the loop is running in one worker before the others connect
            good = [pool.submit(self.send, f"user{i}@sender.test", ["bob@example.test"], subject=f"m{i}")
                    for i in range(20)]
            results = [g.result(timeout=60) for g in good]
            self.assertFalse(bad.done(), "the good sessions waited for the looping one")
            bad_result = bad.result(timeout=60)
        self.assertTrue(all(r.data[0] == 250 for r in results), results)
        self.assertEqual(bad_result.mail[0], 451)
        self.assertIn("local policy rules failed", bad_result.mail[1])
        err = self.gw.wait_event("rule_error", script="10-mixed.lua")
        self.assertIn("10-mixed.lua:3:", err["error"])
        self.assertIn("time limit exceeded", err["error"])
        self.gw.wait_event("lua", msg="caught")
        for sender, what in (("bomb@sender.test", ("memory limit exceeded",)),
                             ("deep@sender.test", ("stack overflow", "memory limit exceeded"))):
            mark = self.gw.log_size()
            t = self.send(sender, ["bob@example.test"])
            self.assertEqual(t.mail[0], 451, sender)
            error = self.gw.wait_event("rule_error", since=mark)["error"]
            self.assertTrue(any(w in error for w in what), error)
        self.dest.wait_for(20, diagnostics=self.diag(self.dest))
        # The daemon is still healthy: a last message goes through.
        self.assertEqual(self.send("last@sender.test", ["bob@example.test"]).data[0], 250)

    def test_kv_counters_in_the_store(self):
        self.start_gateway()
        self.gw.write_rule("10-rate.lua", r'''
            function on_mail(ev)
              local n, err = kv.incr("mail:" .. ev.sender, 1, 3600)
              if not n then return tempfail("4.3.0 " .. err) end
              if n > 2 then return tempfail(450, "4.7.1 Rate limit: " .. n) end
            end
        ''')
        self.gw.start()
        codes = [self.send("burst@sender.test", ["bob@example.test"]).mail[0] for _ in range(3)]
        self.assertEqual(codes, [250, 250, 450])
        self.assertEqual(self.send("calm@sender.test", ["bob@example.test"]).mail[0], 250)

    def test_cli_rules_test_runs_the_pipeline_on_a_file(self):
        self.start_gateway()
        self.gw.cli("settings", "set", "internal-display-names", "Jane Doe")
        shipped = SOURCE / "lua-rules"
        out = self.gw.cli("rules", "test", str(SOURCE / "tests/data/rules/impersonation-listed-name.eml"),
                          "--dir", str(shipped), "--client", "203.0.113.9", "--from", "x@freemail.example",
                          "--rcpt", "bob@example.test", "--rcpt", "junk@office365.microsoft.com").stdout.decode()
        self.assertIn("verdict  accept", out)
        self.assertIn("20-impersonation.lua  on_data  continue", out)
        self.assertIn("header+  Subject: [EXTERNAL] Quick favour", out)
        self.assertIn("header-  Subject: Quick favour", out)
        self.assertIn("DISPLAY_NAME_IMPERSONATION", out)
        # The junk-report recipient is not ours and the client is no relay network: refused.
        self.assertIn("junk@office365.microsoft.com  policy: 554 5.7.1", out)
        self.gw.cli("relaynet", "add", "203.0.113.0/24")
        out = self.gw.cli("rules", "test", str(SOURCE / "tests/data/rules/junk-report.eml"),
                          "--dir", str(shipped), "--client", "203.0.113.9", "--from", "carol@example.test",
                          "--rcpt", "junk@office365.microsoft.com").stdout.decode()
        self.assertIn("redirect admin@example.test", out)
        self.assertIn("recipients  admin@example.test", out)
        bad = self.gw.cli("rules", "test", "/nonexistent.eml", "--from", "a@b.test", "--rcpt", "c@d.test",
                          check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("cannot read /nonexistent.eml", bad.stderr.decode())


if __name__ == "__main__":
    unittest.main()
