"""The queue over time: expiry turns deferred mail into a bounce, and the admin CLI's
queue commands (list, show, flush, delete) against a running daemon."""
import re
import time
import unittest

from harness import GatewayCase, free_port, make_message, mx_zone, smtp_send

DEST = "example.test"
QUEUED_RE = re.compile(r"queued as ([0-9A-Z]{16})")


class QueueTest(GatewayCase):
    def setup(self, delivery=None):
        self.dest_port = free_port()            # nothing listens: the next hop is down
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns(mx_zone("senders.test"))
        self.gw = self.make_gateway(self.dns, self.mx.port, delivery=delivery or {})
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest_port}")
        self.gw.start()

    def q(self, *args):
        return self.gw.cli(*args).stdout.decode()

    def send(self, subject, sender="bob@senders.test"):
        data = make_message(subject, ["queued while the next hop is down"], sender=sender)
        t = smtp_send(self.gw.port, sender, ["user@example.test"], data)
        self.assertEqual(t.data[0], 250, t)
        return QUEUED_RE.search(t.data[1]).group(1)

    def test_expired_message_bounces_to_sender(self):
        self.setup({"retry_base": 1, "retry_max": 1, "expiry": 3})
        qid = self.send("will expire")
        self.gw.wait_event("deferred", queue_id=qid, timeout=30)
        self.gw.wait_event("bounced", queue_id=qid, timeout=30)
        bounce = self.mx.wait_for(1, timeout=30, diagnostics=self.diag(self.mx))[0]
        self.assertEqual(bounce.mail_from, "")
        self.assertEqual(bounce.rcpt_tos, ["bob@senders.test"])
        text = bounce.data.decode("utf-8", "replace")
        self.assertRegex(text, r"(?m)^Final-Recipient: rfc822; user@example.test\r$")
        self.assertRegex(text, r"(?m)^Action: failed\r$")
        self.assertIn("expired", text)
        self.gw.wait_event("removed", queue_id=qid, timeout=10)
        out = self.q("queue", "list")
        self.assertNotIn(qid, out)

    def test_queue_list_show_flush_delete(self):
        self.setup({"retry_base": 3600, "retry_max": 3600})
        a = self.send("first")
        b = self.send("second")
        for q in (a, b):
            self.gw.wait_event("deferred", queue_id=q, timeout=30)
        listing = self.q("queue", "list")
        self.assertIn(a, listing)
        self.assertIn(b, listing)
        self.assertIn("2 message(s)", listing)
        self.assertRegex(listing, re.escape(a) + r".*bob@senders\.test\s+1/1\s+1\s")
        shown = self.q("queue", "show", a)
        self.assertIn("sender:    bob@senders.test", shown)
        self.assertRegex(shown, r"user@example\.test\s+pending\s+451 4\.4\.1")
        self.assertIn("Subject: first", shown)
        missing = self.gw.cli("queue", "show", "0123456789ABCDEF", check=False)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("no message 0123456789ABCDEF", missing.stderr.decode())
        bad = self.gw.cli("queue", "delete", "../../etc/passwd", check=False)
        self.assertEqual(bad.returncode, 1)
        self.gw.cli("queue", "delete", b)
        self.assertNotIn(b, self.q("queue", "list"))
        # The next hop comes up; retries are an hour away, so only flush can deliver now.
        dest = self.make_sink("dest", port=self.dest_port)
        since = self.gw.log_size()
        self.gw.cli("queue", "flush")
        self.gw.wait_event("queue_flush", since=since, timeout=10)
        msg = dest.wait_for(1, timeout=30, diagnostics=self.diag(dest))[0]
        self.assertIn(b"Subject: first", msg.data)
        self.gw.wait_event("delivered", queue_id=a, timeout=10)
        time.sleep(1.5)
        self.assertEqual(dest.count(), 1, "the deleted message must not be delivered")
        self.assertIn("0 message(s)", self.q("queue", "list"))


if __name__ == "__main__":
    unittest.main()
