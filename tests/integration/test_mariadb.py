"""portcullisd on a real MariaDB (Debian's mariadbd in a temporary datadir, unix socket only):
two gateways sharing one database, and the database going away while mail flows.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_mariadb
"""
import re
import shutil
import tempfile
import unittest
from pathlib import Path

from harness import GatewayCase, free_port, make_message, smtp_send, wait_until
from mariadb_server import MariaDB

DEST = "example.test"
PASSWORD = "s3cret-for-tests"


def mariadb_uri(socket_path, database, user="portcullis"):
    return f"mariadb://{user}@unix:{socket_path}/{database}"


class MariadbCase(GatewayCase):
    """One mariadbd for the class; a fresh database for each test."""

    @classmethod
    def setUpClass(cls):
        cls.db_dir = Path(tempfile.mkdtemp(prefix="pc-mariadb-"))
        cls.db_dir.chmod(0o755)  # the gateway's own user reaches the server's socket in it
        cls.db = MariaDB(cls.db_dir)
        cls.db.start()

    @classmethod
    def tearDownClass(cls):
        cls.db.stop()
        shutil.rmtree(cls.db_dir, ignore_errors=True)

    def setUp(self):
        super().setUp()
        if not self.db.running:  # a failed fault test may have left it down
            self.db.start()
        name = "pc_" + re.sub(r"[^a-z0-9_]", "_", self._testMethodName.lower())[:40]
        self.db.sql(f"DROP DATABASE IF EXISTS `{name}`")
        self.db.create_database(name, "portcullis", PASSWORD)
        self.password_file = self.work / "db.password"
        self.password_file.write_text(PASSWORD + "\n")
        self.password_file.chmod(0o600)
        self.uri = mariadb_uri(self.db.socket, name)

    def gateway(self, name, dns, mx_port, **kw):
        return self.make_gateway(dns, mx_port, name=name, hostname=f"{name}.test", store=self.uri,
                                 store_password_file=self.password_file, **kw)

    def search(self, gw, *args):
        return gw.cli("log", "search", *args).stdout.decode()


class SharedDatabaseTest(MariadbCase):

    def test_two_gateways_share_policy_and_message_log(self):
        dest = self.make_sink("dest")
        mx = self.make_sink("mx")
        dns = self.make_dns()
        gw1 = self.gateway("gw1", dns, mx.port)
        gw2 = self.gateway("gw2", dns, mx.port)
        self.assertIn("current", gw1.cli("db", "migrate").stdout.decode() + gw1.cli("db", "status").stdout.decode())
        gw1.start()
        gw2.start()
        data = make_message("shared", ["through both"], to="user@example.test")
        before = smtp_send(gw2.port, "alice@sender.test", ["user@example.test"], data)
        self.assertEqual(before.rcpts[0][0], 554, before)  # not our domain yet

        # A domain added through gw1's CLI is honoured by both within seconds.
        mark1, mark2 = gw1.log_size(), gw2.log_size()
        gw1.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{dest.port}")
        gw1.wait_event("policy_reloaded", since=mark1, timeout=15)
        gw2.wait_event("policy_reloaded", since=mark2, timeout=15)
        ids = {}
        for gw in (gw1, gw2):
            t = smtp_send(gw.port, "alice@sender.test", ["user@example.test"],
                          make_message(f"via {gw.hostname}", ["x"], to="user@example.test"))
            self.assertEqual(t.data[0], 250, t)
            ids[gw.hostname] = t.queue_id
        dest.wait_for(2, diagnostics=self.diag(dest))

        # Either gateway's CLI finds both messages, each with the gateway that took it.
        for gw in (gw1, gw2):
            for host, qid in ids.items():
                out = wait_until(lambda: (lambda o: o if "delivered" in o else None)(
                    self.search(gw, "--queue-id", qid)), 20, f"{qid} delivered in the log")
                self.assertIn(f"gateway={host}", out)
        both = self.search(gw2, "--to", "user@example.test")
        self.assertIn(ids["gw1.test"], both)
        self.assertIn(ids["gw2.test"], both)


class DatabaseOutageTest(MariadbCase):

    def test_outage_tempfails_keeps_delivering_and_recovers(self):
        dest_port = free_port()
        dest = self.make_sink("dest", start=False, port=dest_port)
        mx = self.make_sink("mx")
        dns = self.make_dns()
        gw = self.gateway("gw", dns, mx.port)
        gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{dest_port}")
        gw.start()

        # A: accepted and queued while the next hop is down.
        a = smtp_send(gw.port, "alice@sender.test", ["user@example.test"],
                      make_message("queued before the outage", ["a"], to="user@example.test"))
        self.assertEqual(a.data[0], 250, a)
        gw.wait_event("deferred", queue_id=a.queue_id, timeout=30)

        # The database goes away (killed, as in a crash).
        mark = gw.log_size()
        self.db.kill()
        gw.wait_event("policy_store_unavailable", since=mark, timeout=30)
        b = smtp_send(gw.port, "bob@sender.test", ["user@example.test"],
                      make_message("during the outage", ["b"], to="user@example.test"))
        self.assertEqual(b.mail[0], 451, b)
        self.assertIn("4.3.0", b.mail[1])
        self.assertIsNone(b.data)
        self.assertTrue(gw.running, "the daemon must survive the outage")

        # The queue keeps moving: the next hop comes up and A is delivered, database or not.
        dest.start()
        self.assertEqual(dest.port, dest_port)
        msgs = dest.wait_for(1, timeout=60, diagnostics=self.diag(dest))
        self.assertIn(b"queued before the outage", msgs[0].data)

        # The database returns; acceptance resumes by itself.
        mark = gw.log_size()
        self.db.start()
        gw.wait_event("policy_store_recovered", since=mark, timeout=60)
        c = smtp_send(gw.port, "carol@sender.test", ["user@example.test"],
                      make_message("after the outage", ["c"], to="user@example.test"))
        self.assertEqual(c.data[0], 250, c)
        dest.wait_for(2, timeout=60, diagnostics=self.diag(dest))
        self.assertTrue(gw.running)

        # The message log caught up: A's delivery (made during the outage) and C are there.
        for qid in (a.queue_id, c.queue_id):
            wait_until(lambda: "delivered" in self.search(gw, "--queue-id", qid), 60,
                       f"{qid} delivered in the message log", diagnostics=lambda: gw.tail(30))
        self.assertEqual(self.search(gw, "--from", "bob@sender.test"), "")


if __name__ == "__main__":
    unittest.main()
