"""`portcullis spam-policy | quarantine-digest | dnsbl | iprange | ban`: the real CLI against a
temporary SQLite store.

Each command's happy path and its refusals (exit status 1, one line "portcullis: error: ...",
nothing stored); the store is read directly with sqlite3 to see what was written and whether the
policy serial moved (the running daemon reloads when it does). Run with the system Python:
    /usr/bin/python3 -m unittest -v test_spam_cli
"""

import calendar
import os
import pathlib
import sqlite3
import subprocess
import tempfile
import time
import unittest

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("PORTCULLIS_BIN_DIR", REPO / "build" / "debug" / "daemon"))
BIN = BIN_DIR / "portcullis"

from harness import RUN_AS, give_to_daemon_user  # noqa: E402

TABLES = ("spam_policies", "spam_policy_targets", "dnsbl_zones", "ip_ranges", "bans", "quarantine_digests")


def setUpModule():
    if not BIN.is_file():
        raise RuntimeError(f"{BIN} does not exist: build the portcullis target or set PORTCULLIS_BIN_DIR")


class SpamCliTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="portcullis-spam-cli-")
        self.dir = pathlib.Path(self._tmp.name)
        self.db = self.dir / "portcullis.db"
        self.config = self.dir / "empty.toml"  # so no system configuration is picked up
        # Run as root, the CLI becomes the gateway's user before it opens the store.
        self.config.write_text('user = "nobody"\ngroup = "nogroup"\n' if RUN_AS else "")
        self.dir.chmod(0o755)
        self.env = {k: v for k, v in os.environ.items() if k != "PORTCULLIS_CONFIG"}
        self.ok("domain", "add", "example.org", "--destination", "mx.internal")
        self.ok("domain", "add", "example.net", "--destination", "mx.internal")

    def tearDown(self):
        self._tmp.cleanup()

    def run_cli(self, *args):
        cmd = [str(BIN), "--config", str(self.config), "--store", f"sqlite:{self.db}", *args]
        give_to_daemon_user(self.dir)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=self.env)

    def ok(self, *args):
        """Runs a command that must succeed; returns its stdout."""
        r = self.run_cli(*args)
        self.assertEqual(r.returncode, 0, f"{args}: exit {r.returncode}, stderr: {r.stderr!r}")
        return r.stdout

    def fails(self, *args, contains):
        """Runs a command that must fail with exit 1, one error line containing `contains`, no
        output, and nothing changed in the store; returns that line."""
        before = self.dump()
        r = self.run_cli(*args)
        self.assertEqual(r.returncode, 1, f"{args}: exit {r.returncode}, stdout: {r.stdout!r}")
        self.assertEqual(r.stdout, "", args)
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, f"{args}: stderr is not one line: {r.stderr!r}")
        self.assertTrue(lines[0].startswith("portcullis: error: "), lines[0])
        self.assertIn(contains, lines[0])
        self.assertEqual(self.dump(), before, f"{args}: the store changed")
        return lines[0]

    def query(self, sql, *params):
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            return db.execute(sql, params).fetchall()

    def dump(self):
        return {t: sorted(self.query(f"SELECT * FROM {t}")) for t in TABLES} | {"serial": self.serial()}

    def serial(self):
        return self.query("SELECT serial FROM policy_serial WHERE id = 1")[0][0]

    def rows(self, *args):
        """A list command's output as rows of whitespace-separated cells."""
        return [line.split() for line in self.ok(*args).splitlines()]

    def policy(self, name):
        """The spam_policies row of `name` as a dict, or None."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM spam_policies WHERE name = ?", (name,)).fetchone()
            return dict(row) if row else None

    def targets(self):
        return dict(self.query("SELECT target, policy FROM spam_policy_targets"))


class SpamPolicy(SpamCliTestCase):
    def test_set_creates_a_policy_from_the_defaults(self):
        serial = self.serial()
        out = self.ok("spam-policy", "set", "Default")
        self.assertEqual(out, "created spam policy default: tag 5, quarantine 10, reject 15, virus reject, "
                              "attachments reject, greylisting off, spam-scan on, virus-scan on, "
                              "scanner-failure tempfail\n")
        self.assertGreater(self.serial(), serial)  # the daemon reloads
        self.assertEqual(self.policy("default"), {
            "name": "default", "tag_score": 5.0, "quarantine_score": 10.0, "reject_score": 15.0,
            "subject_tag": "[SPAM]", "virus_action": "reject", "attachment_action": "reject", "greylisting": 0,
            "spam_scan": 1, "virus_scan": 1, "scanner_failure": "tempfail", "note": ""})

    def test_set_on_an_existing_policy_changes_only_the_options_given(self):
        self.ok("spam-policy", "set", "strict", "--tag", "3", "--quarantine", "6.5", "--reject", "9",
                "--subject-tag", "***SPAM***", "--virus", "quarantine", "--attachments", "remove",
                "--greylisting", "off", "--spam-scan", "on", "--virus-scan", "on", "--scanner-failure", "accept",
                "--note", "for the board")
        serial = self.serial()
        out = self.ok("spam-policy", "set", "strict", "--virus-scan", "off", "--reject", "off")
        self.assertTrue(out.startswith("updated spam policy strict: tag 3, quarantine 6.5, reject off, "
                                       "virus quarantine, attachments remove, greylisting off,"), out)
        self.assertGreater(self.serial(), serial)
        p = self.policy("strict")
        self.assertEqual((p["tag_score"], p["quarantine_score"], p["subject_tag"], p["virus_action"]),
                         (3.0, 6.5, "***SPAM***", "quarantine"))
        self.assertGreater(p["reject_score"], 1000)  # off
        self.assertEqual((p["virus_scan"], p["spam_scan"], p["greylisting"]), (0, 1, 0))
        self.assertEqual((p["scanner_failure"], p["note"]), ("accept", "for the board"))
        self.ok("spam-policy", "set", "strict", "--subject-tag", "")
        self.assertEqual(self.policy("strict")["subject_tag"], "")
        # Nothing to change: said so, and no reload.
        serial = self.serial()
        self.assertIn("is unchanged", self.ok("spam-policy", "set", "strict"))
        self.assertEqual(self.serial(), serial)

    def test_show_and_list(self):
        self.ok("spam-policy", "set", "relaxed", "--tag", "8", "--quarantine", "off", "--reject", "20",
                "--note", "sales")
        self.ok("spam-policy", "set", "default")
        self.ok("spam-policy", "assign", "*", "default")
        self.ok("spam-policy", "assign", "@example.net", "relaxed")
        self.ok("spam-policy", "assign", "Boss@Example.org", "relaxed")
        show = dict(line.split(None, 1) if " " in line.strip() else (line.strip(), "")
                    for line in self.ok("spam-policy", "show", "relaxed").splitlines())
        self.assertEqual(show["name:"].strip(), "relaxed")
        self.assertEqual(show["tag:"].strip(), "8")
        self.assertEqual(show["quarantine:"].strip(), "off")
        self.assertEqual(show["reject:"].strip(), "20")
        self.assertEqual(show["subject-tag:"].strip(), "[SPAM]")
        self.assertEqual(show["note:"].strip(), "sales")
        self.assertEqual(show["targets:"].strip(), "@example.net boss@example.org")
        self.assertEqual(self.rows("spam-policy", "list"), [
            ["default", "tag=5", "quarantine=10", "reject=15", "virus=reject", "attachments=reject",
             "greylisting=off", "spam-scan=on", "virus-scan=on", "scanner-failure=tempfail", "targets=*"],
            ["relaxed", "tag=8", "quarantine=off", "reject=20", "virus=reject", "attachments=reject",
             "greylisting=off", "spam-scan=on", "virus-scan=on", "scanner-failure=tempfail",
             "targets=@example.net,boss@example.org"],
        ])
        self.fails("spam-policy", "show", "nope", contains="no spam policy 'nope'")

    def test_set_refusals(self):
        self.ok("spam-policy", "set", "strict", "--tag", "3", "--quarantine", "6", "--reject", "9")
        cases = [
            (["--tag", "12"], "the thresholds must rise (tag <= quarantine <= reject): tag 12 is above quarantine 6"),
            (["--quarantine", "9.5"], "quarantine 9.5 is above reject 9"),
            (["--tag", "abc"], "--tag: expected a score from -1000 to 1000, or off (not 'abc')"),
            (["--reject", "1001"], "--reject: expected a score from -1000 to 1000"),
            (["--reject", "nan"], "--reject: expected a score"),
            (["--quarantine", "5x"], "--quarantine: expected a score"),
            (["--tag", ""], "--tag: expected a score"),
            (["--virus", "remove"], "--virus: expected reject, quarantine or discard (not 'remove')"),
            (["--attachments", "drop"], "--attachments: expected reject, remove, quarantine or off (not 'drop')"),
            (["--greylisting", "yes"], "--greylisting: expected on or off (not 'yes')"),
            (["--spam-scan", "ON"], "--spam-scan: expected on or off"),
            (["--scanner-failure", "reject"], "--scanner-failure: expected tempfail or accept"),
            (["--subject-tag", "[SPAM]\r\nBcc: a@b.example"], "--subject-tag: expected one line of text"),
            (["--subject-tag", "S" * 65], "at most 64 octets"),
            (["--note", "x" * 201], "--note: expected one line of text, at most 200 octets"),
            (["--bogus", "1"], "unknown option --bogus"),
            (["--tag"], "option --tag needs a value"),
            (["--tag", "1", "--tag", "2"], "option --tag given twice"),
        ]
        for extra, message in cases:
            with self.subTest(extra=extra):
                self.fails("spam-policy", "set", "strict", *extra, contains=message)
        # An "off" threshold is exempt from the order.
        self.ok("spam-policy", "set", "strict", "--tag", "off", "--quarantine", "12", "--reject", "14")
        for name in ("-x", "two words", "a/b", "x" * 65, "caf\u00e9", ""):
            with self.subTest(name=name):
                self.fails("spam-policy", "set", name, contains="is not a valid policy name")
        self.fails("spam-policy", "set", contains="missing argument: usage: portcullis spam-policy set NAME")
        self.fails("spam-policy", "set", "a", "b", contains="unexpected argument 'b'")
        self.fails("spam-policy", "frobnicate", contains="spam-policy: unknown subcommand 'frobnicate'")
        self.fails("spam-policy", contains="missing subcommand")

    def test_assign_and_unassign(self):
        self.ok("spam-policy", "set", "default")
        self.ok("spam-policy", "set", "strict")
        serial = self.serial()
        self.assertEqual(self.ok("spam-policy", "assign", "@Example.ORG", "strict"),
                         "assigned spam policy strict to @example.org\n")
        self.assertGreater(self.serial(), serial)
        self.assertEqual(self.ok("spam-policy", "assign", "@example.org", "Default"),
                         "assigned spam policy default to @example.org (was strict)\n")
        self.assertEqual(self.ok("spam-policy", "assign", "@example.org", "default"),
                         "@example.org has spam policy default already\n")
        self.ok("spam-policy", "assign", "CEO@Example.org", "strict")
        self.ok("spam-policy", "assign", "*", "default")
        self.assertEqual(self.targets(), {"@example.org": "default", "ceo@example.org": "strict", "*": "default"})
        self.fails("spam-policy", "assign", "@example.org", "nope", contains="no spam policy 'nope'")
        self.fails("spam-policy", "assign", "a@elsewhere.example", "strict",
                   contains="'elsewhere.example' is not one of our domains")
        self.fails("spam-policy", "assign", "@elsewhere.example", "strict",
                   contains="'elsewhere.example' is not one of our domains")
        self.fails("spam-policy", "assign", "example.org", "strict", contains="target 'example.org' is not valid")
        self.fails("spam-policy", "assign", "@exa mple.org", "strict", contains="is not a valid domain name")
        self.fails("spam-policy", "assign", "*", contains="missing argument")
        serial = self.serial()
        self.assertEqual(self.ok("spam-policy", "unassign", "ceo@EXAMPLE.org"), "unassigned ceo@example.org\n")
        self.assertGreater(self.serial(), serial)
        self.assertIn("built-in default", self.ok("spam-policy", "unassign", "*"))
        self.fails("spam-policy", "unassign", "ceo@example.org", contains="no spam policy is assigned to ceo@example.org")
        self.assertEqual(self.targets(), {"@example.org": "default"})

    def test_remove(self):
        self.ok("spam-policy", "set", "strict")
        self.ok("spam-policy", "assign", "@example.org", "strict")
        self.ok("spam-policy", "assign", "a@example.net", "strict")
        self.fails("spam-policy", "remove", "strict",
                   contains="spam policy strict is still assigned to @example.org, a@example.net: "
                            "assign those another policy first")
        self.ok("spam-policy", "unassign", "@example.org")
        self.ok("spam-policy", "unassign", "a@example.net")
        serial = self.serial()
        self.assertEqual(self.ok("spam-policy", "remove", "Strict"), "removed spam policy strict\n")
        self.assertGreater(self.serial(), serial)
        self.assertIsNone(self.policy("strict"))
        self.fails("spam-policy", "remove", "strict", contains="no spam policy 'strict'")

    def test_help(self):
        for args in (["help", "spam-policy"], ["spam-policy", "--help"]):
            out = self.ok(*args)
            self.assertIn("portcullis spam-policy set NAME [--tag S]", out)
            self.assertIn("portcullis spam-policy assign TARGET NAME", out)
        overview = self.ok("help")
        for line in ("spam-policy set NAME", "dnsbl add ZONE", "iprange add NAME CIDR", "ban list",
                     "quarantine-digest set ADDRESS"):
            self.assertIn(line, overview)


class QuarantineDigest(SpamCliTestCase):
    def test_set_and_list(self):
        serial = self.serial()
        self.assertEqual(self.ok("quarantine-digest", "set", "Bob@Example.org", "weekly"),
                         "quarantine digest of bob@example.org: weekly\n")
        self.ok("quarantine-digest", "set", "alice@example.net", "daily")
        self.ok("quarantine-digest", "set", "bob@example.org", "off")
        self.assertEqual(self.serial(), serial)  # state, not policy: no reload
        self.assertEqual(self.rows("quarantine-digest", "list"),
                         [["alice@example.net", "daily", "never"], ["bob@example.org", "off", "never"]])

    def test_refusals(self):
        self.fails("quarantine-digest", "set", "bob@example.org", "hourly",
                   contains="frequency: expected off, daily or weekly (not 'hourly')")
        self.fails("quarantine-digest", "set", "bob@elsewhere.example", "daily",
                   contains="'elsewhere.example' is not one of our domains")
        self.fails("quarantine-digest", "set", "not an address", "daily", contains="is not a valid address")
        self.fails("quarantine-digest", "set", "bob@example.org", contains="missing argument")
        self.fails("quarantine-digest", "remove", "x", contains="unknown subcommand 'remove'")


class Dnsbl(SpamCliTestCase):
    def test_add_list_remove(self):
        serial = self.serial()
        self.assertEqual(self.ok("dnsbl", "add", "Zen.Spamhaus.org.", "--expect", "127.0.0.2-11,127.0.0.*",
                                 "--note", "the big one"),
                         "added DNSBL zone zen.spamhaus.org: listed clients are refused at connect, "
                         "answers 127.0.0.2-11,127.0.0.*\n")
        self.assertGreater(self.serial(), serial)
        self.assertEqual(self.ok("dnsbl", "add", "bl.spamcop.net", "--score", "2.5", "--stage", "rcpt"),
                         "added DNSBL zone bl.spamcop.net: listed clients' messages score 2.5 (looked up at rcpt), "
                         "answers any of 127.0.0.0/8\n")
        self.ok("dnsbl", "add", "list.dnswl.org", "--score=-3", "--expect", "127.0.*.2-3")
        self.ok("dnsbl", "add", "b.barracudacentral.org", "--block", "--stage", "rcpt")
        self.assertEqual(self.rows("dnsbl", "list"), [
            ["b.barracudacentral.org", "block", "rcpt", "any"],
            ["bl.spamcop.net", "score=2.5", "rcpt", "any"],
            ["list.dnswl.org", "score=-3", "connect", "127.0.*.2-3"],
            ["zen.spamhaus.org", "block", "connect", "127.0.0.2-11,127.0.0.*", "the", "big", "one"],
        ])
        # The daemon's syntax as well: [LOW..HIGH] ranges, blanks around the commas (stored without).
        self.assertEqual(self.ok("dnsbl", "add", "ranges.example", "--expect", "127.0.0.[2..11], 127.0.1.*"),
                         "added DNSBL zone ranges.example: listed clients are refused at connect, "
                         "answers 127.0.0.[2..11],127.0.1.*\n")
        self.assertEqual(self.query("SELECT expect FROM dnsbl_zones WHERE zone = 'ranges.example'"),
                         [("127.0.0.[2..11],127.0.1.*",)])
        self.ok("dnsbl", "remove", "ranges.example")
        serial = self.serial()
        self.assertEqual(self.ok("dnsbl", "remove", "ZEN.spamhaus.org."), "removed DNSBL zone zen.spamhaus.org\n")
        self.assertGreater(self.serial(), serial)
        self.assertEqual(len(self.rows("dnsbl", "list")), 3)

    def test_refusals(self):
        self.ok("dnsbl", "add", "zen.spamhaus.org")
        cases = [
            (["zen.spamhaus.org"], "DNSBL zone zen.spamhaus.org exists already"),
            (["x.example", "--block", "--score", "1"], "--block and --score exclude each other"),
            (["x.example", "--block=yes"], "option --block takes no value"),
            (["x.example", "--block", "--block"], "option --block given twice"),
            (["x.example", "--score", "lots"], "--score: expected a number from -1000 to 1000 (not 'lots')"),
            (["x.example", "--score", "1e9"], "--score: expected a number"),
            (["x.example", "--stage", "data"], "--stage: expected connect or rcpt (not 'data')"),
            (["x.example", "--note", "a\nb"], "--note: expected one line of text"),
            (["localhost"], "'localhost' is not a DNSBL zone"),
            (["bad_zone..example"], "is not a valid domain name"),
            (["x.example", "--expect", "127.0.0.256"], "--expect: '127.0.0.256' is not a pattern"),
            (["x.example", "--expect", "127.0.0"], "--expect: '127.0.0' is not a pattern"),
            (["x.example", "--expect", "127.0.0.2,"], "--expect: '' is not a pattern"),
            (["x.example", "--expect", "127.0.0.11-2"], "'127.0.0.11-2' is not a pattern"),
            (["x.example", "--expect", "127.0.0.02"], "'127.0.0.02' is not a pattern"),
            (["x.example", "--expect", "127.0.0.2 127.0.0.3"], "is not a pattern"),
            (["x.example", "--expect", "10.0.0.2"], "'10.0.0.2' is outside 127.0.0.0/8"),
            (["x.example", "--expect", "*.0.0.2"], "'*.0.0.2' is outside 127.0.0.0/8"),
            (["x.example", "--expect", "127.0.0.2," * 30 + "127.0.0.3"], "longer than 255 characters"),
            # The daemon's parser says why (checks/dnsbl/pattern).
            (["x.example", "--expect", "127.0.0.256"], "'127.0.0.256' is not a pattern: bad octet '256' (a number "
                                                       "0-255 without leading zeros, '*', [LOW..HIGH] or LOW-HIGH)"),
            (["x.example", "--expect", "127.0.0.2, 127.0.0"], "--expect: '127.0.0' is not a pattern: fewer than four "
                                                               "octets (a pattern is four octets"),
            (["x.example", "--expect", "127.0.0.2.1"], "'127.0.0.2.1' is not a pattern: more than four octets"),
            (["x.example", "--expect", "127.0.0.11-2"], "empty range '11-2' (low bound above high bound)"),
            (["x.example", "--expect", "127.0.0.[2..]"], "'127.0.0.[2..]' is not a pattern: bad range '[2..]'"),
            (["x.example", "--expect", "127.0.0.2,,127.0.0.3"], "--expect: '' is not a pattern: empty pattern between "
                                                                "two commas"),
            (["x.example", "--expect", "127.0.0.2,10.0.0.2"],
             "--expect: '10.0.0.2' is outside 127.0.0.0/8, where DNSBL answers are (RFC 5782): its first octet must "
             "be 127"),
            (["a" * 60 + "." + "b" * 60 + "." + "c" * 60 + ".example"],
             "is not a DNSBL zone: the zone is longer than 189 characters"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.fails("dnsbl", "add", *args, contains=message)
        self.fails("dnsbl", "remove", "nope.example", contains="DNSBL zone nope.example does not exist")
        self.fails("dnsbl", "list", "x", contains="unexpected argument 'x'")


class DnsblTest(SpamCliTestCase):
    """`portcullis dnsbl test` against tests/tools/dns_server.py on loopback (always --server)."""

    V6_TWO = "2.0.0.0.0.0.f.7.f.f.f.f" + ".0" * 20  # ::ffff:7f00:2 in nibbles
    ZONE = {
        "2.0.0.127.good.test": [{"type": "A", "value": "127.0.0.2"}, {"type": "A", "value": "127.0.0.10"}],
        "99.2.0.192.good.test": [{"type": "A", "value": "127.0.0.4"},
                                 {"type": "TXT", "value": "Listed for spam, see https://good.test/?192.0.2.99"}],
        "*.all.test": [{"type": "A", "value": "127.0.0.2"}],
        "other.nothing.test": [{"type": "A", "value": "192.0.2.1"}],  # the zone exists, lists nothing
        "*.refusing.test": [{"type": "A", "value": "127.255.255.254"}],
        "*.broken.test": [{"type": "SERVFAIL"}],
        "2.0.0.127.v6.test": [{"type": "A", "value": "127.0.0.2"}],
        V6_TWO + ".v6.test": [{"type": "A", "value": "127.0.0.2"}],
        "1" + ".0" * 23 + ".8.b.d.0.1.0.0.2.v6.test": [{"type": "A", "value": "127.0.0.3"}],  # 2001:db8::1
    }

    def setUp(self):
        super().setUp()
        from harness import DnsServer
        self.dns = DnsServer(self.dir, self.ZONE)
        self.addCleanup(self.dns.stop)
        self.dns.start()
        self.server = f"127.0.0.1:{self.dns.port}"

    def probe(self, *args, status):
        """Runs dnsbl test with --server; checks the exit status; returns stdout's lines."""
        r = self.run_cli("dnsbl", "test", *args, "--server", self.server)
        self.assertEqual(r.returncode, status, f"{args}: stdout {r.stdout!r} stderr {r.stderr!r}")
        self.assertEqual(r.stderr, "", args)
        lines = r.stdout.splitlines()
        if lines and lines[0].startswith("asking "):
            self.assertTrue(lines[0].startswith(f"asking {self.server} (--server), time bound "), lines[0])
            return lines[1:]
        return lines

    def test_healthy_zone(self):
        r = self.run_cli("dnsbl", "test", "good.test", "--server", self.server)
        self.assertEqual(r.returncode, 0, r)
        self.assertEqual(r.stdout.splitlines()[0], f"asking {self.server} (--server), time bound 5000 ms")
        lines = self.probe("good.test", status=0)
        self.assertEqual(lines, [
            "good.test: ok: test point 127.0.0.2 listed (127.0.0.2,127.0.0.10), 127.0.0.1 not listed",
            "good.test: IPv6 test point ::ffff:7f00:2 is not listed: an IPv4-only zone (IPv6 clients are never found "
            "in it)",
        ])
        queries = self.dns.queries()
        for name in ("2.0.0.127.good.test A", "1.0.0.127.good.test A", self.V6_TWO + ".good.test A"):
            self.assertIn(name, queries)

    def test_address_lookup_with_the_configured_pattern(self):
        self.ok("dnsbl", "add", "good.test", "--expect", "127.0.0.4-11")
        lines = self.probe("Good.Test.", "--ip", "192.0.2.99", status=0)
        self.assertIn("good.test: 192.0.2.99 is listed: 127.0.0.4; 127.0.0.4 matches the expected result "
                      "'127.0.0.4-11'", lines)
        self.assertIn("good.test: 192.0.2.99: reason: Listed for spam, see https://good.test/?192.0.2.99", lines)
        self.assertIn("99.2.0.192.good.test TXT", self.dns.queries())
        self.assertFalse(any("warning" in line for line in lines), lines)
        lines = self.probe("good.test", "--ip", "::ffff:192.0.2.1", status=0)
        self.assertIn("good.test: 192.0.2.1 is not listed", lines)
        # A pattern that counts neither the address's answer nor the test point's: said so.
        self.ok("dnsbl", "remove", "good.test")
        self.ok("dnsbl", "add", "good.test", "--expect", "127.0.0.3")
        lines = self.probe("good.test", "--ip", "192.0.2.99", status=0)
        self.assertIn("good.test: warning: the expected result '127.0.0.3' matches none of the answers for 127.0.0.2 "
                      "(127.0.0.2,127.0.0.10): check --expect, listed clients may not count", lines)
        self.assertIn("good.test: 192.0.2.99 is listed: 127.0.0.4, which the expected result '127.0.0.3' does not "
                      "match: the gateway does not count it", lines)
        # An unconfigured zone: any answer counts.
        lines = self.probe("all.test", "--ip", "192.0.2.99", status=1)
        self.assertIn("all.test: not a configured zone: any answer in 127.0.0.0/8 counts", lines)
        self.assertIn("all.test: 192.0.2.99 is listed: 127.0.0.2 (any answer in 127.0.0.0/8 counts)", lines)

    def test_zone_listing_everything(self):
        lines = self.probe("all.test", status=1)
        self.assertEqual([line for line in lines if ": problem: " in line], [
            "all.test: problem: test point 127.0.0.1 is listed (127.0.0.2): the zone answers for every address, "
            "do not use it",
            "all.test: problem: IPv6 test point ::ffff:7f00:1 is listed (127.0.0.2): the zone answers for every IPv6 "
            "address, do not use it",
        ])
        self.assertFalse(any(": ok: " in line for line in lines), lines)

    def test_zone_not_listing_its_test_point(self):
        lines = self.probe("nothing.test", status=1)
        self.assertEqual(lines[0], "nothing.test: problem: test point 127.0.0.2 is not listed (RFC 5782 5 asks every "
                                   "list to list it): the zone is not a working DNSBL, or the resolver does not see it")

    def test_refusal_code(self):
        lines = self.probe("refusing.test", "--ip", "192.0.2.99", status=1)
        self.assertIn("refusing.test: problem: test point 127.0.0.2: answer 127.255.255.254: the list refused the "
                      "query: the list refuses queries that come through a public or open resolver (use a resolver "
                      "of your own, or the list's subscription service)", lines)
        self.assertIn("refusing.test: problem: test point 127.0.0.1: answer 127.255.255.254: the list refused the "
                      "query: the list refuses queries that come through a public or open resolver (use a resolver "
                      "of your own, or the list's subscription service)", lines)
        self.assertTrue(any(line.startswith("refusing.test: problem: 192.0.2.99: answer 127.255.255.254")
                            for line in lines), lines)
        self.assertFalse(any("is listed" in line or "not listed" in line for line in lines), lines)

    def test_servfail(self):
        lines = self.probe("broken.test", status=1)
        self.assertIn("broken.test: problem: test point 127.0.0.2: temporary DNS failure: the resolver answered "
                      "SERVFAIL or REFUSED, or could not be reached", lines)

    def test_timeout_against_a_silent_server(self):
        import socket
        silent = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # bound, never read: no answer, no ICMP
        silent.bind(("127.0.0.1", 0))
        self.addCleanup(silent.close)
        server = f"127.0.0.1:{silent.getsockname()[1]}"
        start = time.monotonic()
        r = self.run_cli("dnsbl", "test", "good.test", "--server", server, "--timeout", "0.5")
        elapsed = time.monotonic() - start
        self.assertEqual(r.returncode, 1, r)
        self.assertEqual(r.stdout.splitlines(), [
            f"asking {server} (--server), time bound 500 ms",
            "good.test: problem: test point 127.0.0.2: no answer within 500 ms",
            "good.test: problem: test point 127.0.0.1: no answer within 500 ms",
        ])
        self.assertLess(elapsed, 10)  # the time bound, not c-ares' own retries

    def test_ipv6_zone(self):
        lines = self.probe("v6.test", "--ip", "2001:db8::1", status=0)
        self.assertIn("v6.test: IPv6 test point ::ffff:7f00:2 listed (127.0.0.2), ::ffff:7f00:1 not listed: the zone "
                      "lists IPv6 addresses too", lines)
        self.assertIn("v6.test: 2001:db8::1 is listed: 127.0.0.3 (any answer in 127.0.0.0/8 counts)", lines)

    def test_all_configured_zones(self):
        self.assertEqual(self.probe("all", status=0), ["no DNSBL zones are configured (see 'portcullis dnsbl add')"])
        self.ok("dnsbl", "add", "good.test", "--score", "1")
        self.ok("dnsbl", "add", "v6.test")
        lines = self.probe("all", status=0)
        self.assertIn("good.test: ok: test point 127.0.0.2 listed (127.0.0.2,127.0.0.10), 127.0.0.1 not listed", lines)
        self.assertIn("v6.test: ok: test point 127.0.0.2 listed (127.0.0.2), 127.0.0.1 not listed", lines)
        self.assertEqual(lines[-1], "2 zones tested: 2 healthy, 0 with problems")
        self.ok("dnsbl", "add", "all.test", "--stage", "rcpt")
        lines = self.probe("all", "--timeout", "2", status=1)
        self.assertIn("all.test: problem: test point 127.0.0.1 is listed (127.0.0.2): the zone answers for every "
                      "address, do not use it", lines)
        self.assertEqual(lines[-1], "3 zones tested: 2 healthy, 1 with problems")
        self.assertEqual([line.split(":")[0] for line in lines[:-1] if ": ok: " in line], ["good.test", "v6.test"])

    def test_refusals(self):
        cases = [
            ([], "missing argument: usage: portcullis dnsbl test ZONE|all [--ip ADDRESS] [--server HOST[:PORT]]"),
            (["a.test", "b.test"], "unexpected argument 'b.test'"),
            (["localhost"], "'localhost' is not a DNSBL zone"),
            (["a" * 60 + "." + "b" * 60 + "." + "c" * 60 + ".example"], "is not a DNSBL zone: the zone is longer than"),
            (["good.test", "--ip", "192.0.2.300"], "--ip: '192.0.2.300' is not an IP address"),
            (["good.test", "--ip", "fe80::1%lo"], "--ip: 'fe80::1%lo' is not an IP address"),
            (["good.test", "--server", "127.0.0.1:0"], "--server: '127.0.0.1:0' has a bad port (expected 1-65535)"),
            (["good.test", "--server", "127.0.0.1:x"], "has a bad port"),
            (["good.test", "--server", "[::1"], "--server: '[::1' lacks the closing ']'"),
            (["good.test", "--server", "[::1]53"], "has something other than ':PORT' after ']'"),
            (["good.test", "--server", "::1::2"], "is not an IPv6 address"),
            (["good.test", "--server", "300.0.0.1"], "has no valid IPv4 address"),
            (["good.test", "--server", "bad host"], "is not an IP address or host name"),
            (["good.test", "--server", ":53"], "has no host"),
            (["good.test", "--timeout", "0"], "--timeout: expected a number of seconds from 0.1 to 60 (not '0')"),
            (["good.test", "--timeout", "soon"], "--timeout: expected a number of seconds"),
            (["good.test", "--expect", "127.0.0.2"], "unknown option --expect"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.fails("dnsbl", "test", *args, contains=message)


class IpRange(SpamCliTestCase):
    def test_add_list_remove(self):
        serial = self.serial()
        self.assertEqual(self.ok("iprange", "add", "office", "192.0.2.7/24", "--allow", "--priority", "20",
                                 "--note", "head office"),
                         "added IP range office: allow 192.0.2.0/24 (from 192.0.2.7/24), priority 20, "
                         "expires never\n")
        self.assertGreater(self.serial(), serial)
        out = self.ok("iprange", "add", "abusers", "198.51.100.0/24", "--deny", "--priority", "30",
                      "--expires", "2d")
        expected = time.strftime("%Y-%m-%dT", time.gmtime(time.time() + 2 * 86400))
        self.assertIn(f"expires {expected}", out)
        self.ok("iprange", "add", "internet", "::/0", "--allow", "--expires", "2099-01-01")
        self.ok("iprange", "add", "v6-lab", "2001:db8::/32", "--deny", "--priority=-5", "--expires", "@4102444800")
        rows = self.rows("iprange", "list")
        self.assertEqual([r[:4] for r in rows], [
            ["abusers", "198.51.100.0/24", "deny", "priority=30"],
            ["office", "192.0.2.0/24", "allow", "priority=20"],
            ["internet", "::/0", "allow", "priority=0"],
            ["v6-lab", "2001:db8::/32", "deny", "priority=-5"],
        ])
        self.assertEqual(rows[1][4:], ["expires=never", "head", "office"])
        self.assertEqual(rows[2][4], "expires=2099-01-01T00:00:00Z")
        self.assertEqual(rows[3][4], "expires=2100-01-01T00:00:00Z")
        stored = dict(self.query("SELECT name, expires FROM ip_ranges"))
        self.assertEqual(stored["internet"], calendar.timegm((2099, 1, 1, 0, 0, 0)))
        self.assertAlmostEqual(stored["abusers"], time.time() + 2 * 86400, delta=120)
        serial = self.serial()
        self.assertEqual(self.ok("iprange", "remove", "office"), "removed IP range office\n")
        self.assertGreater(self.serial(), serial)
        self.fails("iprange", "remove", "office", contains="IP range 'office' does not exist")

    def test_refusals(self):
        self.ok("iprange", "add", "office", "192.0.2.0/24", "--allow")
        cases = [
            (["office", "10.0.0.0/8", "--deny"], "IP range office exists already"),
            (["x", "10.0.0.0/8"], "give --allow or --deny"),
            (["x", "10.0.0.0/8", "--allow", "--deny"], "--allow and --deny exclude each other"),
            (["x", "10.0.0.0/33", "--allow"], "'10.0.0.0/33' is not a network"),
            (["x", "example.org", "--allow"], "'example.org' is not a network"),
            (["my computer", "127.0.0.1", "--allow"], "'my computer' is not a valid range name"),
            (["x" * 65, "127.0.0.1", "--allow"], "is not a valid range name"),
            (["x", "10.0.0.0/8", "--allow", "--priority", "high"], "--priority: expected a whole number"),
            (["x", "10.0.0.0/8", "--allow", "--priority", "2000000"], "--priority: expected a whole number"),
            (["x", "10.0.0.0/8", "--allow", "--expires", "soon"], "--expires: expected never, a duration from now"),
            (["x", "10.0.0.0/8", "--allow", "--expires", "2001-01-01"], "is not in the future"),
            (["x", "10.0.0.0/8", "--allow", "--expires", "@5"], "is not in the future"),
            (["x", "10.0.0.0/8", "--allow", "--expires", "0s"], "is not in the future"),
            (["x", "10.0.0.0/8", "--allow", "--note", "a\tb"], "--note: expected one line of text"),
            (["x", "--allow"], "missing argument: usage: portcullis iprange add NAME CIDR"),
        ]
        for args, message in cases:
            with self.subTest(args=args):
                self.fails("iprange", "add", *args, contains=message)


class Bans(SpamCliTestCase):
    def add_bans(self, *bans):
        with sqlite3.connect(self.db) as db:
            db.executemany("INSERT INTO bans (ip, until, reason, created) VALUES (?, ?, ?, ?)", bans)
        give_to_daemon_user(self.dir)

    def test_list_and_remove(self):
        now = int(time.time())
        self.add_bans(("192.0.2.9", now + 3600, "too many invalid commands", now - 60),
                      ("2001:db8::9", now + 7200, "relay attempts", now - 30),
                      ("198.51.100.1", now - 10, "expired long ago", now - 7200))
        rows = self.rows("ban", "list")
        self.assertEqual([r[0] for r in rows], ["192.0.2.9", "2001:db8::9"])  # bans in force only
        self.assertEqual(rows[0][1], "until=" + time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 3600)))
        self.assertEqual(rows[0][3:], ["too", "many", "invalid", "commands"])
        serial = self.serial()
        self.assertEqual(self.ok("ban", "remove", "2001:DB8:0::9"), "lifted the ban of 2001:db8::9\n")
        self.assertEqual(self.ok("ban", "remove", "::ffff:192.0.2.9"), "lifted the ban of 192.0.2.9\n")
        self.assertEqual(self.serial(), serial)  # state: checked per connection, no reload
        self.assertEqual(self.rows("ban", "list"), [])
        self.fails("ban", "remove", "192.0.2.9", contains="192.0.2.9 is not banned")
        self.fails("ban", "remove", "192.0.2.999", contains="'192.0.2.999' is not an IP address")
        self.fails("ban", "remove", "fe80::1%eth0", contains="is not an IP address")
        self.fails("ban", "add", "192.0.2.1", contains="ban: unknown subcommand 'add' (list, remove)")


if __name__ == "__main__":
    unittest.main()
