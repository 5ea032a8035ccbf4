"""Integration tests of portcullisd with real peers (smtplib, swaks, raw sockets, aiosmtpd sinks,
a loopback DNS server). Each test has its own gateway folder; see harness.py.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_gateway
"""
import email
import email.policy
import re
import subprocess
import time
import unittest

from harness import (GatewayCase, RawSMTP, ehlo_keywords, make_message, mx_zone, smtp_send,
                     split_first_field, split_received, split_results, wait_until, QUEUED_RE)

DEST = "example.test"


class GatewayTest(GatewayCase):
    """Common setup: a destination sink for example.test, an "mx sink" on the gateway's mx_port
    that every MX delivery reaches (whatever the domain), a DNS server, a gateway."""

    def setup_gateway(self, recipients="all", zone=None, dest_kwargs=None, start=True,
                      dest_port=None, **gw_kwargs):
        self.dest = self.make_sink("dest", start=dest_port is None,
                                   **({"port": dest_port} if dest_port else {}),
                                   **(dest_kwargs or {}))
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns(zone)
        self.gw = self.make_gateway(self.dns, self.mx.port, **gw_kwargs)
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}",
                    "--recipients", recipients)
        if start:
            self.gw.start()
        return self.gw

    # -- assertions shared by the tests

    def assertQueued(self, reply_text):
        m = QUEUED_RE.search(reply_text)
        self.assertIsNotNone(m, f"no 'queued as ID' in {reply_text!r}")
        return m.group(1)

    def assertRelayedIdentical(self, msg, original, queue_id, checked=True):
        """msg (at a sink) == the gateway's Received header + its Authentication-Results field
        + the original octets (no such field for unchecked mail from a relay network)."""
        received, rest = split_received(msg.data)
        # The sender authentication's field of ours comes right after (test_auth.py checks it);
        # mail of the organisation (relay networks) is not checked and gets none.
        if checked:
            _, rest = split_results(rest, self.gw.hostname)
            # ... then the spam verdict's fields (test_spam.py checks them).
            _, rest = split_first_field(rest, b"X-Spam-Score: ")
            _, rest = split_first_field(rest, b"X-Spam-Status: ")
        self.assertEqual(rest, original, "message changed in transit (apart from Received, "
                                         "Authentication-Results and X-Spam-*)")
        text = received.decode("utf-8", "replace")
        self.assertRegex(text, r"\bby " + re.escape(self.gw.hostname) + r"\b")
        self.assertRegex(text, r"\bid " + queue_id + r"\b",
                         "Received header does not carry the queue id")
        # A Received header is a trace field: folded lines only, ends with a date.
        self.assertRegex(text, r";\s*\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d [+-]\d{4}\r\n$")
        return received

    def assertNothingMore(self, *sinks_and_counts, grace=1.5):
        """After a marker was delivered (so the queue has been worked), waits a little longer
        and checks that each sink holds exactly the given number of messages."""
        time.sleep(grace)
        for sink, n in sinks_and_counts:
            self.assertEqual(sink.count(), n, f"sink {sink.name}: {sink.messages()!r}")

    def send_marker(self, subject="marker"):
        """Sends one legitimate message to user@example.test and waits for its delivery."""
        before = self.dest.count()
        data = make_message(subject, ["marker body"])
        t = smtp_send(self.gw.port, "marker@sender.test", ["user@example.test"], data)
        self.assertEqual(t.data and t.data[0], 250, t)
        msgs = self.dest.wait_for(before + 1, diagnostics=self.diag(self.dest, self.mx))
        self.assertIn(b"Subject: " + subject.encode(), msgs[-1].data)
        return t.queue_id

    # -- tests

    def test_smtplib_delivery_byte_identical(self):
        self.setup_gateway()
        original = (b"From: Alice <alice@sender.test>\r\n"
                    b"To: User <user@example.test>\r\n"
                    b"Subject: byte-exact relay\r\n"
                    b"Message-ID: <byte-exact.1@sender.test>\r\n"
                    b"Date: Thu, 01 Jan 2026 00:00:00 +0000\r\n"
                    b"X-Folded: first part\r\n\tsecond part\r\n"
                    b"\r\n"
                    b"line one\r\n"
                    b".a line starting with a dot\r\n"
                    b"..two dots\r\n"
                    b".\r\n"  # only a dot (as content, stuffed by smtplib)
                    b"\r\n"
                    b"trailing spaces   \r\n"
                    b"\ttab indented\r\n"
                    b"From the start of a line\r\n"
                    b"last line\r\n")
        with self.subTest("smtplib transaction"):
            t = smtp_send(self.gw.port, "alice@sender.test", ["user@example.test"], original)
            self.assertEqual(t.mail[0], 250, t)
            self.assertEqual(t.rcpts, [(250, t.rcpts[0][1])], t)
            self.assertEqual(t.data[0], 250, t)
            self.assertRegex(t.data[1], r"^2\.0\.0 Ok: queued as <?[0-9A-Z]{16}>?$")
        qid = self.assertQueued(t.data[1])
        msgs = self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        self.assertEqual(len(msgs), 1)
        msg = msgs[0]
        self.assertRelayedIdentical(msg, original, qid)
        self.assertEqual(msg.mail_from, "alice@sender.test")
        self.assertEqual(msg.rcpt_tos, ["user@example.test"])
        self.gw.wait_event("delivered", queue_id=qid)
        queued = self.gw.events("queued", queue_id=qid)
        self.assertEqual(len(queued), 1, queued)
        self.assertEqual(queued[0][2].get("verdict"), "accept")
        self.assertEqual(self.mx.count(), 0, "MX sink got mail for a domain with a destination")

    def test_8bitmime_smtputf8_byte_identical(self):
        self.setup_gateway()
        with RawSMTP(self.gw.port) as c:
            kw = ehlo_keywords(c.ehlo())
        for word in ("PIPELINING", "SIZE", "8BITMIME", "ENHANCEDSTATUSCODES", "SMTPUTF8",
                     "CHUNKING"):
            self.assertIn(word, kw, f"EHLO does not list {word}: {kw}")
        self.assertEqual(kw["SIZE"], "1048576")
        original = ("From: Jörg <jörg@sender.test>\r\nTo: Zoë <zoë@example.test>\r\n"
                    "Subject: Grüße\r\nMIME-Version: 1.0\r\n"
                    "Content-Type: text/plain; charset=utf-8\r\n"
                    "Content-Transfer-Encoding: 8bit\r\n\r\n"
                    "Ünïcödé body — 8 bit octets: \u00e9\u00e8\u4e2d\u6587\r\n").encode("utf-8")
        t = smtp_send(self.gw.port, "jörg@sender.test", ["zoë@example.test"], original,
                      mail_options=["SMTPUTF8", "BODY=8BITMIME"])
        self.assertEqual(t.mail[0], 250, t)
        self.assertEqual(t.rcpts[0][0], 250, t)
        self.assertEqual(t.data[0], 250, t)
        qid = self.assertQueued(t.data[1])
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertRelayedIdentical(msg, original, qid)
        self.assertEqual(msg.mail_from, "jörg@sender.test")
        self.assertEqual(msg.rcpt_tos, ["zoë@example.test"])
        # RFC 6531 / RFC 6152: a relay passes SMTPUTF8 and BODY=8BITMIME on to the next hop.
        self.assertIn("SMTPUTF8", msg.mail_options)
        self.assertIn("BODY=8BITMIME", msg.mail_options)

    def test_swaks_delivery(self):
        self.setup_gateway()
        tag = f"swaks-{time.time_ns()}"
        cmd = ["/usr/bin/swaks", "--server", f"127.0.0.1:{self.gw.port}",
               "--to", "user@example.test", "--from", "sender@sender.test",
               "--ehlo", "swaks.client.test", "--header", f"X-Test-Tag: {tag}",
               "--body", "Hello from swaks.\nSecond line.", "--timeout", "30"]
        r = subprocess.run(cmd, capture_output=True, timeout=90, stdin=subprocess.DEVNULL)
        out = r.stdout.decode("utf-8", "replace")
        self.assertEqual(r.returncode, 0, out + r.stderr.decode("utf-8", "replace"))
        m = re.search(r"<-\s+250 (2\.0\.0 Ok: queued as \S+)", out)
        self.assertIsNotNone(m, out)
        qid = self.assertQueued(m.group(1))
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertEqual(msg.mail_from, "sender@sender.test")
        self.assertEqual(msg.rcpt_tos, ["user@example.test"])
        received, rest = split_received(msg.data)
        self.assertIn(qid.encode(), received)
        self.assertIn(f"X-Test-Tag: {tag}\r\n".encode(), rest)
        self.assertIn(b"\r\n\r\nHello from swaks.\r\nSecond line.\r\n", rest)
        self.assertNothingMore((self.dest, 1), (self.mx, 0), grace=0.5)

    def test_specified_recipients(self):
        self.setup_gateway(recipients="specified", start=False)
        self.gw.cli("recipient", "add", "known@example.test")
        self.gw.start()
        with RawSMTP(self.gw.port) as c:
            c.ehlo()
            self.assertEqual(c.cmd("MAIL FROM:<alice@sender.test>").code, 250)
            r = c.cmd("RCPT TO:<nobody@example.test>")
            self.assertEqual(r.code, 550, r)
            self.assertTrue(r.text.startswith("5.1.1"), r)
            # No valid recipient: DATA must not start a message.
            r = c.cmd("DATA")
            self.assertIn(r.code, (503, 554), r)
            self.assertEqual(c.cmd("RSET").code, 250)
        with self.subTest("recipient lookup ignores case (stored lower-cased)"), \
                RawSMTP(self.gw.port) as c:
            c.ehlo()
            self.assertEqual(c.cmd("MAIL FROM:<alice@sender.test>").code, 250)
            r = c.cmd("RCPT TO:<KNOWN@Example.TEST>")
            self.assertEqual(r.code, 250, r)
        # A listed and an unknown recipient in one transaction: only the listed one gets it.
        data = make_message("specified", ["to a listed recipient"], to="known@example.test")
        t = smtp_send(self.gw.port, "alice@sender.test",
                      ["known@example.test", "nobody@example.test"], data)
        self.assertEqual(t.rcpts[0][0], 250, t)
        self.assertEqual(t.rcpts[1][0], 550, t)
        self.assertTrue(t.rcpts[1][1].startswith("5.1.1"), t)
        self.assertEqual(t.data[0], 250, t)
        qid = self.assertQueued(t.data[1])
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertEqual(msg.rcpt_tos, ["known@example.test"])
        self.assertRelayedIdentical(msg, data, qid)
        self.assertEqual(len(self.gw.events("queued")), 1, self.gw.events("queued"))
        self.assertNothingMore((self.dest, 1), (self.mx, 0))

    def test_alias_expanded(self):
        zone = mx_zone("elsewhere.test")
        self.setup_gateway(recipients="specified", zone=zone, start=False)
        self.gw.cli("recipient", "add", "known@example.test")
        self.gw.cli("alias", "add", "sales@example.test", "known@example.test")
        self.gw.cli("alias", "add", "ext@example.test", "far@elsewhere.test")
        self.gw.start()
        data = make_message("alias internal", ["for sales"], to="sales@example.test")
        t = smtp_send(self.gw.port, "alice@sender.test", ["sales@example.test"], data)
        self.assertEqual(t.rcpts[0][0], 250, t)
        self.assertEqual(t.data[0], 250, t)
        qid = self.assertQueued(t.data[1])
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest, self.mx))[0]
        self.assertEqual(msg.rcpt_tos, ["known@example.test"])
        self.assertEqual(msg.mail_from, "alice@sender.test")
        self.assertRelayedIdentical(msg, data, qid)

        data2 = make_message("alias external", ["for ext"], to="ext@example.test")
        t = smtp_send(self.gw.port, "alice@sender.test", ["ext@example.test"], data2)
        self.assertEqual(t.rcpts[0][0], 250, t)
        self.assertEqual(t.data[0], 250, t)
        qid2 = self.assertQueued(t.data[1])
        msg2 = self.mx.wait_for(1, diagnostics=self.diag(self.dest, self.mx))[0]
        self.assertEqual(msg2.rcpt_tos, ["far@elsewhere.test"])
        self.assertRelayedIdentical(msg2, data2, qid2)
        self.assertNothingMore((self.dest, 1), (self.mx, 1))

    def test_relay_denied(self):
        # Every domain below resolves to the MX sink: a relay leak would land there.
        zone = mx_zone("other.test", "sender.test")
        self.setup_gateway(zone=zone)
        denied = ["user@other.test",
                  "user%other.test@example.test",
                  '"user@other.test"@example.test',
                  "user!other@example.test",
                  "@example.test:user@other.test",
                  "user@[127.0.0.1]"]
        for addr in denied:
            with self.subTest(rcpt=addr), RawSMTP(self.gw.port) as c:
                c.ehlo()
                self.assertEqual(c.cmd("MAIL FROM:<alice@sender.test>").code, 250)
                r = c.cmd(f"RCPT TO:<{addr}>")
                self.assertEqual(r.code, 554, f"RCPT TO:<{addr}> -> {r}")
                self.assertTrue(r.text.startswith("5.7.1"), f"RCPT TO:<{addr}> -> {r}")
                r = c.cmd("DATA")
                self.assertIn(r.code, (503, 554), f"DATA after refused {addr} -> {r}")
        with self.subTest(rcpt="user@example.test."), RawSMTP(self.gw.port) as c:
            c.ehlo()
            self.assertEqual(c.cmd("MAIL FROM:<alice@sender.test>").code, 250)
            r = c.cmd("RCPT TO:<user@example.test.>")
            self.assertEqual(r.code, 501, r)
        # The queue works (a marker goes through) and nothing else was queued or delivered.
        self.send_marker()
        self.assertEqual(len(self.gw.events("queued")), 1, self.gw.events("queued"))
        self.assertNothingMore((self.dest, 1), (self.mx, 0))

    def test_outbound_relay_via_mx(self):
        zone = mx_zone("remote.test")
        self.setup_gateway(zone=zone, start=False)
        self.gw.cli("relaynet", "add", "127.0.0.0/8", "--note", "integration test")
        self.gw.start()
        data = make_message("outbound", ["to the Internet"], sender="staff@example.test",
                            to="user@remote.test")
        t = smtp_send(self.gw.port, "staff@example.test", ["user@remote.test"], data)
        self.assertEqual(t.rcpts[0][0], 250, t)
        self.assertEqual(t.data[0], 250, t)
        qid = self.assertQueued(t.data[1])
        msg = self.mx.wait_for(1, diagnostics=self.diag(self.mx))[0]
        self.assertEqual(msg.mail_from, "staff@example.test")
        self.assertEqual(msg.rcpt_tos, ["user@remote.test"])
        self.assertRelayedIdentical(msg, data, qid, checked=False)  # no DKIM key: not signed either
        self.gw.wait_event("delivered", queue_id=qid)
        self.assertTrue(any(q.startswith("remote.test MX") for q in self.dns.queries()),
                        self.dns.queries())
        self.assertEqual(self.dest.count(), 0)

    def test_oversize_rejected(self):
        self.setup_gateway(limits={"message_size": 10000})
        with RawSMTP(self.gw.port) as c:
            kw = ehlo_keywords(c.ehlo())
            self.assertEqual(kw.get("SIZE"), "10000")
            r = c.cmd("MAIL FROM:<alice@sender.test> SIZE=20000")
            self.assertEqual(r.code, 552, r)
            self.assertTrue(r.text.startswith("5.3.4"), r)
            # The session goes on: a message without SIZE= that is too big, refused at the end.
            self.assertEqual(c.cmd("MAIL FROM:<alice@sender.test>").code, 250)
            self.assertEqual(c.cmd("RCPT TO:<user@example.test>").code, 250)
            self.assertEqual(c.cmd("DATA").code, 354)
            big = make_message("too big", ["x" * 70] * 300)  # ~21 kB
            self.assertGreater(len(big), 20000)
            c.send(big + b".\r\n")
            r = c.read_reply(timeout=30)
            self.assertEqual(r.code, 552, r)
            self.assertTrue(r.text.startswith("5.3.4"), r)
            self.assertEqual(c.cmd("RSET").code, 250)
        self.send_marker()
        self.assertEqual(len(self.gw.events("queued")), 1, self.gw.events("queued"))
        self.assertNothingMore((self.dest, 1), (self.mx, 0))

    def test_pipelining_in_order(self):
        self.setup_gateway()
        body = make_message("pipelined", ["pipelined body"], to="u1@example.test")
        with RawSMTP(self.gw.port) as c:
            self.assertIn("PIPELINING", ehlo_keywords(c.ehlo()))
            c.send(b"MAIL FROM:<alice@sender.test>\r\nRCPT TO:<u1@example.test>\r\n"
                   b"RCPT TO:<u2@example.test>\r\nDATA\r\n")
            replies = c.read_replies(4)
            self.assertEqual([r.code for r in replies], [250, 250, 250, 354], replies)
            self.assertTrue(replies[0].text.startswith("2.1.0"), replies)
            self.assertTrue(replies[1].text.startswith("2.1.5"), replies)
            c.send(body + b".\r\n")
            r = c.read_reply(timeout=30)
            self.assertEqual(r.code, 250, r)
            qid = self.assertQueued(r.text)
            self.assertEqual(c.cmd("QUIT").code, 221)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertEqual(sorted(msg.rcpt_tos), ["u1@example.test", "u2@example.test"])
        self.assertRelayedIdentical(msg, body, qid)

    def test_pipelining_body_before_354_rejected(self):
        self.setup_gateway()
        with RawSMTP(self.gw.port) as c:
            c.ehlo()
            c.send(b"MAIL FROM:<alice@sender.test>\r\nRCPT TO:<user@example.test>\r\nDATA\r\n"
                   b"Subject: too eager\r\n\r\nbody sent before the 354\r\n.\r\n")
            replies, closed = c.collect(first_timeout=15, quiet=3)
            if not closed:
                closed = c.wait_closed(timeout=5)
        codes = [r.code for r in replies]
        self.assertEqual(codes, [250, 250, 554], replies)
        self.assertTrue(replies[2].text.startswith("5.5.0"), replies)
        self.assertTrue(closed, "connection not closed after improper pipelining")
        self.send_marker()
        self.assertEqual(len(self.gw.events("queued")), 1, self.gw.events("queued"))
        self.assertNothingMore((self.dest, 1), (self.mx, 0))

    def test_bdat_chunks(self):
        self.setup_gateway()
        original = (b"From: alice@sender.test\r\nTo: user@example.test\r\nSubject: chunked\r\n"
                    b"\r\n"
                    b"first chunk line\r\n"
                    b".\r\n"  # a lone dot is content in BDAT; the next hop must get it stuffed
                    b"..double dot\r\n"
                    b"split across chunks\r\n"
                    b"last line\r\n")
        cut1 = original.index(b"split across") + 5
        cut2 = original.index(b"chunks\r\n") + len(b"chunks\r")  # CR and LF in two chunks
        chunks = [original[:cut1], original[cut1:cut2], original[cut2:]]
        with self.subTest("one chunk per round trip"), RawSMTP(self.gw.port) as c:
            self.assertIn("CHUNKING", ehlo_keywords(c.ehlo()))
            self.assertEqual(c.cmd("MAIL FROM:<alice@sender.test>").code, 250)
            self.assertEqual(c.cmd("RCPT TO:<user@example.test>").code, 250)
            for ch in chunks:
                c.send(b"BDAT %d\r\n" % len(ch) + ch)
                r = c.read_reply()
                self.assertEqual(r.code, 250, r)
            r = c.cmd("BDAT 0 LAST", timeout=30)
            self.assertEqual(r.code, 250, r)
            qid1 = self.assertQueued(r.text)
        with self.subTest("all pipelined, LAST on the final chunk"), \
                RawSMTP(self.gw.port) as c:
            c.ehlo()
            c.send(b"MAIL FROM:<alice@sender.test>\r\nRCPT TO:<user2@example.test>\r\n"
                   + b"BDAT %d\r\n" % len(chunks[0]) + chunks[0]
                   + b"BDAT %d\r\n" % len(chunks[1]) + chunks[1]
                   + b"BDAT %d LAST\r\n" % len(chunks[2]) + chunks[2])
            replies = c.read_replies(5, timeout=30)
            self.assertEqual([r.code for r in replies], [250] * 5, replies)
            qid2 = self.assertQueued(replies[-1].text)
        msgs = self.dest.wait_for(2, diagnostics=self.diag(self.dest))
        by_rcpt = {m.rcpt_tos[0]: m for m in msgs}
        self.assertRelayedIdentical(by_rcpt["user@example.test"], original, qid1)
        self.assertRelayedIdentical(by_rcpt["user2@example.test"], original, qid2)

    def test_smuggling_rejected(self):
        self.setup_gateway()
        variants = [b"\n.\n", b"\r.\r", b"\n.\r\n", b"\r.\n"]
        for v in variants:
            with self.subTest(terminator=v), RawSMTP(self.gw.port) as c:
                c.ehlo()
                self.assertEqual(c.cmd("MAIL FROM:<alice@sender.test>").code, 250)
                self.assertEqual(c.cmd("RCPT TO:<user@example.test>").code, 250)
                self.assertEqual(c.cmd("DATA").code, 354)
                c.send(b"From: alice@sender.test\r\nSubject: smuggle " + repr(v).encode()
                       + b"\r\n\r\nbefore" + v
                       + b"MAIL FROM:<evil@x.test>\r\nRCPT TO:<user@example.test>\r\nDATA\r\n"
                       + b"smuggled\r\n" + b"\r\n.\r\n")
                replies, _ = c.collect(first_timeout=30, quiet=2)
                self.assertGreaterEqual(len(replies), 1)
                self.assertEqual(replies[0].code, 550, replies)
                self.assertTrue(replies[0].text.startswith("5.6.11"), replies)
                self.assertEqual(len(replies), 1,
                                 f"more than one reply to one transaction: {replies}")
        self.assertEqual(self.gw.events("queued"), [])
        self.send_marker()
        time.sleep(1.5)
        msgs = self.dest.messages()
        for m in msgs:
            self.assertNotIn(b"smuggled", m.data, m)
            self.assertNotEqual(m.mail_from, "evil@x.test", m)
        self.assertEqual(len(msgs), 1, msgs)
        self.assertEqual(self.mx.count(), 0)

    def test_next_hop_down_then_up(self):
        from harness import free_port
        port = free_port()
        self.setup_gateway(dest_port=port)
        self.assertFalse(self.dest.running)
        data = make_message("retry me", ["the next hop was down"])
        t = smtp_send(self.gw.port, "alice@sender.test", ["user@example.test"], data)
        self.assertEqual(t.data[0], 250, t)
        qid = self.assertQueued(t.data[1])
        self.gw.wait_event("deferred", queue_id=qid, timeout=30)
        self.assertEqual(self.gw.events("delivered", queue_id=qid), [])
        self.dest.start()
        self.assertEqual(self.dest.port, port)
        msg = self.dest.wait_for(1, timeout=60, diagnostics=self.diag(self.dest))[0]
        self.assertRelayedIdentical(msg, data, qid)
        self.assertEqual(msg.rcpt_tos, ["user@example.test"])
        self.gw.wait_event("delivered", queue_id=qid, timeout=10)
        self.assertNothingMore((self.dest, 1), (self.mx, 0))

    def _bounce_setup(self):
        self.setup_gateway(zone=mx_zone("senders.test"),
                           dest_kwargs={"rcpt_reply": "550 5.1.1 no such user"})

    def _check_bounce(self, bounce, failed_rcpt, original_sender, original_subject):
        self.assertEqual(bounce.mail_from, "", "a bounce must have the null sender")
        self.assertEqual(bounce.rcpt_tos, [original_sender])
        _, rest = split_received(bounce.data) if bounce.data.startswith(b"Received:") \
            else (b"", bounce.data)
        m = email.message_from_bytes(rest, policy=email.policy.compat32)
        self.assertEqual(m.get_content_type(), "multipart/report")
        self.assertEqual(m.get_param("report-type"), "delivery-status")
        self.assertRegex(m.get("From", ""), r"(?i)MAILER-DAEMON@" + re.escape(self.gw.hostname))
        self.assertEqual(m.get("To", "").strip("<> "), original_sender)
        parts = {p.get_content_type(): p for p in m.walk()}
        self.assertIn("message/delivery-status", parts, list(parts))
        status = parts["message/delivery-status"]
        text = "".join(str(p) for p in status.get_payload()) \
            if status.is_multipart() else status.get_payload()
        self.assertRegex(text, r"(?im)^Final-Recipient:\s*rfc822;\s*" + re.escape(failed_rcpt))
        self.assertRegex(text, r"(?im)^Action:\s*failed")
        self.assertRegex(text, r"(?im)^Status:\s*5\.1\.1")
        self.assertIn(original_subject.encode(), rest, "the bounce does not return the headers")

    def test_next_hop_5xx_bounces_to_sender(self):
        self._bounce_setup()
        data = make_message("will bounce", ["nobody home"], sender="bob@senders.test")
        t = smtp_send(self.gw.port, "bob@senders.test", ["user@example.test"], data)
        self.assertEqual(t.data[0], 250, t)
        qid = self.assertQueued(t.data[1])
        self.gw.wait_event("bounced", queue_id=qid)
        bq = self.gw.wait_event("bounce_queued", original=qid)
        bounce = self.mx.wait_for(1, diagnostics=self.diag(self.dest, self.mx))[0]
        self._check_bounce(bounce, "user@example.test", "bob@senders.test", "will bounce")
        self.gw.wait_event("delivered", queue_id=bq["queue_id"])
        self.assertNothingMore((self.dest, 0), (self.mx, 1))

    def test_next_hop_connection_reused_after_refused_recipients(self):
        # The next hop refuses only nobody@; the gateway keeps delivered-on connections for
        # reuse (idle_connection, 5 s by default). A transaction whose every RCPT was refused
        # must be ended (RSET) before the connection carries the next message.
        self.setup_gateway(zone=mx_zone("senders.test"),
                           dest_kwargs={"rcpt_reply": "550 5.1.1 no such user",
                                        "rcpt_match": r"^nobody@"})
        data1 = make_message("to nobody", ["refused"], sender="bob@senders.test",
                             to="nobody@example.test")
        t1 = smtp_send(self.gw.port, "bob@senders.test", ["nobody@example.test"], data1)
        self.assertEqual(t1.data[0], 250, t1)
        qid1 = self.assertQueued(t1.data[1])
        self.gw.wait_event("bounced", queue_id=qid1)
        data2 = make_message("to user", ["accepted"], sender="alice@sender.test")
        t2 = smtp_send(self.gw.port, "alice@sender.test", ["user@example.test"], data2)
        self.assertEqual(t2.data[0], 250, t2)
        qid2 = self.assertQueued(t2.data[1])
        outcome = wait_until(lambda: self.gw.events("delivered", queue_id=qid2)
                             or self.gw.events("bounced", queue_id=qid2)
                             or self.gw.events("deferred", queue_id=qid2), 30,
                             f"an outcome for {qid2}", diagnostics=self.diag(self.dest))
        self.assertEqual(outcome[0][1], "delivered", outcome[0][2])
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertRelayedIdentical(msg, data2, qid2)
        bounce = self.mx.wait_for(1, diagnostics=self.diag(self.mx))[0]
        self._check_bounce(bounce, "nobody@example.test", "bob@senders.test", "to nobody")
        self.assertNothingMore((self.dest, 1), (self.mx, 1))

    def test_null_sender_failure_not_bounced(self):
        self._bounce_setup()
        data = make_message("null sender", ["a bounce that fails"], sender="MAILER-DAEMON@x.test")
        t = smtp_send(self.gw.port, "", ["user@example.test"], data)
        self.assertEqual(t.mail[0], 250, t)
        self.assertEqual(t.data[0], 250, t)
        qid = self.assertQueued(t.data[1])
        self.gw.wait_event("bounced", queue_id=qid)
        self.gw.wait_event("bounce_suppressed", queue_id=qid)
        self.assertEqual(self.gw.events("bounce_queued", original=qid), [])
        # The bounce path itself works: a failing message with a real sender bounces.
        data2 = make_message("real sender", ["bounces"], sender="bob@senders.test")
        t2 = smtp_send(self.gw.port, "bob@senders.test", ["user@example.test"], data2)
        self.assertEqual(t2.data[0], 250, t2)
        bounce = self.mx.wait_for(1, diagnostics=self.diag(self.mx))[0]
        self._check_bounce(bounce, "user@example.test", "bob@senders.test", "real sender")
        self.assertNotIn(b"Subject: null sender", bounce.data)
        self.assertNothingMore((self.dest, 0), (self.mx, 1))
        self.assertEqual(len(self.gw.events("bounce_queued")), 1)


if __name__ == "__main__":
    unittest.main()
