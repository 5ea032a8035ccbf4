"""portcullis-upgrade on this host (no systemd here; the whole transaction runs in the appliance
boot test, tests/e2e/test_upgrade.py): bundles that must be refused are refused before anything
changes — a foreign signature, a tampered payload, a wrong from-version, a downgrade — with the
reason and exit status 2; a good bundle passes `check`; `backup` makes a complete set of a live
store; `health` sends its test message through a running gateway to its own sink and removes
the route again; the 421 responder of `quiesce` (run as `respond`) answers and reads nothing.
"""
import hashlib
import os
import re
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import unittest
from pathlib import Path

from harness import BIN_DIR, REPO, GatewayCase, free_port, wait_until

UPGRADE = Path(os.environ.get("PORTCULLIS_UPGRADE_BIN", BIN_DIR.parent / "provisioning" / "upgrade" /
                              "portcullis-upgrade"))
VERSION = subprocess.run([str(BIN_DIR / "portcullis"), "--version"], capture_output=True, text=True,
                         check=False).stdout.split()[-1]


def fake_deb(path, version):
    """A minimal package named portcullis (dpkg --dry-run accepts it), standing in for the
    real one: what is tested here is the bundle around it."""
    root = path.parent / f"deb-{version}"
    (root / "DEBIAN").mkdir(parents=True, exist_ok=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: portcullis\nVersion: {version}\nArchitecture: all\nMaintainer: test <t@example.test>\n"
        "Description: stand-in for the upgrade tests\n")
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(root), str(path)], check=True,
                   capture_output=True)
    return path


def digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


class UpgradeTool(GatewayCase):
    def setUp(self):
        super().setUp()
        if not UPGRADE.exists():
            raise AssertionError(f"{UPGRADE} not built")
        self.sink = self.make_sink()
        self.dns = self.make_dns()
        self.gw = self.make_gateway(self.dns, self.sink.port)
        self.gw.cli("domain", "add", "example.test", "--destination", f"127.0.0.1:{self.sink.port}")
        self.state = self.work / "state"
        self.keys = self.work / "keys"
        self.keys.mkdir()
        self.tool("keygen", str(self.work / "release.key"), str(self.keys / "release.pub"))
        self.tool("keygen", str(self.work / "other.key"), str(self.work / "other.pub"))

    def tool(self, *args, check=True, timeout=300):
        cmd = [str(UPGRADE), "--config", str(self.gw.config_path), "--bin-dir", str(BIN_DIR),
               "--state-dir", str(self.state), "--log-dir", str(self.work / "log"), "--keys", str(self.keys),
               "--etc-dir", str(self.gw.root), *args]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {r.returncode}\n{r.stdout}{r.stderr}")
        return r

    def bundle(self, name, version, from_, key="release.key"):
        deb = self.work / f"portcullis_{version}_all.deb"
        if not deb.exists():
            fake_deb(deb, version)
        out = self.work / name
        self.tool("bundle", "--key", str(self.work / key), "--deb", str(deb), "--version", version,
                  "--from", from_, "--out", str(out))
        return out

    def keep_installed_package(self):
        packages = self.state / "packages"
        packages.mkdir(parents=True, exist_ok=True)
        fake_deb(packages / f"portcullis_{VERSION}_amd64.deb", VERSION)

    def system_state(self):
        """What an upgrade would change: the store, the configuration, the tool's backups."""
        db = self.gw.root / "data" / "portcullis.db"
        backups = sorted(p.name for p in (self.state / "backups").glob("*")) if (self.state / "backups").exists() else []
        return digest(db), digest(self.gw.config_path), backups, (self.state / "in-progress").exists()

    def test_refusals_change_nothing_and_a_good_bundle_passes_check(self):
        self.keep_installed_package()
        major, minor, _ = VERSION.split(".")
        nxt = f"{major}.{int(minor) + 1}.0"
        good = self.bundle("good.bundle", nxt, f"{major}.{minor}.*")
        before = self.system_state()

        r = self.tool("check", str(good))
        self.assertIn(f"ok: {VERSION} -> {nxt} can be applied", r.stdout)
        self.assertIn("signature: good", r.stdout)
        self.assertIn("queue: 0 message(s) waiting", r.stdout)

        foreign = self.bundle("foreign.bundle", nxt, f"{major}.{minor}.*", key="other.key")
        tampered = self.work / "tampered.bundle"
        data = bytearray(good.read_bytes())
        package = (self.work / f"portcullis_{nxt}_all.deb").read_bytes()
        at = bytes(data).find(package)
        self.assertGreater(at, 0)
        data[at + len(package) // 2] ^= 0x01  # inside the package, after the signed manifest
        tampered.write_bytes(bytes(data))
        wrong_from = self.bundle("wrongfrom.bundle", nxt, "0.0.*")
        older = self.bundle("older.bundle", "0.0.1", "0.0.*")
        cases = [(foreign, "bundle signature does not verify with any trusted release key"),
                 (tampered, "SHA-256"),
                 (wrong_from, f"the bundle upgrades from 0.0.*, not from {VERSION}"),
                 (older, "is older")]
        for bundle, reason in cases:
            for command in ("check", "apply"):
                with self.subTest(bundle=bundle.name, command=command):
                    r = self.tool(command, str(bundle), check=False)
                    self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
                    self.assertIn(reason, r.stdout + r.stderr)
                    self.assertEqual(self.system_state(), before)
                    self.assertFalse(any((self.state / "work").glob("*")), "nothing extracted is left")
        history = self.tool("history").stdout
        self.assertEqual(len(re.findall(r"\bapply\b.*\brefused\b", history)), len(cases), history)

        # Without the installed release's package there is no way back: refused too.
        (self.state / "packages" / f"portcullis_{VERSION}_amd64.deb").unlink()
        r = self.tool("check", str(good), check=False)
        self.assertEqual(r.returncode, 2)
        self.assertIn("rollback: no copy of the installed release's package", r.stdout)

    def test_one_run_at_a_time(self):
        import fcntl
        self.keep_installed_package()
        self.state.mkdir(parents=True, exist_ok=True)
        with open(self.state / "lock", "w") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            held.write("pid 4242 since 2026-11-23T00:00:00Z\n")
            held.flush()
            r = self.tool("backup", check=False)
            self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
            self.assertIn("another portcullis-upgrade is running (pid 4242", r.stderr)
            self.assertFalse((self.state / "backups").exists())
        self.tool("backup")  # released: it runs

    def test_backup_of_a_live_store(self):
        self.keep_installed_package()
        self.gw.start()
        self.gw.cli("relaynet", "add", "192.0.2.0/24")
        r = self.tool("backup")
        set_dir = Path(r.stdout.strip().splitlines()[-1])
        self.assertEqual(set_dir.stat().st_mode & 0o777, 0o700)
        info = (set_dir / "backup.toml").read_text()
        self.assertIn(f'version = "{VERSION}"', info)
        self.assertIn('store = "sqlite"', info)
        self.assertTrue((set_dir / f"portcullis_{VERSION}_amd64.deb").exists())
        import sqlite3
        with sqlite3.connect(set_dir / "database.sqlite") as db:
            self.assertEqual(db.execute("SELECT cidr FROM relaynets").fetchall(), [("192.0.2.0/24",)])
            self.assertEqual(db.execute("SELECT name FROM domains").fetchall(), [("example.test",)])
        with tarfile.open(set_dir / "etc.tar") as t:
            names = t.getnames()
        self.assertIn(str(self.gw.config_path).lstrip("/"), names)

    def test_health_sends_through_a_running_gateway_and_cleans_up(self):
        # What an upgrade does not change must not fail its check: clamd down (a fresh
        # appliance waiting for its virus signatures) and greylisting for everyone.
        self.gw.tables["scanners"] = {"clamd": f"tcp:127.0.0.1:{free_port()}", "timeout": 5}
        self.gw.write_config()
        self.gw.cli("spam-policy", "set", "everyone", "--greylisting", "on")
        self.gw.cli("spam-policy", "assign", "*", "everyone")
        self.gw.start()
        r = self.tool("health", "--no-service")
        self.assertIn("healthy", r.stdout)
        self.assertIn("health: a test message went through the pipeline", r.stdout)
        self.assertIn("database schema current", r.stdout)
        self.assertNotIn("portcullis-health.invalid", self.gw.cli("domain", "list").stdout.decode())
        self.assertNotIn("portcullis-health.invalid", self.gw.cli("tlspolicy", "list").stdout.decode())
        self.assertNotIn("portcullis-health", self.gw.cli("spam-policy", "list").stdout.decode())
        # Scanned as the probe's policy says: clamd asked, its failure accepted.
        ev = self.gw.wait_event("queued", policy="portcullis-health")
        self.assertIn("refused", ev["clamd"])
        # The gateway's message log shows the check's message delivered.
        self.assertIn("check@portcullis-health.invalid", self.gw.cli("log", "search", "--to",
                                                                      "check@portcullis-health.invalid").stdout.decode())

    def test_health_fails_when_the_gateway_is_down(self):
        r = self.tool("health", "--no-service", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"port {self.gw.port}", r.stderr)

    def test_the_maintenance_responder_answers_421_and_reads_nothing(self):
        proc = subprocess.Popen([str(UPGRADE), "--config", str(self.gw.config_path), "respond"],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(proc.stdout.close)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        self.assertIn("answering 421 on 1 port(s)", proc.stdout.readline())
        for _ in range(3):
            with socket.create_connection(("127.0.0.1", self.gw.port), timeout=10) as c:
                c.settimeout(10)
                banner = c.recv(512).decode()
                self.assertRegex(banner, r"^421 4\.3\.2 gw\.test Service temporarily unavailable \(upgrade in "
                                         r"progress\), try again later\r\n$")
                self.assertEqual(c.recv(512), b"", "the responder closes at once")
        proc.terminate()
        self.assertEqual(proc.wait(timeout=10), 0)
        # The port is free again for the gateway.
        self.gw.start()
        with socket.create_connection(("127.0.0.1", self.gw.port), timeout=10) as c:
            self.assertTrue(c.recv(512).startswith(b"220 "))


class ApplianceScannersMigration(unittest.TestCase):
    """provisioning/upgrade/migrations/10-appliance-scanners.sh on copies of the appliance's
    bootstrap file: the provisioning step runs again (a stand-in records it), [scanners] is added
    once, a file that names its scanners is left alone, and a result the daemon refuses is put
    back with a failure (which rolls an upgrade back). clamav-daemon and spamd are installed on
    this host (scripts/install-deps), as on every appliance since 0.1."""

    SCRIPT = REPO / "provisioning" / "upgrade" / "migrations" / "10-appliance-scanners.sh"

    def setUp(self):
        self.dir = Path(tempfile.mkdtemp(prefix="portcullis-migration."))
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)
        self.provision_log = self.dir / "provision.log"
        self.provision = self.dir / "provision"
        self.provision.write_text(f'#!/bin/sh\necho "$@" >> {self.provision_log}\n')
        self.provision.chmod(0o755)
        shipped = (REPO / "provisioning" / "config" / "portcullis.toml").read_text()
        # The 0.1 file: the same without the [scanners] table (and its comment).
        self.old = re.sub(r"(?ms)^# The appliance's own virus.*?\n\n", "", shipped)
        self.assertNotIn("[scanners]", self.old)
        self.config = self.dir / "portcullis.toml"

    def migrate(self, portcullisd=BIN_DIR / "portcullisd"):
        env = dict(os.environ, PORTCULLIS_CONFIG=str(self.config), PORTCULLIS_PROVISION=str(self.provision),
                   PORTCULLISD=str(portcullisd))
        return subprocess.run([str(self.SCRIPT)], env=env, capture_output=True, text=True, timeout=60)

    def test_adds_scanners_once_and_reruns_the_clamav_step(self):
        self.config.write_text(self.old)
        r = self.migrate()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        text = self.config.read_text()
        self.assertTrue(text.startswith(self.old))
        self.assertIn('[scanners]\nclamd = "unix:/run/clamav/clamd.ctl"\nspamd = "tcp:127.0.0.1:783"\n', text)
        check = subprocess.run([str(BIN_DIR / "portcullisd"), "--config", str(self.config), "--check-config"],
                               capture_output=True, text=True)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        # Again (a retried upgrade): the step again, the file as it is.
        r = self.migrate()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("names its scanners already", r.stdout)
        self.assertEqual(self.config.read_text(), text)
        self.assertEqual(self.provision_log.read_text().splitlines(), ["--only clamav", "--only clamav"])
        self.assertEqual(sorted(p.name for p in self.dir.iterdir()), ["portcullis.toml", "provision", "provision.log"])

    def test_the_admins_own_scanners_stay(self):
        for own in ('[scanners]\nclamd = ""\n', 'scanners.spamd = "tcp:192.0.2.7:783"\n'):
            text = own + self.old if own.startswith("scanners.") else self.old + "\n" + own
            self.config.write_text(text)
            r = self.migrate()
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.assertEqual(self.config.read_text(), text)

    def test_a_refused_result_is_put_back(self):
        self.config.write_text(self.old)
        r = self.migrate(portcullisd="/bin/false")
        self.assertEqual(r.returncode, 1)
        self.assertIn("put back", r.stderr)
        self.assertEqual(self.config.read_text(), self.old)
        self.assertFalse((self.dir / "portcullis.toml.before-scanners").exists())
