"""Message tracking (`portcullis log search`), admin users (`portcullis user`), and when the
daemon and the CLI migrate the store. The real daemon and CLI on the SQLite store; the same
store code runs on MariaDB in the typed unit suite and in test_mariadb.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_tracking
"""
import sqlite3
import time
import unittest

from harness import GatewayCase, make_message, smtp_send, wait_until

DEST = "example.test"


class TrackingTest(GatewayCase):

    def start_gateway(self, dest_kwargs=None):
        self.dest = self.make_sink("dest", **(dest_kwargs or {}))
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns()
        self.gw = self.make_gateway(self.dns, self.mx.port)
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}",
                    "--recipients", "specified")
        self.gw.cli("recipient", "add", "bob@example.test")
        self.gw.cli("recipient", "add", "carol@example.test")
        self.gw.start()

    def search(self, *args):
        return self.gw.cli("log", "search", *args).stdout.decode()

    def wait_search(self, what, *args, timeout=20):
        return wait_until(lambda: (lambda out: out if what in out else None)(self.search(*args)), timeout,
                          f"'{what}' in log search {args}", diagnostics=lambda: self.gw.tail(30))

    def test_messages_are_found_with_their_deliveries(self):
        self.start_gateway()
        t1 = smtp_send(self.gw.port, "alice@sender.test", ["bob@example.test", "carol@example.test"],
                       make_message("first", ["one"], to="bob@example.test"))
        t2 = smtp_send(self.gw.port, "dave@other.test", ["carol@example.test"],
                       make_message("second", ["two"], to="carol@example.test"))
        self.assertEqual((t1.data[0], t2.data[0]), (250, 250))
        self.dest.wait_for(2, diagnostics=self.diag(self.dest))
        q1, q2 = t1.queue_id, t2.queue_id

        out = self.wait_search("delivered", "--queue-id", q1)
        lines = out.splitlines()
        self.assertIn(q1, lines[0])
        self.assertIn("accept", lines[0])
        self.assertIn("from=<alice@sender.test>", lines[0])
        self.assertIn("client=127.0.0.1", lines[0])
        self.assertIn("helo=", lines[0])
        self.assertIn("gateway=gw.test", lines[0])
        rcpt_lines = [l for l in lines[1:] if l.strip()]
        self.assertEqual(len(rcpt_lines), 2, out)
        for l in rcpt_lines:
            self.assertIn("delivered", l)
            self.assertIn(f"relay=", l)
        self.wait_search("delivered", "--queue-id", q2)

        by_sender = self.search("--from", "alice@sender.test")
        self.assertIn(q1, by_sender)
        self.assertNotIn(q2, by_sender)
        by_domain = self.search("--from", "@other.test")
        self.assertIn(q2, by_domain)
        self.assertNotIn(q1, by_domain)
        by_rcpt = self.search("--to", "carol@example.test")
        self.assertIn(q1, by_rcpt)
        self.assertIn(q2, by_rcpt)
        self.assertLess(by_rcpt.index(q2), by_rcpt.index(q1), "newest first")
        self.assertIn(q1, self.search("--to", "BOB@example.test"))
        self.assertNotIn(q2, self.search("--to", "bob@example.test"))
        self.assertIn(q1, self.search("--since", "1h"))
        self.assertEqual(self.search("--until", "1h"), "")
        r = self.gw.cli("log", "search", "--since", "yesterday-ish", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--since", r.stderr.decode())

    def test_bounce_and_its_dsn_are_tracked(self):
        self.start_gateway(dest_kwargs={"rcpt_reply": "550 5.1.1 no such user here"})
        t = smtp_send(self.gw.port, "alice@sender.test", ["bob@example.test"],
                      make_message("doomed", ["x"], to="bob@example.test"))
        self.assertEqual(t.data[0], 250, t)
        out = self.wait_search("bounced", "--queue-id", t.queue_id)
        self.assertIn("550 5.1.1 no such user here", out)
        dsn = self.wait_search("DSN original=" + t.queue_id, "--from", "<>")
        self.assertIn("alice@sender.test", dsn)

    def test_rejected_recipient_is_not_logged_as_a_message(self):
        self.start_gateway()
        t = smtp_send(self.gw.port, "alice@sender.test", ["nobody@example.test", "bob@example.test"],
                      make_message("partly", ["x"], to="bob@example.test"))
        self.assertEqual([c for c, _ in t.rcpts], [550, 250], t)
        out = self.wait_search("delivered", "--queue-id", t.queue_id)
        self.assertNotIn("nobody@example.test", out)

    def test_admin_users(self):
        self.start_gateway()
        weak = self.gw.cli("user", "add", "admin", input=b"password\n", check=False)
        self.assertEqual(weak.returncode, 1)
        self.assertIn("too weak", weak.stderr.decode())
        self.gw.cli("user", "add", "admin", input=b"Correct-Horse-42\n")
        self.gw.cli("user", "add", "auditor", "--role", "viewer", input=b"a much longer passphrase\n")
        listing = self.gw.cli("user", "list").stdout.decode()
        self.assertRegex(listing, r"admin\s+admin")
        self.assertRegex(listing, r"auditor\s+viewer")
        self.assertEqual(self.gw.cli("user", "verify", "admin", input=b"Correct-Horse-42\n").returncode, 0)
        self.assertEqual(self.gw.cli("user", "verify", "admin", input=b"Correct-Horse-43\n",
                                     check=False).returncode, 1)
        # Only the hash is stored: the password is nowhere in the database file.
        db = self.gw.root / "data" / "portcullis.db"
        with sqlite3.connect(db) as c:
            stored = c.execute("SELECT password_hash FROM admin_users WHERE name = 'admin'").fetchone()[0]
        self.assertTrue(stored.startswith("$scrypt$ln=17,r=8,p=1$"), stored)
        self.assertNotIn(b"Correct-Horse-42", db.read_bytes())
        self.gw.cli("user", "passwd", "admin", input=b"Another-Horse-43\n")
        self.assertEqual(self.gw.cli("user", "verify", "admin", input=b"Another-Horse-43\n").returncode, 0)
        self.gw.cli("user", "remove", "auditor")
        self.assertNotIn("auditor", self.gw.cli("user", "list").stdout.decode())


class MigratePolicyTest(GatewayCase):
    """An empty store is set up by anyone; an older schema only when told; a newer never."""

    def make(self):
        dns = self.make_dns()
        mx = self.make_sink("mx")
        return self.make_gateway(dns, mx.port)

    # The tables of schema version 1 (frozen): everything a later migration added is dropped.
    V1_TABLES = {"schema_version", "policy_serial", "settings", "domains", "recipients", "aliases",
                 "alias_targets", "relaynets"}

    def downgrade_to_v1(self, gw):
        db = gw.root / "data" / "portcullis.db"
        with sqlite3.connect(db) as c:
            tables = [r[0] for r in c.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            self.assertIn("messages", tables)
            for t in tables:
                if t not in self.V1_TABLES:
                    c.execute(f"DROP TABLE {t}")
            c.execute("DELETE FROM schema_version WHERE version > 1")

    def test_older_schema_needs_migrate(self):
        gw = self.make()
        gw.cli("db", "migrate")
        self.downgrade_to_v1(gw)
        status = gw.cli("db", "status").stdout.decode()
        self.assertRegex(status, r"schema-version\s+1")
        self.assertIn("needs migrate", status)
        r = gw.cli("domain", "list", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("portcullis db migrate", r.stderr.decode())
        with self.assertRaises(AssertionError) as e:
            gw.start(timeout=30)
        self.assertIn("older than this build", str(e.exception))
        gw.daemon_args = ["--migrate"]
        gw.start()
        gw.wait_event("store_migrate")
        self.assertIn("current", gw.cli("db", "status").stdout.decode())
        gw.stop()

    def test_newer_schema_is_refused(self):
        gw = self.make()
        gw.cli("db", "migrate")
        with sqlite3.connect(gw.root / "data" / "portcullis.db") as c:
            c.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (99, 'future', 'x')")
        gw.daemon_args = ["--migrate"]
        with self.assertRaises(AssertionError) as e:
            gw.start(timeout=30)
        self.assertIn("newer than this build", str(e.exception))
        r = gw.cli("db", "migrate", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("newer than this build", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
