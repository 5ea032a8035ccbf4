"""Connection reputation through the daemon (issue 11, docs/spam.md): auto-ban of clients that
fail too often (relay attempts, invalid commands; shared through the store, lifted with
`portcullis ban remove`), rate limits per client (connections, messages, recipients), the HELO
checks and the sender-domain check against the loopback DNS server.

The clients connect from different loopback addresses (127.0.0.N) so that each one is counted
on its own; the setting reputation-exempt (default: the loopback networks) is narrowed so that
they count at all.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_reputation
"""
from harness import GatewayCase, RawSMTP, make_message, smtp_send, wait_until

DEST = "example.test"
# Loopback is exempt by default; these tests count loopback clients, except this one network.
NOT_LOOPBACK = "192.0.2.0/24"


class ReputationCase(GatewayCase):
    def setup_gateway(self, settings, zone=None):
        self.dest = self.make_sink("dest")
        self.dns = self.make_dns(zone or {})
        self.gw = self.make_gateway(self.dns, self.dest.port)
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        for key, value in settings.items():
            self.gw.cli("settings", "set", key, value)
        self.gw.start()
        return self.gw

    def connect(self, source):
        c = RawSMTP(self.gw.port, source=source)
        self.addCleanup(c.close)
        return c


class AutoBan(ReputationCase):
    def test_relay_attempts_ban_the_client_until_an_admin_lifts_it(self):
        self.setup_gateway({"reputation-exempt": NOT_LOOPBACK, "auto-ban-failures": "3",
                            "auto-ban-duration": "3600"})
        c = self.connect("127.0.0.7")
        self.assertEqual(c.banner.code, 220, c.banner)
        c.ehlo()
        self.assertEqual(c.cmd("MAIL FROM:<spammer@elsewhere.test>").code, 250)
        for n in range(3):
            r = c.cmd(f"RCPT TO:<victim{n}@elsewhere.test>")
            self.assertEqual(r.code, 554, r)
        self.gw.wait_event("client_banned", client="127.0.0.7")
        # The next connection of that client is refused; another client is not.
        banned = self.connect("127.0.0.7")
        self.assertEqual(banned.banner.code, 421, banned.banner)
        self.assertIn("4.7.0", banned.banner.text)
        self.assertIn("Too many failures", banned.banner.text)
        self.assertTrue(banned.wait_closed())
        self.assertEqual(self.connect("127.0.0.8").banner.code, 220)
        # In the store for every gateway: listed, and still banned after a restart.
        listed = self.gw.cli("ban", "list").stdout.decode()
        self.assertIn("127.0.0.7", listed)
        self.assertIn("3 failures within 600 s (last: relay attempt)", listed)
        self.gw.restart()
        self.assertEqual(self.connect("127.0.0.7").banner.code, 421)
        # Lifted: the gateways read the store's bans every 10 seconds.
        self.assertIn(b"lifted the ban of 127.0.0.7", self.gw.cli("ban", "remove", "127.0.0.7").stdout)

        def welcome():
            with RawSMTP(self.gw.port, source="127.0.0.7") as again:
                return again.banner.code == 220
        wait_until(welcome, 30, "the lifted ban to take effect", interval=1)

    def test_invalid_commands_count_and_exempt_clients_never_do(self):
        self.setup_gateway({"reputation-exempt": "127.0.0.10/32", "auto-ban-failures": "2"})
        for source in ("127.0.0.9", "127.0.0.10"):
            c = self.connect(source)
            self.assertEqual(c.cmd("FOO").code, 500)
            self.assertEqual(c.cmd("BAR baz").code, 500)
            self.assertEqual(c.cmd("NOOP").code, 250)  # the session itself goes on
        self.gw.wait_event("client_banned", client="127.0.0.9")
        self.assertEqual(self.connect("127.0.0.9").banner.code, 421)
        self.assertEqual(self.connect("127.0.0.10").banner.code, 220)
        self.assertEqual(self.gw.events("client_banned", client="127.0.0.10"), [])

    def test_off_when_set_to_zero(self):
        self.setup_gateway({"reputation-exempt": NOT_LOOPBACK, "auto-ban-failures": "0"})
        c = self.connect("127.0.0.11")
        for _ in range(6):
            self.assertEqual(c.cmd("FOO").code, 500)
        self.assertEqual(self.connect("127.0.0.11").banner.code, 220)


class RateLimits(ReputationCase):
    def test_connections_messages_and_recipients_per_minute(self):
        self.setup_gateway({"reputation-exempt": NOT_LOOPBACK, "rate-limit-connections": "3",
                            "rate-limit-messages": "2", "rate-limit-recipients": "3"})
        # Messages: two MAILs pass, the third waits for the next token.
        c = self.connect("127.0.0.21")
        c.ehlo()
        for _ in range(2):
            self.assertEqual(c.cmd("MAIL FROM:<a@sender.test>").code, 250)
            self.assertEqual(c.cmd("RSET").code, 250)
        r = c.cmd("MAIL FROM:<a@sender.test>")
        self.assertEqual(r.code, 451, r)
        self.assertIn("4.7.1", r.text)
        # Recipients: three pass, the fourth is deferred; the message still goes to three.
        c = self.connect("127.0.0.22")
        c.ehlo()
        self.assertEqual(c.cmd("MAIL FROM:<a@sender.test>").code, 250)
        codes = [c.cmd(f"RCPT TO:<user{n}@{DEST}>").code for n in range(4)]
        self.assertEqual(codes, [250, 250, 250, 451])
        self.assertEqual(c.cmd("DATA").code, 354)
        c.send(make_message("rates", ["hello"]) + b".\r\n")
        self.assertEqual(c.read_reply().code, 250)
        self.assertEqual(len(self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0].rcpt_tos), 3)
        # Connections: the first three of 127.0.0.23 are greeted, the fourth refused.
        for _ in range(3):
            with RawSMTP(self.gw.port, source="127.0.0.23") as ok:
                self.assertEqual(ok.banner.code, 220)
        refused = self.connect("127.0.0.23")
        self.assertEqual(refused.banner.code, 421, refused.banner)
        self.gw.wait_event("rate_limited", client="127.0.0.23", limit="connections")
        # Each client has its own buckets.
        self.assertEqual(self.connect("127.0.0.24").banner.code, 220)


class HeloChecks(ReputationCase):
    def test_reject_refuses_what_no_honest_server_says(self):
        self.setup_gateway({"helo-check": "reject"})
        c = self.connect("127.0.0.31")
        r = c.cmd("EHLO localhost")
        self.assertEqual(r.code, 504, r)
        r = c.cmd("EHLO 127.0.0.31")
        self.assertEqual(r.code, 504, r)  # an address without brackets
        r = c.cmd("EHLO [192.0.2.1]")
        self.assertEqual(r.code, 550, r)  # not the client's address
        r = c.cmd("EHLO gw.test")
        self.assertEqual(r.code, 550, r)  # our own name
        self.assertEqual(c.cmd("EHLO [127.0.0.31]").code, 250)
        self.assertEqual(c.cmd("EHLO exchange01").code, 250)  # a single label only scores
        # A good name after a bad one: nothing of the bad one stays.
        t = smtp_send(self.gw.port, "a@sender.test", [f"user@{DEST}"], make_message("ok", ["x"]),
                      ehlo="mail.sender.test")
        self.assertEqual(t.data[0], 250, t)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertNotIn("HELO_", msg.header("X-Spam-Status"))

    def test_score_adds_symbols_to_the_message(self):
        self.setup_gateway({"helo-check": "score"})
        t = smtp_send(self.gw.port, "a@sender.test", [f"user@{DEST}"], make_message("s", ["x"]), ehlo="localhost")
        self.assertEqual(t.data[0], 250, t)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertIn("HELO_LOCALHOST", msg.header("X-Spam-Status"))

    def test_dns_check_wants_the_name_to_hold_the_client_address(self):
        zone = {"good.sender.test": [{"type": "A", "value": "127.0.0.1"}],
                "other.sender.test": [{"type": "A", "value": "192.0.2.9"}]}
        self.setup_gateway({"helo-check": "score", "helo-check-dns": "on"}, zone=zone)
        for name in ("good.sender.test", "other.sender.test"):
            t = smtp_send(self.gw.port, "a@sender.test", [f"user@{DEST}"], make_message(name, ["x"]), ehlo=name)
            self.assertEqual(t.data[0], 250, t)
        msgs = {m.header("Subject"): m for m in self.dest.wait_for(2, diagnostics=self.diag(self.dest))}
        self.assertNotIn("HELO_", msgs["good.sender.test"].header("X-Spam-Status"))
        self.assertIn("HELO_NO_FCRDNS", msgs["other.sender.test"].header("X-Spam-Status"))


class SenderDomain(ReputationCase):
    ZONE = {"mx.test": [{"type": "MX", "pref": 10, "value": "mail.mx.test."}],
            "mail.mx.test": [{"type": "A", "value": "192.0.2.25"}],
            "address.test": [{"type": "A", "value": "192.0.2.26"}],
            "nullmx.test": [{"type": "MX", "pref": 0, "value": "."}],
            "txtonly.test": [{"type": "TXT", "value": "hello"}],
            "broken.test": [{"type": "SERVFAIL"}]}

    def mail_from(self, sender):
        with RawSMTP(self.gw.port) as c:
            c.ehlo()
            return c.cmd(f"MAIL FROM:<{sender}>")

    def test_reject_refuses_domains_that_cannot_take_replies(self):
        self.setup_gateway({"sender-domain-check": "reject"}, zone=self.ZONE)
        for ok in ("a@mx.test", "a@address.test", ""):
            self.assertEqual(self.mail_from(ok).code, 250, ok)
        cases = {"a@nullmx.test": "5.7.27", "a@txtonly.test": "5.1.8", "a@nowhere.test": "5.1.8",
                 "a@broken.test": "4.1.8"}
        for sender, status in cases.items():
            r = self.mail_from(sender)
            self.assertEqual(r.code, 451 if status.startswith("4") else 550, (sender, r))
            self.assertIn(status, r.text, sender)

    def test_score_marks_the_message_instead(self):
        self.setup_gateway({"sender-domain-check": "score"}, zone=self.ZONE)
        t = smtp_send(self.gw.port, "a@nowhere.test", [f"user@{DEST}"], make_message("nx", ["x"]))
        self.assertEqual(t.data[0], 250, t)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertIn("SENDER_NXDOMAIN", msg.header("X-Spam-Status"))


if __name__ == "__main__":
    import unittest
    unittest.main()
