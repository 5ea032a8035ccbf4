"""The admin CLI `portcullis` against a temporary SQLite store.

Runs the built binary (directory from $PORTCULLIS_BIN_DIR, else build/debug/daemon) and checks
outputs and exit codes for good and bad input. Run with the system Python:
    /usr/bin/python3 -m unittest -v test_cli
"""

import os
import pathlib
import sqlite3
import subprocess
import tempfile
import unittest

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("PORTCULLIS_BIN_DIR", REPO / "build" / "debug" / "daemon"))
BIN = BIN_DIR / "portcullis"

from harness import RUN_AS, give_to_daemon_user  # noqa: E402


def setUpModule():
    if not BIN.is_file():
        raise RuntimeError(f"{BIN} does not exist: build the portcullis target or set PORTCULLIS_BIN_DIR")


class CliTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="portcullis-cli-")
        self.dir = pathlib.Path(self._tmp.name)
        self.db = self.dir / "portcullis.db"
        self.config = self.dir / "empty.toml"  # so no system configuration is picked up
        # Run as root, the CLI becomes the gateway's user before it opens the store
        # (sandbox/privileges.hpp): name one that exists and hand it the folder.
        self.write_config("")
        self.dir.chmod(0o755)
        self.env = {k: v for k, v in os.environ.items() if k != "PORTCULLIS_CONFIG"}

    def tearDown(self):
        self._tmp.cleanup()

    def write_config(self, text):
        self.config.write_text(('user = "nobody"\ngroup = "nogroup"\n' if RUN_AS else "") + text)

    def run_cli(self, *args, store=True, config=True):
        cmd = [str(BIN)]
        if config:
            cmd += ["--config", str(self.config)]
        if store:
            cmd += ["--store", f"sqlite:{self.db}"]
        cmd += list(args)
        give_to_daemon_user(self.dir)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=self.env)

    def ok(self, *args, **kw):
        """Runs a command that must succeed; returns its stdout."""
        r = self.run_cli(*args, **kw)
        self.assertEqual(r.returncode, 0, f"{args}: exit {r.returncode}, stderr: {r.stderr!r}")
        return r.stdout

    def fails(self, *args, contains=None, **kw):
        """Runs a command that must fail with exit 1 and one error line; returns that line."""
        r = self.run_cli(*args, **kw)
        self.assertEqual(r.returncode, 1, f"{args}: exit {r.returncode}, stdout: {r.stdout!r}")
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, f"{args}: stderr is not one line: {r.stderr!r}")
        self.assertTrue(lines[0].startswith("portcullis: error: "), lines[0])
        if contains is not None:
            self.assertIn(contains, lines[0])
        return lines[0]

    def rows(self, *args, **kw):
        """A list command's output as rows of whitespace-separated cells."""
        return [line.split() for line in self.ok(*args, **kw).splitlines()]


class HelpAndGlobalOptions(CliTestCase):
    def test_help(self):
        for args in (["help"], ["--help"], ["-h"]):
            out = self.ok(*args, store=False, config=False)
            self.assertIn("usage: portcullis", out)
            for group in ("domain add", "recipient add", "alias add", "relaynet add", "settings set", "db status"):
                self.assertIn(group, out)

    def test_group_help(self):
        for args in (["help", "domain"], ["domain", "--help"], ["domain", "help"], ["domain", "add", "-h"]):
            self.assertIn("portcullis domain add NAME --destination", self.ok(*args))
        self.fails("help", "nonsense", contains="no such command group")

    def test_no_command_prints_usage_and_fails(self):
        r = self.run_cli(store=False, config=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("usage: portcullis", r.stderr)

    def test_version(self):
        self.assertRegex(self.ok("--version", store=False, config=False), r"^portcullis \d+\.\d+\.\d+\n$")

    def test_unknown_command_and_options(self):
        self.fails("bogus", contains="unknown command 'bogus'")
        self.fails("--bogus", "domain", "list", contains="unknown option --bogus")
        self.fails("domain", "frobnicate", contains="unknown subcommand 'frobnicate'")
        self.fails("domain", contains="missing subcommand")
        self.fails("domain", "list", "--nope", contains="unknown option --nope")
        self.fails("domain", "list", "extra", contains="unexpected argument 'extra'")

    def test_store_uri_errors(self):
        # Port 1 on loopback: nothing listens there, so the connection is refused at once.
        self.fails("--store", "mariadb://portcullis@127.0.0.1:1/portcullis", "domain", "list", store=False,
                   contains="database unavailable: cannot connect to portcullis@127.0.0.1:1/portcullis")
        self.fails("--store", "mariadb://portcullis@127.0.0.1", "domain", "list", store=False,
                   contains="missing /DB after the host")
        self.fails("--store", "mariadb://127.0.0.1/db", "domain", "list", store=False, contains="missing USER@")
        self.fails("--store", "postgres://x/y", "domain", "list", store=False, contains="unsupported store URI")
        missing = self.dir / "no" / "such" / "p.db"
        self.fails("--store", f"sqlite:{missing}", "domain", "list", store=False,
                   contains=f"directory {missing.parent} does not exist")

    def test_store_from_config_file(self):
        self.write_config('store = "sqlite:sub.db"\n')  # relative to the file's folder
        self.ok("domain", "add", "example.org", "--destination", "mx.internal", store=False)
        self.assertTrue((self.dir / "sub.db").is_file())
        self.assertEqual(self.rows("domain", "list", store=False)[0][0], "example.org")

    def test_default_store_in_data_dir(self):
        data = self.dir / "data"
        data.mkdir()
        self.write_config(f'data_dir = "{data}"\n')
        self.ok("relaynet", "add", "192.0.2.0/24", store=False)
        self.assertTrue((data / "portcullis.db").is_file())

    def test_bad_config_file(self):
        self.fails("--config", str(self.dir / "missing.toml"), "domain", "list", config=False,
                   contains="does not exist")
        self.write_config("no_such_key = 1\n")
        self.fails("domain", "list")


class Domains(CliTestCase):
    def test_lifecycle(self):
        self.assertEqual(self.ok("domain", "list"), "")
        out = self.ok("domain", "add", "Example.ORG", "--destination", "Mail.Internal:2525")
        self.assertIn("example.org", out)
        self.ok("domain", "add", "b.example", "--destination", "[2001:db8::1]", "--recipients", "specified")
        self.ok("domain", "add", "c.example", "--destination=192.0.2.10")
        self.assertEqual(self.rows("domain", "list"), [
            ["b.example", "[2001:db8::1]:25", "specified"],
            ["c.example", "192.0.2.10:25", "all"],
            ["example.org", "mail.internal:2525", "all"],
        ])
        self.ok("domain", "set", "example.org", "--recipients", "specified")
        self.ok("domain", "set", "c.example", "--destination", "mx.c.example:587")
        rows = {r[0]: r for r in self.rows("domain", "list")}
        self.assertEqual(rows["example.org"], ["example.org", "mail.internal:2525", "specified"])
        self.assertEqual(rows["c.example"], ["c.example", "mx.c.example:587", "all"])
        self.assertIn("removed", self.ok("domain", "remove", "EXAMPLE.org"))
        self.fails("domain", "remove", "example.org", contains="domain example.org does not exist")
        self.assertEqual(len(self.rows("domain", "list")), 2)

    def test_bad_input(self):
        for name in ("bad_domain", "exa mple.org", "example..org", "-example.org", ""):
            self.fails("domain", "add", name, "--destination", "mx.internal", contains="not a valid domain name")
        self.fails("domain", "add", "example.org", contains="needs --destination")
        for dest, why in (("mx:0", "bad port"), ("mx:65536", "bad port"), ("mx:abc", "bad port"),
                          ("mx:", "bad port"), ("2001:db8::1", "in brackets"), ("[2001:db8::zz]", "not an IPv6"),
                          ("[::1", "missing ']'"), ("10.0.0.300", "not an IPv4"), ("bad host", "not a valid host"),
                          (":25", "missing host")):
            self.fails("domain", "add", "example.org", "--destination", dest, contains=why)
        self.fails("domain", "add", "example.org", "--destination", "mx", "--recipients", "some",
                   contains="'all' or 'specified'")
        self.fails("domain", "add", "example.org", "--destination", "mx", "--destination", "mx2",
                   contains="given twice")
        self.fails("domain", "add", "example.org", "--destination", contains="needs a value")
        self.assertEqual(self.ok("domain", "list"), "")  # nothing was added

    def test_duplicate_and_missing(self):
        self.ok("domain", "add", "example.org", "--destination", "mx")
        self.fails("domain", "add", "EXAMPLE.ORG", "--destination", "mx", contains="domain example.org exists already")
        self.fails("domain", "set", "missing.example", "--destination", "mx", contains="does not exist")
        self.fails("domain", "set", "example.org", contains="nothing to change")


class RecipientsAndAliases(CliTestCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org", "--destination", "mx.internal", "--recipients", "specified")

    def test_recipients(self):
        self.ok("recipient", "add", "John.Doe@Example.ORG")
        self.ok("recipient", "add", "alice@example.org")
        self.assertEqual(self.ok("recipient", "list"), "alice@example.org\njohn.doe@example.org\n")
        self.fails("recipient", "add", "john.doe@example.org", contains="exists already")
        self.fails("recipient", "add", "bob@other.example", contains="'other.example' is not one of our domains")
        self.fails("recipient", "add", "not-an-address", contains="not a valid address")
        self.fails("recipient", "remove", "nobody@example.org", contains="not in the list")
        self.fails("recipient", "remove", "bob@other.example", contains="not one of our domains")
        self.ok("recipient", "remove", "JOHN.DOE@example.org")
        self.assertEqual(self.ok("recipient", "list"), "alice@example.org\n")

    def test_aliases(self):
        self.ok("alias", "add", "Sales@Example.org", "amy@example.org", "Ext@Partner.EXAMPLE")
        self.ok("alias", "add", "@example.org", "catchall@example.org")
        self.assertEqual(self.rows("alias", "list"), [
            ["@example.org", "catchall@example.org"],
            ["sales@example.org", "amy@example.org", "Ext@partner.example"],
        ])
        self.assertIn("replaced", self.ok("alias", "add", "sales@example.org", "bob@example.org"))
        self.assertIn(["sales@example.org", "bob@example.org"], self.rows("alias", "list"))
        self.fails("alias", "add", "sales@other.example", "a@example.org", contains="not one of our domains")
        self.fails("alias", "add", "@other.example", "a@example.org", contains="not one of our domains")
        self.fails("alias", "add", "sales@example.org", contains="missing argument")
        self.fails("alias", "add", "sales@example.org", "not-an-address", contains="not a valid address")
        self.fails("alias", "add", "x@example.org", "a@example.org", "A@Example.org", contains="given twice")
        self.fails("alias", "remove", "nobody@example.org", contains="does not exist")
        self.ok("alias", "remove", "@EXAMPLE.org")
        self.ok("alias", "remove", "sales@example.org")
        self.assertEqual(self.ok("alias", "list"), "")


class RelayNetworks(CliTestCase):
    def test_relaynets(self):
        out = self.ok("relaynet", "add", "192.0.2.7/24", "--note", "office LAN")
        self.assertIn("192.0.2.0/24", out)
        self.ok("relaynet", "add", "2001:db8::/32")
        self.ok("relaynet", "add", "198.51.100.1")
        lines = self.ok("relaynet", "list").splitlines()
        self.assertEqual([line.split()[0] for line in lines], ["192.0.2.0/24", "198.51.100.1/32", "2001:db8::/32"])
        self.assertTrue(lines[0].endswith("  office LAN"))
        self.fails("relaynet", "add", "192.0.2.0/24", contains="relay network 192.0.2.0/24 exists already")
        self.ok("relaynet", "remove", "192.0.2.99/24")  # same network, canonicalised
        self.fails("relaynet", "remove", "192.0.2.0/24", contains="does not exist")
        self.assertEqual(len(self.ok("relaynet", "list").splitlines()), 2)

    def test_bad_cidr(self):
        for bad in ("10.0.0.0/33", "2001:db8::/129", "10.0.0/8", "not-a-network", "10.0.0.0/", "fe80::1%eth0"):
            self.fails("relaynet", "add", bad, contains="is not a network")
        self.fails("relaynet", "add", "10.0.0.0/8", "--note", "two\nlines", contains="one line")
        self.assertEqual(self.ok("relaynet", "list"), "")


class Settings(CliTestCase):
    def test_settings(self):
        self.fails("settings", "set", "no-such-key", "x", contains="unknown setting 'no-such-key'")
        self.fails("settings", "set", "hostname", "not a host", contains="hostname")
        self.fails("settings", "get", "hostname", contains="not set")
        self.ok("settings", "set", "hostname", "gw.example.org")
        self.assertEqual(self.ok("settings", "get", "hostname"), "gw.example.org\n")
        self.ok("settings", "set", "hostname", "gw2.example.org")
        self.assertEqual(self.rows("settings", "list"), [["hostname", "gw2.example.org"]])
        self.ok("settings", "unset", "hostname")
        self.fails("settings", "unset", "hostname", contains="not set")

    def test_postmaster(self):
        self.ok("domain", "add", "example.org", "--destination", "mx.internal")
        self.fails("settings", "set", "postmaster", "pm@example.org", contains="admin-email is not set")
        self.ok("settings", "set", "admin-email", "admin@corp.example")
        self.fails("settings", "set", "postmaster", "pm@other.example", contains="not in one of our domains")
        self.ok("settings", "set", "postmaster", "pm@Example.ORG")
        self.assertEqual(self.ok("settings", "get", "postmaster"), "pm@example.org\n")
        aliases = {r[0]: r[1:] for r in self.rows("alias", "list")}
        for local in ("postmaster", "abuse", "root"):
            self.assertEqual(aliases[f"{local}@example.org"], ["admin@corp.example"])
        self.ok("settings", "set", "admin-email", "boss@corp.example")  # aliases follow
        aliases = {r[0]: r[1:] for r in self.rows("alias", "list")}
        self.assertEqual(aliases["abuse@example.org"], ["boss@corp.example"])


class Database(CliTestCase):
    def status(self):
        return {r[0]: r[1] if len(r) == 2 else " ".join(r[1:]) for r in self.rows("db", "status")}

    def test_status_and_migrate(self):
        status = self.status()
        self.assertEqual(status["schema-version"], "0")
        self.assertEqual(status["state"], "needs migrate")
        self.assertEqual(self.status()["state"], "needs migrate")  # status does not migrate
        self.assertIn("migrated schema from version 0", self.ok("db", "migrate"))
        self.assertEqual(self.status()["state"], "current")
        self.assertIn("schema is current", self.ok("db", "migrate"))

    def test_commands_migrate_a_fresh_store(self):
        self.ok("domain", "add", "example.org", "--destination", "mx")
        self.assertEqual(self.status()["state"], "current")

    def test_newer_schema_is_refused(self):
        self.ok("db", "migrate")
        build = int(self.status()["build-version"])
        with sqlite3.connect(self.db) as db:
            db.execute("INSERT INTO schema_version (version, description, applied_at) VALUES (?, 'future', 'x')",
                       (build + 1,))
        db.close()
        self.assertEqual(self.status()["state"], "newer than this build")
        expected = f"database schema version {build + 1} is newer than this build ({build})"
        self.fails("db", "migrate", contains=expected)
        self.fails("domain", "list", contains=expected)

    def test_changes_bump_the_policy_serial(self):
        self.ok("db", "migrate")

        def serial():
            with sqlite3.connect(self.db) as db:
                value = db.execute("SELECT serial FROM policy_serial").fetchone()[0]
            db.close()
            return value

        before = serial()
        self.ok("domain", "add", "example.org", "--destination", "mx")
        self.assertGreater(serial(), before)


if __name__ == "__main__":
    unittest.main()
