"""The in-place upgrade on a booted appliance (issue 9): the previous release's image (this tree
built with the previous version number and schema, tests/e2e/build-upgrade-set) boots and
queues mail for a relay that is down; bundles that must be refused are refused with nothing
changed (a foreign signature, a wrong from-version); a bundle whose schema migration fails
half-way (a fault-injected test build) is rolled back and the old release serves mail again;
then this release's bundle is applied: the schema and a configuration migration run, the
gateway comes back, the mail queued before the upgrade is delivered, and new mail flows;
finally `rollback --yes` puts the previous release back and mail flows through it.

UPGRADE_SET (default build/upgrade-set) is what build-upgrade-set made; `make appliance-test`
makes it.
"""
import os
import re
import shutil
import smtplib
import socket
import sys
import tempfile
import time
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Sink, free_port, keep_tmp, make_message, wait_until  # noqa: E402
from qemu_vm import ApplianceVM, make_seed  # noqa: E402
from test_appliance import ANSWERS  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
UPGRADE_SET = Path(os.environ.get("UPGRADE_SET", REPO / "build" / "upgrade-set"))
VERSION = re.search(r"project\(portcullis VERSION ([0-9.]+)", (REPO / "CMakeLists.txt").read_text()).group(1)
BUNDLES = "/run/bundles"


class Upgrade(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="portcullis-upgrade-e2e."))
        raws = sorted((UPGRADE_SET / "prev").glob("portcullis-*.raw"))
        if not raws or not (UPGRADE_SET / "bundles.img").exists():
            raise AssertionError(f"no previous-release image or bundles.img in {UPGRADE_SET}: "
                                 "run tests/e2e/build-upgrade-set (make appliance-test does)")
        cls.raw = raws[-1]
        cls.prev_version = re.search(r"portcullis-([0-9.]+)\.raw", cls.raw.name).group(1)
        cls.seed = make_seed(cls.tmp / "seed.img", ANSWERS)

    @classmethod
    def tearDownClass(cls):
        if not keep_tmp():
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def guest(self, command, timeout=600):
        status, out = self.vm.run(command, timeout=timeout)
        return status, out

    def ok(self, command, timeout=600):
        status, out = self.guest(command, timeout)
        self.assertEqual(status, 0, f"{command}:\n{out}")
        return out

    def version(self):
        return self.ok("portcullis --version").strip()

    def schema(self):
        out = self.ok("portcullis db status")
        return int(re.search(r"schema-version\s+(\d+)", out).group(1))

    def tables_and_indexes(self):
        """Every table and index of the gateway's database: what a half-applied migration changes."""
        return self.ok("mariadb -N portcullis -e \"SELECT table_name, COALESCE(index_name, '') FROM "
                       "information_schema.tables LEFT JOIN information_schema.statistics USING (table_schema, "
                       "table_name) WHERE table_schema = 'portcullis' ORDER BY 1, 2\"")

    def queued(self):
        return int(re.search(r"(\d+) message\(s\)", self.ok("portcullis queue list")).group(1))

    def send(self, subject):
        with smtplib.SMTP("127.0.0.1", self.vm.smtp_port, timeout=180) as s:
            s.sendmail("someone@sender.test", ["user@appliance.test"],
                       make_message(subject, ["queued across the upgrade"], to="user@appliance.test"))

    def banner(self):
        with socket.create_connection(("127.0.0.1", self.vm.smtp_port), timeout=60) as c:
            c.settimeout(60)
            return c.recv(512).decode(errors="replace")

    def apply(self, bundle):
        started = time.monotonic()
        result = self.guest(f"portcullis-upgrade apply {BUNDLES}/{bundle} 2>&1", timeout=1200)
        print(f"\n[upgrade] apply {bundle}: exit {result[0]} after {time.monotonic() - started:.0f} s (TCG)",
              file=sys.stderr)
        return result

    def test_refused_rolled_back_then_upgraded_with_queued_mail_delivered(self):
        sink_port = free_port()
        sink = Sink(self.tmp, port=sink_port)  # not started: the organisation's server is down
        self.addCleanup(sink.stop)
        self.vm = ApplianceVM(self.tmp, self.raw, seed=self.seed, smtp_port=free_port(), sink_port=sink_port,
                              name="prev", extra_disks=[UPGRADE_SET / "bundles.img"])
        self.addCleanup(self.vm.kill)
        self.vm.start()
        self.vm.wait_for_agent()
        self.vm.wait_until_set_up()
        self.vm.give_virus_signatures()  # else the appliance defers all mail (test_appliance.py)
        self.assertEqual(self.version(), f"portcullis {self.prev_version}")
        prev_schema = self.schema()
        prev_tables = self.tables_and_indexes()
        self.ok(f"mkdir -p {BUNDLES} && mount -o ro /dev/disk/by-label/BUNDLES {BUNDLES}")

        # Mail arrives while the organisation's server is down: it waits in the queue.
        for n in (1, 2):
            self.send(f"before the upgrade {n}")
        wait_until(lambda: self.queued() == 2, 120, "two queued messages")

        # Refused before anything changed: a foreign signature, a bundle for other releases.
        status, out = self.apply(f"portcullis-{VERSION}-badsig.bundle")
        self.assertEqual(status, 2, out)
        self.assertIn("signature does not verify", out)
        status, out = self.apply(f"portcullis-{VERSION}-wrongfrom.bundle")
        self.assertEqual(status, 2, out)
        self.assertIn(f"upgrades from 0.0.*, not from {self.prev_version}", out)
        self.assertEqual(self.version(), f"portcullis {self.prev_version}")
        self.assertEqual(self.ok("ls /var/lib/portcullis-upgrade/backups 2>/dev/null | wc -l").strip(), "0")
        self.assertEqual(self.guest("systemctl is-active portcullisd")[1].strip(), "active")

        # A schema migration that fails half-way (fault-injected test build): rolled back.
        status, out = self.apply(f"portcullis-{VERSION}-fault.bundle")
        self.assertEqual(status, 1, out)
        self.assertIn("FAILED at migrate", out)
        self.assertIn("portcullis_injected_fault", out)
        self.assertIn(f"{self.prev_version} serves mail again", out)
        self.assertEqual(self.version(), f"portcullis {self.prev_version}")
        self.assertEqual(self.schema(), prev_schema)
        # What the half-applied migration created is gone with the restored database.
        self.assertEqual(self.tables_and_indexes(), prev_tables)
        self.assertFalse(self.guest("test -e /var/lib/portcullis-upgrade/in-progress")[0] == 0)
        self.assertEqual(self.guest("systemctl is-active portcullisd")[1].strip(), "active")
        self.assertTrue(self.banner().startswith("220 "))
        self.send("after the rollback")
        wait_until(lambda: self.queued() == 3, 120, "three queued messages")

        # The real bundle: upgraded; the configuration migration ran with the two releases.
        status, out = self.apply(f"portcullis-{VERSION}.bundle")
        self.assertEqual(status, 0, out)
        self.assertIn("health: a test message went through the pipeline", out)
        self.assertEqual(self.version(), f"portcullis {VERSION}")
        self.assertGreater(self.schema(), prev_schema)
        # The release's own migration: the clamav provisioning step again, the bootstrap file
        # (which names its scanners already) left as it is.
        self.assertIn("configuration migration 10-appliance-scanners.sh: done", out)
        self.assertEqual(self.ok("systemctl is-active clamav-daemon portcullis-clamav-signatures.path").split(),
                         ["active", "active"])
        ran = self.ok("cat /var/lib/portcullis-upgrade/test-migration-ran")
        self.assertIn(f"from={self.prev_version}\nto={VERSION}\n", ran)
        history = self.ok("portcullis-upgrade history")
        self.assertRegex(history, rf"apply  {self.prev_version} -> {VERSION}  refused")
        self.assertRegex(history, rf"apply  {self.prev_version} -> {VERSION}  rolled back")
        self.assertRegex(history, rf"apply  {self.prev_version} -> {VERSION}  done")
        self.assertEqual(self.queued(), 3, "the queue survived the upgrade and the rollback")

        # While quiesced the ports answer 421; resumed, 220.
        self.ok("portcullis-upgrade quiesce")
        self.assertTrue(self.banner().startswith("421 4.3.2 "), "421 while quiesced")
        self.ok("portcullis-upgrade resume")
        self.assertTrue(self.banner().startswith("220 "))

        # The organisation's server is back: everything queued arrives, and new mail flows.
        sink.start()
        self.ok("portcullis queue flush")
        wait_until(lambda: len(sink.messages()) >= 3, 300, "the queued mail at the sink")
        self.send("after the upgrade")
        wait_until(lambda: len(sink.messages()) >= 4, 180, "new mail at the sink")
        subjects = sorted(re.search(rb"Subject: ([^\r\n]+)", m.data).group(1).decode() for m in sink.messages())
        self.assertEqual(subjects, ["after the rollback", "after the upgrade", "before the upgrade 1",
                                    "before the upgrade 2"])

        # Going back later: refused without --yes (it says what would be lost), done with it.
        status, out = self.guest("portcullis-upgrade rollback 2>&1")
        self.assertEqual(status, 2, out)
        self.assertIn("the database returns to that moment", out)
        self.assertEqual(self.version(), f"portcullis {VERSION}")
        status, out = self.guest("portcullis-upgrade rollback --yes 2>&1", timeout=1200)
        self.assertEqual(status, 0, out)
        self.assertIn("health: a test message went through the pipeline", out)
        self.assertEqual(self.version(), f"portcullis {self.prev_version}")
        self.assertEqual(self.schema(), prev_schema)
        self.assertRegex(self.ok("portcullis-upgrade history"), rf"rollback  {VERSION} -> {self.prev_version}  done")
        self.send("after going back")
        wait_until(lambda: len(sink.messages()) >= 5, 180, "mail through the release put back")
        self.assertTrue(self.vm.shutdown(), "clean shutdown")


if __name__ == "__main__":
    unittest.main()
