"""`portcullis dkim`: the outbound DKIM signing keys, with the real CLI and a real SQLite store.

The records the CLI prints are parsed as a zone file would be, and each key is proven with an
independent implementation, dkimpy (Debian's python3-dkim): a message signed with the private
key read from the store verifies against the record the CLI printed. Run with the system Python:
    /usr/bin/python3 -m unittest -v test_dkim_cli
"""

import base64
import os
import pathlib
import re
import sqlite3
import subprocess
import tempfile
import unittest

import dkim

REPO = pathlib.Path(__file__).resolve().parents[2]
BIN_DIR = pathlib.Path(os.environ.get("PORTCULLIS_BIN_DIR", REPO / "build" / "debug" / "daemon"))
BIN = BIN_DIR / "portcullis"

from harness import RUN_AS, give_to_daemon_user  # noqa: E402

# "S._domainkey.DOMAIN. IN TXT ( "..." "..." )" on one line.
RECORD = re.compile(r'^(?P<name>\S+\.) IN TXT \( (?P<strings>(?:"[^"\\]*" )+)\)$')
# The PKCS#8 prefix of an Ed25519 private key (RFC 8410 7); the 32-octet seed follows.
ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
MESSAGE = (b"From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: key check\r\n"
           b"Date: Mon, 23 Nov 2026 10:00:00 +0000\r\nMessage-ID: <k1@example.org>\r\n\r\n"
           b"Signed with the stored key, verified against the printed record.\r\n")


def setUpModule():
    if not BIN.is_file():
        raise RuntimeError(f"{BIN} does not exist: build the portcullis target or set PORTCULLIS_BIN_DIR")


def parse_record(line):
    """A printed record line -> (owner name, the joined TXT value, the strings)."""
    m = RECORD.match(line)
    if m is None:
        raise AssertionError(f"not a zone-file TXT record: {line!r}")
    strings = re.findall(r'"([^"]*)"', m.group("strings"))
    return m.group("name"), "".join(strings), strings


def tags(value):
    out = {}
    for item in value.split(";"):
        if item.strip():
            k, _, v = item.strip().partition("=")
            out[k.strip()] = v.strip()
    return out


def pem_body(pem):
    return base64.b64decode("".join(line for line in pem.strip().splitlines() if not line.startswith("-----")))


class DkimCliTestCase(unittest.TestCase):
    def setUp(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="portcullis-dkim-")
        self.dir = pathlib.Path(self._tmp.name)
        self.db = self.dir / "portcullis.db"
        self.config = self.dir / "portcullis.toml"
        self.write_config("")
        self.dir.chmod(0o755)
        self.env = {k: v for k, v in os.environ.items() if k != "PORTCULLIS_CONFIG"}

    def tearDown(self):
        self._tmp.cleanup()

    def write_config(self, text):
        # Run as root, the CLI becomes the gateway's user before it opens the store.
        self.config.write_text(('user = "nobody"\ngroup = "nogroup"\n' if RUN_AS else "") + text)

    def run_cli(self, *args):
        cmd = [str(BIN), "--config", str(self.config), "--store", f"sqlite:{self.db}", *args]
        give_to_daemon_user(self.dir)
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=self.env)

    def ok(self, *args):
        """Runs a command that must succeed; returns the CompletedProcess."""
        r = self.run_cli(*args)
        self.assertEqual(r.returncode, 0, f"{args}: exit {r.returncode}, stderr: {r.stderr!r}")
        self.assertNotIn("PRIVATE KEY", r.stdout + r.stderr)
        return r

    def fails(self, *args, contains):
        """Runs a command that must fail with exit 1, one error line containing `contains`, and
        store nothing; returns that line."""
        before = self.keys()
        r = self.run_cli(*args)
        self.assertEqual(r.returncode, 1, f"{args}: exit {r.returncode}, stdout: {r.stdout!r}")
        self.assertEqual(r.stdout, "")
        lines = r.stderr.splitlines()
        self.assertEqual(len(lines), 1, f"{args}: stderr is not one line: {r.stderr!r}")
        self.assertTrue(lines[0].startswith("portcullis: error: "), lines[0])
        self.assertIn(contains, lines[0])
        self.assertEqual(self.keys(), before, f"{args}: the store changed")
        return lines[0]

    def keys(self):
        """The dkim_keys rows, read from the SQLite file directly: {(domain, selector): row}."""
        if not self.db.exists():
            return {}
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "dkim_keys" not in tables:
                return {}
            return {(r["domain"], r["selector"]): dict(r) for r in db.execute("SELECT * FROM dkim_keys")}

    def policy_serial(self):
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            return db.execute("SELECT serial FROM policy_serial WHERE id = 1").fetchone()[0]

    def keygen(self, *args):
        """keygen; returns (record line, advice line, stderr)."""
        r = self.ok("dkim", "keygen", *args)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        return lines[0], lines[1], r.stderr

    def assert_signs(self, domain, selector, private_pem, record_line, algorithm):
        """A message signed with `private_pem` verifies (dkimpy) against the printed record, and
        against no other key's record."""
        name, value, _ = parse_record(record_line)
        self.assertEqual(name, f"{selector}._domainkey.{domain}.")
        if algorithm == "ed25519-sha256":
            der = pem_body(private_pem)
            self.assertEqual(der[:16], ED25519_PKCS8_PREFIX)
            self.assertEqual(len(der), 48)
            privkey = base64.b64encode(der[16:])  # dkimpy takes the base64 seed
        else:
            privkey = private_pem.encode()
        header = dkim.sign(MESSAGE, selector.encode(), domain.encode(), privkey,
                           signature_algorithm=algorithm.encode(),
                           include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
        self.assertTrue(header.startswith(b"DKIM-Signature:"))
        asked = []

        def dnsfunc(qname, timeout=5):
            asked.append(qname)
            return value.encode() if qname == name.encode() else None

        self.assertTrue(dkim.verify(header + MESSAGE, dnsfunc=dnsfunc), "dkimpy: the signature does not verify")
        self.assertEqual(asked, [name.encode()])
        # Control: the same signature against another key of the same type must fail.
        other = subprocess.run(["openssl", "genpkey", "-algorithm",
                                "ED25519" if algorithm == "ed25519-sha256" else "RSA"],
                               capture_output=True, check=True).stdout
        spki = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=other,
                              capture_output=True, check=True).stdout
        p = base64.b64encode(spki[-32:] if algorithm == "ed25519-sha256" else spki).decode()
        k = "ed25519" if algorithm == "ed25519-sha256" else "rsa"
        wrong = f"v=DKIM1; k={k}; p={p}".encode()
        self.assertFalse(dkim.verify(header + MESSAGE, dnsfunc=lambda q, timeout=5: wrong))

    def openssl_key(self, name, *genpkey_args, traditional=False):
        path = self.dir / name
        if traditional:
            subprocess.run(["openssl", "genrsa", "-traditional", "-out", str(path), *genpkey_args],
                           capture_output=True, check=True)
        else:
            subprocess.run(["openssl", "genpkey", *genpkey_args, "-out", str(path)], capture_output=True, check=True)
        return path

    def openssl_p(self, path, ed25519=False):
        """The p= value of a PEM key file's public half, as OpenSSL computes it."""
        spki = subprocess.run(["openssl", "pkey", "-in", str(path), "-pubout", "-outform", "DER"],
                              capture_output=True, check=True).stdout
        return base64.b64encode(spki[-32:] if ed25519 else spki).decode()

    def openssl_bits(self, pem):
        text = subprocess.run(["openssl", "pkey", "-noout", "-text"], input=pem.encode(),
                              capture_output=True, check=True).stdout.decode()
        return int(re.search(r"Private-Key: \((\d+) bit", text).group(1))


class Keygen(DkimCliTestCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org", "--destination", "mx.internal")

    def test_rsa_default(self):
        record, advice, err = self.keygen("example.org", "--selector", "s2026")
        self.assertEqual(err, "")  # one of our domains: no warning
        name, value, strings = parse_record(record)
        self.assertEqual(name, "s2026._domainkey.example.org.")
        self.assertTrue(all(1 <= len(s) <= 255 for s in strings), strings)
        self.assertEqual(len(strings), 2)  # 2048 bits: 410 octets
        t = tags(value)
        self.assertEqual((t["v"], t["k"]), ("DKIM1", "rsa"))
        self.assertTrue(value.startswith("v=DKIM1;"))
        self.assertIn("Publish this record in DNS", advice)
        self.assertIn("active", advice)
        row = self.keys()[("example.org", "s2026")]
        self.assertEqual(row["algorithm"], "rsa-sha256")
        self.assertEqual(row["active"], 1)
        self.assertEqual(row["public_txt"], value)
        self.assertTrue(row["private_pem"].startswith("-----BEGIN PRIVATE KEY-----"))
        self.assertEqual(self.openssl_bits(row["private_pem"]), 2048)
        self.assertNotIn(base64.b64encode(pem_body(row["private_pem"])).decode()[40:80], record + advice + err)
        self.assertAlmostEqual(row["created"], __import__("time").time(), delta=300)
        self.assert_signs("example.org", "s2026", row["private_pem"], record, "rsa-sha256")

    def test_ed25519(self):
        self.keygen("example.org", "--selector", "rsa1")
        record, _, err = self.keygen("example.org", "--selector", "ed1", "--ed25519")
        self.assertEqual(err, "")  # an RSA key is active: no dual-signing note
        name, value, strings = parse_record(record)
        self.assertEqual(len(strings), 1)
        t = tags(value)
        self.assertEqual(t["k"], "ed25519")
        self.assertEqual(len(base64.b64decode(t["p"])), 32)
        row = self.keys()[("example.org", "ed1")]
        self.assertEqual(row["algorithm"], "ed25519-sha256")
        self.assert_signs("example.org", "ed1", row["private_pem"], record, "ed25519-sha256")

    def test_ed25519_alone_suggests_dual_signing(self):
        _, _, err = self.keygen("example.org", "--selector", "ed1", "--ed25519")
        self.assertIn("portcullis: note: many receivers do not verify Ed25519", err)

    def test_bits_and_long_records(self):
        for bits, strings_expected in (("3072", 3), ("4096", 3)):
            record, _, _ = self.keygen("example.org", "--selector", f"b{bits}", "--bits", bits)
            _, value, strings = parse_record(record)
            self.assertEqual(len(strings), strings_expected, strings)
            self.assertTrue(all(len(s) <= 255 for s in strings))
            self.assertTrue(all(len(s) == 255 for s in strings[:-1]))
            row = self.keys()[("example.org", f"b{bits}")]
            self.assertEqual(self.openssl_bits(row["private_pem"]), int(bits))
            self.assert_signs("example.org", f"b{bits}", row["private_pem"], record, "rsa-sha256")
        rows = {(r[1], r[2]) for r in (line.split() for line in self.ok("dkim", "list").stdout.splitlines())}
        self.assertEqual(rows, {("b3072", "rsa-3072"), ("b4096", "rsa-4096")})

    def test_inactive(self):
        _, advice, _ = self.keygen("example.org", "--selector", "next", "--inactive")
        self.assertIn("portcullis dkim activate example.org next", advice)
        self.assertEqual(self.keys()[("example.org", "next")]["active"], 0)

    def test_domain_and_selector_are_normalised(self):
        record, _, err = self.keygen("Mail.Example.ORG.", "--selector", "S1")
        self.assertEqual(err, "")  # under one of our domains: no warning
        self.assertEqual(parse_record(record)[0], "s1._domainkey.mail.example.org.")
        self.assertIn(("mail.example.org", "s1"), self.keys())
        # An A-label is taken as it is.
        record, _, _ = self.keygen("xn--mnchen-3ya.example", "--selector", "s1")
        self.assertEqual(parse_record(record)[0], "s1._domainkey.xn--mnchen-3ya.example.")

    def test_foreign_domain_is_allowed_with_a_warning(self):
        record, _, err = self.keygen("example.net", "--selector", "s1")
        self.assertEqual(parse_record(record)[0], "s1._domainkey.example.net.")
        self.assertEqual(len(err.splitlines()), 1)
        self.assertTrue(err.startswith("portcullis: warning: example.net is not one of the gateway's domains"), err)
        self.assertIn(("example.net", "s1"), self.keys())
        # "under one" means a subdomain, not a longer name with the same ending.
        _, _, err = self.keygen("badexample.org", "--selector", "s1")
        self.assertIn("warning: badexample.org is not one of the gateway's domains", err)

    def test_refusals_store_nothing(self):
        self.fails("dkim", "keygen", "co.uk", "--selector", "s1", contains="co.uk is a public suffix")
        self.fails("dkim", "keygen", "com", "--selector", "s1", contains="com is a public suffix")
        self.fails("dkim", "keygen", "COM.", "--selector", "s1", contains="com is a public suffix")
        self.fails("dkim", "keygen", "github.io", "--selector", "s1", contains="github.io is a public suffix")
        for bad in ("bad_sel", "-s1", "s1-", "a..b", "s1.", "", "s\u00e9l", "x" * 64):
            self.fails("dkim", "keygen", "example.org", "--selector", bad,
                       contains=f"'{bad}' is not a valid selector")
        self.fails("dkim", "keygen", "example.org", contains="missing --selector S")
        self.fails("dkim", "keygen", "exa_mple.org", "--selector", "s1",
                   contains="'exa_mple.org' is not a valid domain name")
        self.fails("dkim", "keygen", "192.0.2.1", "--selector", "s1", contains="is an address, not a domain name")
        self.fails("dkim", "keygen", "xn--zz-.example", "--selector", "s1", contains="not a valid domain name")
        self.fails("dkim", "keygen", "xn--zz.example", "--selector", "s1",
                   contains="'xn--zz' is not a valid A-label")
        line = self.fails("dkim", "keygen", "m\u00fcnchen.example", "--selector", "s1",
                          contains="is an internationalised domain name: give it in A-label form")
        self.assertIn("xn--mnchen-3ya.example", line)
        long_selector = ".".join(["s" * 60] * 4)  # 243 octets: a valid name, too long here
        self.fails("dkim", "keygen", "example.org", "--selector", long_selector,
                   contains="is longer than 253 octets")
        for bits in ("1024", "1000", "8192", "abc", "2048x"):
            self.fails("dkim", "keygen", "example.org", "--selector", "s1", "--bits", bits,
                       contains=f"--bits must be 2048, 3072 or 4096 (not '{bits}'; RSA keys under 2048 bits are weak)")
        self.fails("dkim", "keygen", "example.org", "--selector", "s1", "--ed25519", "--bits", "2048",
                   contains="--bits is for RSA keys")
        self.fails("dkim", "keygen", "example.org", "--selector", "s1", "--ed25519", "--ed25519",
                   contains="option --ed25519 given twice")
        self.fails("dkim", "keygen", "example.org", "--selector", "s1", "--inactive=yes",
                   contains="option --inactive takes no value")
        self.fails("dkim", "keygen", "example.org", "extra", "--selector", "s1", contains="unexpected argument 'extra'")
        self.assertEqual(self.keys(), {})

    def test_duplicate(self):
        record, _, _ = self.keygen("example.org", "--selector", "s1")
        row = self.keys()[("example.org", "s1")]
        for args in (("example.org", "--selector", "s1"), ("EXAMPLE.org.", "--selector", "S1", "--ed25519")):
            self.fails("dkim", "keygen", *args,
                       contains="DKIM key s1._domainkey.example.org exists already (choose another selector")
        self.assertEqual(self.keys(), {("example.org", "s1"): row})
        self.assertEqual(self.ok("dkim", "show", "example.org", "s1").stdout, record + "\n")

    def test_public_suffix_list_is_required(self):
        self.write_config('[auth]\npublic_suffix_list = "/nonexistent/public_suffix_list.dat"\n')
        self.fails("dkim", "keygen", "example.org", "--selector", "s1",
                   contains="cannot check that example.org is not a public suffix: cannot read the Public Suffix List")

    def test_private_key_never_printed(self):
        self.keygen("example.org", "--selector", "s1")
        body = base64.b64encode(pem_body(self.keys()[("example.org", "s1")]["private_pem"])).decode()
        for args in (["list"], ["show", "example.org", "s1"], ["deactivate", "example.org", "s1"]):
            r = self.ok("dkim", *args)
            for i in range(0, len(body) - 32, 32):
                self.assertNotIn(body[i:i + 32], r.stdout + r.stderr)


class Manage(DkimCliTestCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org", "--destination", "mx.internal")
        self.rsa, _, _ = self.keygen("example.org", "--selector", "rsa1")
        self.ed, _, _ = self.keygen("example.org", "--selector", "ed1", "--ed25519")
        self.sub, _, _ = self.keygen("lists.example.org", "--selector", "s1", "--inactive")
        self.other, _, _ = self.keygen("example.com", "--selector", "s1")

    def rows(self, *args):
        return [line.split() for line in self.ok("dkim", "list", *args).stdout.splitlines()]

    def test_list(self):
        rows = self.rows()
        self.assertEqual([r[:4] for r in rows], [
            ["example.com", "s1", "rsa-2048", "active"],
            ["example.org", "ed1", "ed25519", "active"],
            ["example.org", "rsa1", "rsa-2048", "active"],
            ["lists.example.org", "s1", "rsa-2048", "inactive"],
        ])
        for r in rows:
            self.assertEqual(len(r), 5)
            self.assertRegex(r[4], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual([r[:2] for r in self.rows("Example.ORG.")],
                         [["example.org", "ed1"], ["example.org", "rsa1"], ["lists.example.org", "s1"]])
        self.assertEqual(self.rows("lists.example.org"), [rows[3]])
        self.assertEqual(self.rows("example.net"), [])
        r = self.run_cli("dkim", "list", "co_uk")
        self.assertEqual(r.returncode, 1)

    def test_show(self):
        self.assertEqual(self.ok("dkim", "show", "example.org", "rsa1").stdout, self.rsa + "\n")
        self.assertEqual(self.ok("dkim", "show", "EXAMPLE.ORG.", "ED1").stdout, self.ed + "\n")
        self.assertEqual(self.ok("dkim", "show", "lists.example.org", "s1").stdout, self.sub + "\n")
        self.fails("dkim", "show", "example.org", "nope",
                   contains="no DKIM key nope._domainkey.example.org (see 'portcullis dkim list example.org')")
        self.fails("dkim", "show", "example.org", contains="missing argument: usage: portcullis dkim show DOMAIN SELECTOR")

    def test_activate_and_deactivate(self):
        serial = self.policy_serial()
        r = self.ok("dkim", "deactivate", "example.org", "rsa1")
        self.assertIn("deactivated DKIM key rsa1._domainkey.example.org (rsa-2048)", r.stdout)
        self.assertEqual(r.stderr, "")  # ed1 still signs
        self.assertEqual(self.keys()[("example.org", "rsa1")]["active"], 0)
        self.assertGreater(self.policy_serial(), serial)  # the daemon reloads its policy
        r = self.ok("dkim", "deactivate", "example.org", "ed1")
        self.assertIn("portcullis: note: example.org has no active DKIM key left", r.stderr)
        r = self.ok("dkim", "deactivate", "example.org", "ed1")
        self.assertIn("is inactive already", r.stdout)

        r = self.ok("dkim", "activate", "lists.example.org", "s1")
        self.assertIn("activated DKIM key s1._domainkey.lists.example.org (rsa-2048)", r.stdout)
        self.assertEqual(self.keys()[("lists.example.org", "s1")]["active"], 1)
        r = self.ok("dkim", "activate", "example.org", "rsa1")
        self.assertEqual(r.stderr, "")
        # Rotation: a second RSA key of the domain active gives a hint to retire the old one.
        self.keygen("example.org", "--selector", "rsa2", "--inactive")
        r = self.ok("dkim", "activate", "example.org", "rsa2")
        self.assertIn("portcullis dkim deactivate example.org rsa1", r.stderr)
        self.assertEqual([r[3] for r in self.rows("example.org")], ["inactive", "active", "active", "active"])
        r = self.ok("dkim", "activate", "example.org", "rsa2")
        self.assertIn("is active already", r.stdout)

        for cmd in ("activate", "deactivate"):
            self.fails("dkim", cmd, "example.org", "nope", contains="no DKIM key nope._domainkey.example.org")
            self.fails("dkim", cmd, "example.net", "s1", contains="no DKIM key s1._domainkey.example.net")

    def test_delete(self):
        r = self.ok("dkim", "delete", "lists.example.org", "s1")
        self.assertIn("deleted DKIM key s1._domainkey.lists.example.org (rsa-2048)", r.stdout)
        self.assertEqual(r.stderr, "")
        self.assertNotIn(("lists.example.org", "s1"), self.keys())
        r = self.ok("dkim", "delete", "example.org", "rsa1")
        self.assertIn("portcullis: note: the key was active", r.stderr)
        self.assertEqual(set(self.keys()), {("example.org", "ed1"), ("example.com", "s1")})
        self.fails("dkim", "delete", "example.org", "rsa1", contains="no DKIM key rsa1._domainkey.example.org")
        self.fails("dkim", "delete", "example.org", "rsa1", "x", contains="unexpected argument 'x'")
        # The selector is free again.
        self.keygen("example.org", "--selector", "rsa1")

    def test_unknown_subcommand_and_help(self):
        self.fails("dkim", "rotate", contains="dkim: unknown subcommand 'rotate'")
        self.fails("dkim", contains="dkim: missing subcommand")
        out = self.ok("help", "dkim").stdout
        for line in ("portcullis dkim keygen DOMAIN --selector S [--ed25519] [--bits 2048|3072|4096] [--inactive]",
                     "portcullis dkim import DOMAIN --selector S --key FILE.pem", "portcullis dkim list [DOMAIN]",
                     "portcullis dkim show DOMAIN SELECTOR", "portcullis dkim activate DOMAIN SELECTOR",
                     "portcullis dkim deactivate DOMAIN SELECTOR", "portcullis dkim delete DOMAIN SELECTOR"):
            self.assertIn(line, out)
        self.assertEqual(self.ok("dkim", "keygen", "--help").stdout, out)
        self.assertIn("dkim keygen DOMAIN", self.ok("help").stdout)


class Import(DkimCliTestCase):
    def setUp(self):
        super().setUp()
        self.ok("domain", "add", "example.org", "--destination", "mx.internal")

    def imported(self, selector, path, *extra):
        r = self.ok("dkim", "import", "example.org", "--selector", selector, "--key", str(path), *extra)
        lines = r.stdout.splitlines()
        self.assertEqual(len(lines), 2, r.stdout)
        return lines[0], lines[1], r.stderr

    def test_rsa_pkcs8(self):
        path = self.openssl_key("rsa.pem", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        path.chmod(0o600)  # readable by root only: read before the CLI drops its privileges
        record, advice, err = self.imported("imp", path)
        self.assertEqual(err, "")
        _, value, _ = parse_record(record)
        self.assertEqual(tags(value)["p"], self.openssl_p(path))
        self.assertIn("Publish this record in DNS", advice)
        row = self.keys()[("example.org", "imp")]
        self.assertEqual((row["algorithm"], row["active"]), ("rsa-sha256", 1))
        self.assertEqual(pem_body(row["private_pem"]), pem_body(path.read_text()))
        self.assert_signs("example.org", "imp", row["private_pem"], record, "rsa-sha256")

    def test_rsa_traditional_pem_is_stored_as_pkcs8(self):
        path = self.openssl_key("trad.pem", "3072", traditional=True)
        self.assertIn("BEGIN RSA PRIVATE KEY", path.read_text())
        record, _, _ = self.imported("trad", path, "--inactive")
        row = self.keys()[("example.org", "trad")]
        self.assertTrue(row["private_pem"].startswith("-----BEGIN PRIVATE KEY-----"))
        self.assertEqual(row["active"], 0)
        self.assertEqual(tags(parse_record(record)[1])["p"], self.openssl_p(path))
        self.assertEqual(self.rows_of("trad")[2], "rsa-3072")
        self.assert_signs("example.org", "trad", row["private_pem"], record, "rsa-sha256")

    def rows_of(self, selector):
        for line in self.ok("dkim", "list").stdout.splitlines():
            if line.split()[1] == selector:
                return line.split()
        raise AssertionError(selector)

    def test_ed25519(self):
        path = self.openssl_key("ed.pem", "-algorithm", "ED25519")
        record, _, _ = self.imported("ed", path)
        _, value, _ = parse_record(record)
        self.assertEqual(tags(value)["k"], "ed25519")
        self.assertEqual(tags(value)["p"], self.openssl_p(path, ed25519=True))
        row = self.keys()[("example.org", "ed")]
        self.assertEqual(row["algorithm"], "ed25519-sha256")
        self.assert_signs("example.org", "ed", row["private_pem"], record, "ed25519-sha256")

    def test_rsa_1024_with_a_warning(self):
        path = self.openssl_key("short.pem", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024")
        record, _, err = self.imported("old", path)
        self.assertIn("portcullis: warning: the RSA key has 1024 bits only", err)
        self.assertEqual(self.rows_of("old")[2], "rsa-1024")
        self.assert_signs("example.org", "old", self.keys()[("example.org", "old")]["private_pem"], record,
                          "rsa-sha256")

    def test_refusals_store_nothing(self):
        short = self.openssl_key("short.pem", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512")
        self.fails("dkim", "import", "example.org", "--selector", "s1", "--key", str(short),
                   contains="RSA key of 512 bits is too short")
        good = self.openssl_key("good.pem", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048")
        enc = self.dir / "enc.pem"
        subprocess.run(["openssl", "pkey", "-in", str(good), "-aes256", "-passout", "pass:secret", "-out", str(enc)],
                       capture_output=True, check=True)
        self.fails("dkim", "import", "example.org", "--selector", "s1", "--key", str(enc),
                   contains="DKIM key for s1._domainkey.example.org: encrypted private keys are not supported")
        ec = self.openssl_key("ec.pem", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256")
        self.fails("dkim", "import", "example.org", "--selector", "s1", "--key", str(ec),
                   contains="DKIM key for s1._domainkey.example.org: unsupported key type (RSA or Ed25519 only)")
        junk = self.dir / "junk.pem"
        junk.write_text("not a key\n")
        self.fails("dkim", "import", "example.org", "--selector", "s1", "--key", str(junk),
                   contains="DKIM key for s1._domainkey.example.org: not a PEM private key")
        self.fails("dkim", "import", "example.org", "--selector", "s1", "--key", str(self.dir / "missing.pem"),
                   contains="cannot read the key file")
        self.fails("dkim", "import", "example.org", "--selector", "s1", "--key", str(self.dir),
                   contains="cannot read the key file")
        self.fails("dkim", "import", "example.org", "--selector", "s1", contains="missing --key FILE.pem")
        self.fails("dkim", "import", "co.uk", "--selector", "s1", "--key", str(good),
                   contains="co.uk is a public suffix")
        self.fails("dkim", "import", "example.org", "--selector", "s_1", "--key", str(good),
                   contains="'s_1' is not a valid selector")
        self.assertEqual(self.keys(), {})
        self.imported("s1", good)
        self.fails("dkim", "import", "example.org", "--selector", "s1", "--key", str(good),
                   contains="DKIM key s1._domainkey.example.org exists already")


if __name__ == "__main__":
    unittest.main()
