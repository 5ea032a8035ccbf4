"""Session limits and timeouts of the real portcullisd over loopback sockets: idle and DATA
timeouts (421 4.4.2), early talkers (554 5.5.1), concurrent sessions overall and per client
address (421 4.7.0), the protocol error limit (421 4.7.0). Each test has its own gateway.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_sessions
"""
import socket
import time
import unittest

from harness import GatewayCase, RawSMTP, make_message, smtp_send

DEST = "example.test"


class SessionLimitsTest(GatewayCase):

    def start_gateway(self, limits=None, timeouts=None):
        self.dest = self.make_sink("dest")
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns()
        self.gw = self.make_gateway(self.dns, self.mx.port, limits=limits, timeouts=timeouts)
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        self.gw.start()

    def assertClosesWith(self, conn, code, enhanced, timeout=20):
        replies, closed = conn.collect(first_timeout=timeout, quiet=2)
        if not closed:
            closed = conn.wait_closed(timeout=5)
        self.assertTrue(replies, "no reply before the connection ended")
        self.assertEqual((replies[-1].code, replies[-1].text.split(" ")[0]), (code, enhanced), replies)
        self.assertTrue(closed, f"connection still open after {replies[-1]}")
        return replies[-1]

    def test_idle_command_timeout(self):
        self.start_gateway(timeouts={"command": 2})
        with RawSMTP(self.gw.port) as c:
            c.ehlo()
            started = time.monotonic()
            r = self.assertClosesWith(c, 421, "4.4.2")
            self.assertGreaterEqual(time.monotonic() - started, 1.5)
            self.assertIn("timeout", r.text)
        self.gw.wait_event("timeout", phase="command")

    def test_data_timeout_loses_nothing_and_keeps_nothing(self):
        self.start_gateway(timeouts={"command": 30, "data_block": 2})
        with RawSMTP(self.gw.port) as c:
            c.ehlo()
            c.send(b"MAIL FROM:<alice@sender.test>\r\nRCPT TO:<user@example.test>\r\nDATA\r\n")
            self.assertEqual([r.code for r in c.read_replies(3)], [250, 250, 354])
            c.send(b"Subject: half\r\n\r\nthe sender stalls here")
            self.assertClosesWith(c, 421, "4.4.2")
        self.gw.wait_event("timeout", phase="data")
        # The half message is neither delivered nor left in the queue.
        t = smtp_send(self.gw.port, "marker@sender.test", ["user@example.test"],
                      make_message("marker", ["after the timeout"]))
        self.assertEqual(t.data[0], 250, t)
        msgs = self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        self.assertIn(b"Subject: marker", msgs[0].data)
        time.sleep(1.5)
        self.assertEqual(self.dest.count(), 1)
        self.assertEqual(len(self.gw.events("queued")), 1, self.gw.events("queued"))

    def test_early_talker_refused(self):
        self.start_gateway(timeouts={"greet_delay": 2})
        with socket.create_connection(("127.0.0.1", self.gw.port), timeout=15) as s:
            s.sendall(b"EHLO hasty.test\r\nMAIL FROM:<spam@bot.test>\r\n")
            data = b""
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b"554 5.5.1 "), data)
        self.assertNotIn(b"220", data, "banner sent to an early talker")
        self.assertEqual(data.count(b"\r\n"), 1, data)  # nothing of the pipelined commands ran
        self.gw.wait_event("early_talker", client="127.0.0.1")

    def test_patient_client_greeted_after_delay(self):
        self.start_gateway(timeouts={"greet_delay": 1})
        started = time.monotonic()
        with RawSMTP(self.gw.port) as c:
            self.assertEqual(c.banner.code, 220, c.banner)
            self.assertGreaterEqual(time.monotonic() - started, 0.9)
            c.ehlo()
            self.assertEqual(c.cmd("QUIT").code, 221)

    def test_sessions_per_client_address(self):
        self.start_gateway(limits={"sessions": 10, "sessions_per_ip": 2})
        held = [RawSMTP(self.gw.port) for _ in range(2)]
        for c in held:
            self.addCleanup(c.close)
            self.assertEqual(c.banner.code, 220)
        # RawSMTP reads the first reply as its banner: here it is the refusal.
        refused = RawSMTP(self.gw.port)
        self.addCleanup(refused.close)
        self.assertEqual(refused.banner.code, 421, refused.banner)
        self.assertTrue(refused.banner.text.startswith("4.7.0"), refused.banner)
        self.assertIn("from your address", refused.banner.text)
        self.assertTrue(refused.wait_closed(timeout=10))
        # Another client address is still welcome.
        other = RawSMTP(self.gw.port, source="127.0.0.2")
        self.addCleanup(other.close)
        self.assertEqual(other.banner.code, 220, other.banner)
        # When one session ends, its slot is free again.
        self.assertEqual(held[0].cmd("QUIT").code, 221)
        self.assertTrue(held[0].wait_closed(timeout=10))
        again = RawSMTP(self.gw.port)
        self.addCleanup(again.close)
        self.assertEqual(again.banner.code, 220, again.banner)
        self.gw.wait_event("connection_refused", client="127.0.0.1")

    def test_sessions_overall(self):
        self.start_gateway(limits={"sessions": 3, "sessions_per_ip": 100})
        held = [RawSMTP(self.gw.port, source=f"127.0.0.{i + 1}") for i in range(3)]
        for c in held:
            self.addCleanup(c.close)
            self.assertEqual(c.banner.code, 220)
        refused = RawSMTP(self.gw.port, source="127.0.0.9")
        self.addCleanup(refused.close)
        self.assertEqual(refused.banner.code, 421, refused.banner)
        self.assertIn("too many connections", refused.banner.text)
        self.assertTrue(refused.wait_closed(timeout=10))
        held[1].close()
        # The slot frees once the daemon sees the close; poll with a bounded number of tries.
        for _ in range(50):
            c = RawSMTP(self.gw.port, source="127.0.0.9")
            self.addCleanup(c.close)
            if c.banner.code == 220:
                break
            time.sleep(0.1)
        self.assertEqual(c.banner.code, 220, c.banner)

    def test_error_limit(self):
        self.start_gateway(limits={"errors": 3})
        with RawSMTP(self.gw.port) as c:
            c.ehlo()
            self.assertEqual(c.cmd("BOGUS").code, 500)
            self.assertEqual(c.cmd("MAIL FROM:broken").code, 501)
            c.send(b"RCPT TO:<x@example.test>\r\nNOOP\r\n")
            replies, closed = c.collect(first_timeout=15, quiet=2)
            if not closed:
                closed = c.wait_closed(timeout=5)
        self.assertEqual([r.code for r in replies], [503, 421], replies)
        self.assertTrue(replies[1].text.startswith("4.7.0"), replies)
        self.assertTrue(closed)


if __name__ == "__main__":
    unittest.main()
