"""Spam and malware protection through the daemon (issue 11, docs/spam.md): real clamd and
spamd started by the tests (tests/tools/scanners.py: clamd with a one-signature EICAR database
written there, spamd with Debian's rules and local tests only), per-recipient policies set with
the CLI, the verdicts (reject, quarantine, tag, split between recipients, tempfail when a
scanner is down), and the quarantine: index, list/show/release/delete, digests.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_spam
"""
import sys
import time
from email import message_from_bytes
from pathlib import Path

from harness import GatewayCase, RawSMTP, free_port, make_message, smtp_send, wait_until

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from scanners import EICAR, GTUBE, Clamd, Spamd  # noqa: E402

DEST = "example.test"
OTHER = "other.test"


def with_attachment(subject, name, payload, to=f"user@{DEST}"):
    """A multipart/mixed message with one base64 attachment."""
    import base64
    body = base64.encodebytes(payload).decode().replace("\n", "\r\n")
    text = (f"From: alice@sender.test\r\nTo: {to}\r\nSubject: {subject}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
            "--b1\r\nContent-Type: text/plain\r\n\r\nSee the attachment.\r\n"
            f"--b1\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Disposition: attachment; filename=\"{name}\"\r\n"
            f"Content-Transfer-Encoding: base64\r\n\r\n{body}--b1--\r\n")
    return text.encode()


def with_zip(subject, member):
    """A message with a zip attachment holding one file called `member`."""
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(member, b"MZ not really a program")
    return with_attachment(subject, "documents.zip", buf.getvalue())


class PlainCase(GatewayCase):
    """A gateway without scanners; the DNS server answers what the test gives it."""

    def setup_gateway(self, zone=None, policies=(), settings=None, dnsbl=()):
        self.dest = self.make_sink("dest")
        self.dns = self.make_dns(zone or {})
        self.gw = self.make_gateway(self.dns, self.dest.port)
        for domain in (DEST, OTHER):
            self.gw.cli("domain", "add", domain, "--destination", f"127.0.0.1:{self.dest.port}")
        for args in policies:
            self.gw.cli("spam-policy", *args)
        for args in dnsbl:
            self.gw.cli("dnsbl", "add", *args)
        for key, value in (settings or {}).items():
            self.gw.cli("settings", "set", key, value)
        self.gw.start()
        return self.gw

    def send(self, data, rcpts=(f"user@{DEST}",)):
        return smtp_send(self.gw.port, "alice@sender.test", list(rcpts), data)


class Attachments(PlainCase):
    def test_blocked_names_rejected_by_default(self):
        self.setup_gateway()
        z = self.send(with_zip("zip", "tools/setup.scr"))
        self.assertEqual(z.data[0], 554, z)
        self.assertIn("zip member tools/setup.scr", z.data[1])
        # RFC 2231: filename*=UTF-8''rechnung%2Epdf%2Eexe is "rechnung.pdf.exe".
        m = with_attachment("2231", "x", b"hello").replace(
            b'filename="x"', b"filename*=UTF-8''rechnung%2Epdf%2Eexe")
        t = self.send(m)
        self.assertEqual(t.data[0], 554, t)
        self.assertIn("rechnung.pdf.exe", t.data[1])
        self.assertIn("double extension .pdf.exe", t.data[1])
        ok = self.send(with_attachment("fine", "report.pdf", b"%PDF-1.4 not really"))
        self.assertEqual(ok.data[0], 250, ok)
        self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        time.sleep(1)
        self.assertEqual(self.dest.count(), 1)

    def test_blocked_part_removed_when_the_policy_says_so(self):
        self.setup_gateway(policies=[["set", "strip", "--attachments", "remove"], ["assign", "*", "strip"]])
        t = self.send(with_attachment("strip", "invoice.exe", b"MZ\x90\x00 program"))
        self.assertEqual(t.data[0], 250, t)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        parsed = message_from_bytes(msg.data)
        parts = [p for p in parsed.walk() if not p.is_multipart()]
        self.assertEqual(len(parts), 2)
        self.assertEqual(parts[0].get_payload(decode=True).strip(), b"See the attachment.")
        notice = parts[1].get_payload(decode=True).decode()
        self.assertEqual(parts[1].get_content_type(), "text/plain")
        self.assertIn('The attachment "invoice.exe" was removed', notice)
        self.assertNotIn(b"MZ", msg.data.split(b"\r\n\r\n", 1)[1])


class Reputation(PlainCase):
    def test_dnsbl_block_at_connect_and_score_at_rcpt(self):
        zone = {"1.0.0.127.block.test": [{"type": "A", "value": "127.0.0.2"}],
                "1.0.0.127.score.test": [{"type": "A", "value": "127.0.0.4"}]}
        self.setup_gateway(zone=zone, dnsbl=[["block.test", "--expect", "127.0.0.3", "--block"],
                                             ["score.test", "--score", "2.5", "--stage", "rcpt"]])
        # block.test lists 127.0.0.1 with 127.0.0.2, which its pattern does not count: passes.
        t = self.send(make_message("listed", ["hello"]))
        self.assertEqual(t.data[0], 250, t)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertIn("RBL_SCORE_TEST", msg.header("X-Spam-Status"))
        self.gw.cli_and_wait_reload("dnsbl", "remove", "block.test")
        self.gw.cli_and_wait_reload("dnsbl", "add", "block.test", "--block")
        with RawSMTP(self.gw.port) as c:
            self.assertEqual(c.banner.code, 554, c.banner)
            self.assertIn("block.test", c.banner.text)

    def test_connect_rule_symbols_join_the_block_lists_hits(self):
        zone = {"1.0.0.127.score.test": [{"type": "A", "value": "127.0.0.4"}]}
        self.setup_gateway(zone=zone, dnsbl=[["score.test", "--score", "1.5"]])
        self.gw.write_rule("10-connect.lua", 'function on_connect(ev) ev:add_symbol("CONNECT_RULE", 0.5) end\n')
        t = self.send(make_message("both", ["hello"]))
        self.assertEqual(t.data[0], 250, t)
        status = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0].header("X-Spam-Status")
        self.assertIn("RBL_SCORE_TEST", status)
        self.assertIn("CONNECT_RULE", status)

    def test_greylisting_defers_then_passes_the_retry(self):
        self.setup_gateway(policies=[["set", "grey", "--greylisting", "on"], ["assign", "*", "grey"]],
                           settings={"greylist-delay": "2"})
        first = self.send(make_message("grey", ["hello"]))
        self.assertEqual(first.rcpts[0][0], 451, first)
        self.assertIn("4.7.1 Greylisted", first.rcpts[0][1])
        early = self.send(make_message("grey", ["hello"]))
        self.assertEqual(early.rcpts[0][0], 451, early)
        time.sleep(2.5)
        retry = self.send(make_message("grey", ["hello"]))
        self.assertEqual(retry.rcpts[0][0], 250, retry)
        self.assertEqual(retry.data[0], 250, retry)
        self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        # The triplet passed once: at once from now on; another sender starts over.
        self.assertEqual(self.send(make_message("again", ["hello"])).rcpts[0][0], 250)
        other = smtp_send(self.gw.port, "bob@sender.test", [f"user@{DEST}"], make_message("b", ["x"]))
        self.assertEqual(other.rcpts[0][0], 451, other)


class ScannerCase(GatewayCase):
    """One clamd and one spamd for the whole class (spamd compiles its rules at start)."""

    @classmethod
    def setUpClass(cls):
        cls.clamd = Clamd()
        cls.clamd.start()
        cls.spamd = Spamd()
        try:
            cls.spamd.start()
        except Exception:
            cls.clamd.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.spamd.stop()
        cls.clamd.stop()

    def setup_gateway(self, policies=(), settings=None, scanners=None, quarantine_sweep=None, start=True):
        """policies: CLI argument lists run after 'spam-policy'."""
        self.dest = self.make_sink("dest")
        self.dns = self.make_dns({})
        self.gw = self.make_gateway(self.dns, self.dest.port)
        self.gw.tables["scanners"] = scanners if scanners is not None else {
            "clamd": f"tcp:{self.clamd.tcp}", "spamd": f"tcp:{self.spamd.tcp}", "timeout": 30}
        if quarantine_sweep:
            self.gw.tables["quarantine"] = {"sweep": quarantine_sweep}
        self.gw.write_config()
        for domain in (DEST, OTHER):
            self.gw.cli("domain", "add", domain, "--destination", f"127.0.0.1:{self.dest.port}")
        for args in policies:
            self.gw.cli("spam-policy", *args)
        for key, value in (settings or {}).items():
            self.gw.cli("settings", "set", key, value)
        if start:
            self.gw.start()
        return self.gw

    def send(self, data, rcpts=(f"user@{DEST}",)):
        return smtp_send(self.gw.port, "alice@sender.test", list(rcpts), data)

    def held_ids(self):
        return sorted(p.name for p in (self.gw.root / "spool" / "quarantine").iterdir())


class Scanning(ScannerCase):
    def test_eicar_rejected_by_default(self):
        self.setup_gateway()
        # Both scanners answer their pings: status says so (checked at start, then every 30 s).
        wait_until(lambda: self.gw.status().get("spamd") == "up", 15, "spamd up in status")
        self.assertEqual(self.gw.status()["clamd"], "up")
        self.assertEqual(len(self.gw.events("scanner_up")), 2)
        t = self.send(with_attachment("virus", "eicar.com.txt", EICAR))
        self.assertEqual(t.data[0], 554, t)
        self.assertIn("5.7.1", t.data[1])
        self.assertIn("virus (Eicar-Test-Signature", t.data[1])
        ev = self.gw.wait_event("message_rejected", reason="virus Eicar-Test-Signature.UNOFFICIAL")
        self.assertTrue(ev["clamd"].startswith("infected Eicar-Test-Signature"), ev)
        # A clean message afterwards is delivered, with the spam headers.
        ok = self.send(make_message("clean", ["hello"]))
        self.assertEqual(ok.data[0], 250, ok)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertRegex(msg.header("X-Spam-Status"), r"^No, score=-?\d+\.\d\d required=5\.00")
        self.assertIsNotNone(msg.header("X-Spam-Score"))
        self.assertEqual(self.dest.count(), 1)  # never the virus

    def test_gtube_rejected_as_spam(self):
        self.setup_gateway()
        t = self.send(make_message("buy now", [GTUBE.decode()]))
        self.assertEqual(t.data[0], 550, t)
        self.assertIn("5.7.1", t.data[1])
        self.assertIn("refused as spam", t.data[1])
        ev = self.gw.wait_event("message_rejected", verdict="reject")
        self.assertGreaterEqual(float(ev["score"]), 1000)
        self.assertTrue(ev["spamd"].startswith("10"), ev)  # spamd's score/threshold, GTUBE is 1000+

    def test_gtube_tagged_when_the_policy_only_tags(self):
        self.setup_gateway(policies=[["set", "tagonly", "--quarantine", "off", "--reject", "off"],
                                     ["assign", "*", "tagonly"]])
        t = self.send(make_message("buy now", [GTUBE.decode()]))
        self.assertEqual(t.data[0], 250, t)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertEqual(msg.header("Subject"), "[SPAM] buy now")
        self.assertTrue(msg.header("X-Spam-Status").startswith("Yes, score=10"), msg.header("X-Spam-Status"))
        self.assertIn("GTUBE", msg.data.decode(errors="replace").split("\r\n\r\n")[0])

    def test_rules_see_what_the_scanners_found(self):
        self.setup_gateway(policies=[["set", "tagonly", "--quarantine", "off", "--reject", "off"],
                                     ["assign", "*", "tagonly"]], start=False)
        self.gw.start()
        self.gw.write_rule("10-scan.lua", r'''
function on_data(ev)
  ev:add_header("X-Rule-Saw", string.format("spamd=%s gtube=%s score=%d",
    tostring(ev.symbols.SPAMD ~= nil), tostring(ev.symbols.SA_GTUBE ~= nil), math.floor(ev.score)))
end
''')
        t = self.send(make_message("buy now", [GTUBE.decode()]))
        self.assertEqual(t.data[0], 250, t)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        saw = msg.header("X-Rule-Saw")
        self.assertTrue(saw.startswith("spamd=true gtube=true score="), saw)
        self.assertGreaterEqual(int(saw.rsplit("=", 1)[1]), 1000)  # GTUBE alone scores 1000

    def test_recipients_under_different_policies_are_split(self):
        self.setup_gateway(policies=[["set", "strict", "--virus", "quarantine"],
                                     ["set", "lax", "--virus-scan", "off"],
                                     ["assign", f"@{DEST}", "strict"], ["assign", f"@{OTHER}", "lax"]])
        t = self.send(with_attachment("virus", "eicar.com.txt", EICAR), rcpts=[f"a@{DEST}", f"b@{OTHER}"])
        self.assertEqual(t.data[0], 250, t)
        # b (lax: no virus scan) gets it; a's copy is held.
        msgs = self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        self.assertEqual(msgs[0].rcpt_tos, [f"b@{OTHER}"])
        held = self.held_ids()
        self.assertEqual(len(held), 1)
        # Two queue files: the first group keeps the id the client got, the other has its own.
        delivered_id = self.gw.wait_event("queued", rcpts=f"b@{OTHER}")["queue_id"]
        self.assertNotEqual(held[0], delivered_id)
        self.assertIn(t.queue_id, (held[0], delivered_id))
        env = (self.gw.root / "spool" / "quarantine" / held[0]).read_text(errors="replace")
        self.assertIn(f"a@{DEST}", env)
        self.assertNotIn(f"b@{OTHER}", env.split("\n\n")[0])
        self.assertIn("quarantine: virus Eicar-Test-Signature", env)
        time.sleep(1)
        self.assertEqual(self.dest.count(), 1)

    def test_scanner_down_tempfails_or_passes_as_the_policy_says(self):
        closed = free_port()
        self.setup_gateway(scanners={"clamd": f"tcp:127.0.0.1:{closed}", "timeout": 5},
                           policies=[["set", "open", "--scanner-failure", "accept"],
                                     ["assign", f"@{OTHER}", "open"]])
        t = self.send(make_message("hi", ["hello"]))
        self.assertEqual(t.data[0], 451, t)
        self.assertIn("4.7.1", t.data[1])
        ev = self.gw.wait_event("message_rejected", verdict="tempfail")
        self.assertIn("clamd", ev["reason"])
        # The admin sees why: status and one warning in the log (not one per message).
        down = self.gw.wait_event("scanner_down", scanner="clamd")
        self.assertIn("Connection refused", down["error"])
        status = self.gw.status()
        self.assertRegex(status["clamd"], r"^down: .*Connection refused \(since \d{4}-\d\d-\d\dT")
        self.assertEqual(status["spamd"], "off")
        ok = self.send(make_message("hi", ["hello"]), rcpts=[f"b@{OTHER}"])
        self.assertEqual(ok.data[0], 250, ok)
        self.dest.wait_for(1, diagnostics=self.diag(self.dest))


class Quarantine(ScannerCase):
    def hold_eicar(self, rcpt=f"user@{DEST}"):
        t = self.send(with_attachment("held", "eicar.com.txt", EICAR), rcpts=[rcpt])
        self.assertEqual(t.data[0], 250, t)
        wait_until(lambda: t.queue_id in self.held_ids(), 10, "held message", diagnostics=self.diag())
        return t.queue_id

    def index(self):
        return self.out("quarantine", "list")

    def out(self, *args):
        r = self.gw.cli(*args)
        return r.stdout.decode() if isinstance(r.stdout, bytes) else r.stdout

    def test_list_show_release(self):
        self.setup_gateway(policies=[["set", "hold", "--virus", "quarantine"], ["assign", "*", "hold"]])
        qid = self.hold_eicar()
        wait_until(lambda: qid in self.index(), 10, "index row", diagnostics=self.diag())
        listing = self.index()
        self.assertIn(f"user@{DEST}", listing)
        self.assertIn("virus Eicar-Test-Signature", listing)
        self.assertIn("held", listing)  # the subject
        shown = self.out("quarantine", "show", qid)
        self.assertIn("reason:    virus Eicar-Test-Signature", shown)
        self.assertIn("Subject: held", shown)
        self.assertEqual(self.dest.count(), 0)
        out = self.out("quarantine", "release", qid)
        self.assertIn(f"released {qid}", out)
        msg = self.dest.wait_for(1, diagnostics=self.diag(self.dest))[0]
        self.assertEqual(msg.header("Subject"), "held")
        self.assertEqual(self.held_ids(), [])
        self.assertNotIn(qid, self.index())
        again = self.gw.cli("quarantine", "release", qid, check=False)
        self.assertEqual(again.returncode, 1)
        self.assertIn(f"no message {qid} in the quarantine", again.stderr.decode())

    def test_delete(self):
        self.setup_gateway(policies=[["set", "hold", "--virus", "quarantine"], ["assign", "*", "hold"]])
        qid = self.hold_eicar()
        wait_until(lambda: qid in self.index(), 10, "index row", diagnostics=self.diag())
        self.assertIn(f"deleted {qid}", self.out("quarantine", "delete", qid))
        self.assertEqual(self.held_ids(), [])
        self.assertNotIn(qid, self.index())
        time.sleep(1.5)
        self.assertEqual(self.dest.count(), 0)

    def test_retention_expiry_deletes_the_message_and_its_index(self):
        import sqlite3
        self.setup_gateway(policies=[["set", "hold", "--virus", "quarantine"], ["assign", "*", "hold"]],
                           settings={"quarantine-digest": "off"}, quarantine_sweep="1s")
        qid = self.hold_eicar()
        wait_until(lambda: qid in self.index(), 10, "index row", diagnostics=self.diag())
        time.sleep(2)  # a few sweeps: not expired yet (30 days by default)
        self.assertEqual(self.held_ids(), [qid])
        # Its retention ends now (as if 30 days had passed).
        with sqlite3.connect(self.gw.root / "data" / "portcullis.db", timeout=10) as db:
            self.assertEqual(db.execute("UPDATE quarantine SET expires = 1 WHERE id = ?", (qid,)).rowcount, 1)
        self.gw.wait_event("quarantine_expired", queue_id=qid)
        self.assertEqual(self.held_ids(), [])
        self.assertNotIn(qid, self.index())
        self.assertEqual(self.dest.count(), 0)

    def test_digest_lists_what_is_held(self):
        self.setup_gateway(policies=[["set", "hold", "--virus", "quarantine"], ["assign", "*", "hold"]],
                           quarantine_sweep="1s")
        qid = self.hold_eicar()
        digest = self.dest.wait_for(1, timeout=30, diagnostics=self.diag(self.dest))[0]
        self.assertEqual(digest.rcpt_tos, [f"user@{DEST}"])
        self.assertEqual(digest.mail_from, "")  # from <>: it never bounces back
        self.assertIn("held in quarantine for you", digest.header("Subject"))
        body = digest.data.decode(errors="replace")
        self.assertIn(f"ID:       {qid}", body)
        self.assertIn("Reason:   virus Eicar-Test-Signature", body)
        # Daily: no second digest at the next sweeps.
        time.sleep(3)
        self.assertEqual(self.dest.count(), 1)


if __name__ == "__main__":
    import unittest
    unittest.main()
