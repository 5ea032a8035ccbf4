"""Sender authentication through the daemon (issue 10, docs/authentication.md): SPF, DKIM and
DMARC against zones served by the loopback DNS server, with messages signed by Python's dkimpy
(an independent implementation), and what comes of them: the Authentication-Results field at
the destination, DMARC's verdict, forged results removed, the log fields, ev.auth for Lua, the
DMARC report rows in the store.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_auth
"""
import base64
import re
import sqlite3
import subprocess
import tempfile
import time
from pathlib import Path

import dkim

from harness import GatewayCase, make_message, smtp_send, split_received, wait_until

DEST = "example.test"
SELECTOR = "sel"


def rsa_key():
    """(private PEM bytes, public key base64) of a fresh 2048-bit RSA key."""
    with tempfile.TemporaryDirectory() as d:
        key = Path(d) / "key.pem"
        subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                        "-out", str(key)], check=True, capture_output=True)
        der = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"],
                             check=True, capture_output=True).stdout
        return key.read_bytes(), base64.b64encode(der).decode()


PRIVATE, PUBLIC = rsa_key()


def zone():
    return {
        # good.test: SPF allows loopback, a DKIM key, DMARC p=reject.
        "good.test": [{"type": "TXT", "value": "v=spf1 ip4:127.0.0.0/8 -all"}],
        f"{SELECTOR}._domainkey.good.test": [{"type": "TXT", "value": f"v=DKIM1; k=rsa; p={PUBLIC}"}],
        "_dmarc.good.test": [{"type": "TXT", "value": "v=DMARC1; p=reject; rua=mailto:agg@good.test"}],
        # forged.test: only 192.0.2.1 may send, DMARC p=reject.
        "forged.test": [{"type": "TXT", "value": "v=spf1 ip4:192.0.2.1 -all"}],
        "_dmarc.forged.test": [{"type": "TXT", "value": "v=DMARC1; p=reject"}],
        # quar.test: SPF softfail for everyone, DMARC p=quarantine.
        "quar.test": [{"type": "TXT", "value": "v=spf1 ~all"}],
        "_dmarc.quar.test": [{"type": "TXT", "value": "v=DMARC1; p=quarantine"}],
        # none.test publishes nothing; relay.test is another organisation (SPF pass only).
        "relay.test": [{"type": "TXT", "value": "v=spf1 ip4:127.0.0.1 -all"}],
    }


def signed(message, domain="good.test"):
    """The message with a DKIM-Signature by dkimpy prepended."""
    sig = dkim.sign(message, SELECTOR.encode(), domain.encode(), PRIVATE,
                    include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
    return sig + message


def results_fields(data, authserv_id=None):
    """The unfolded values of the Authentication-Results fields of a message (bytes), in
    order; only those of authserv_id if given."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    fields = re.findall(r"^Authentication-Results:([^\r\n]*(?:\r\n[ \t][^\r\n]*)*)", head, flags=re.M | re.I)
    out = [" ".join(f.replace("\r\n", " ").split()) for f in fields]
    if authserv_id is not None:
        out = [f for f in out if f.split(";", 1)[0].strip() == authserv_id]
    return out


class AuthTest(GatewayCase):

    def setup_gateway(self, settings=None, start=True):
        self.dest = self.make_sink("dest")
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns(zone())
        self.gw = self.make_gateway(self.dns, self.mx.port)
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        for key, value in (settings or {}).items():
            self.gw.cli("settings", "set", key, value)
        if start:
            self.gw.start()
        return self.gw

    def send(self, sender, data, rcpt="user@example.test"):
        return smtp_send(self.gw.port, sender, [rcpt], data)

    def deliver(self, sender, data):
        """Sends; expects 250 and the message at the destination; returns (message, queue id)."""
        before = self.dest.count()
        t = self.send(sender, data)
        self.assertEqual(t.data and t.data[0], 250, f"{t}\n{self.gw.tail(30)}")
        msgs = self.dest.wait_for(before + 1, diagnostics=self.diag(self.dest))
        return msgs[-1], t.queue_id

    def ours(self, msg):
        fields = results_fields(msg.data, self.gw.hostname)
        self.assertEqual(len(fields), 1, f"one Authentication-Results of ours expected: {fields}")
        return fields[0]

    # -- the results in Authentication-Results

    def test_pass_everywhere(self):
        """SPF, DKIM (signed by dkimpy) and DMARC pass; the field says so, the signature still
        verifies at the destination, the log and the report row agree."""
        self.setup_gateway()  # the defaults: every check on
        original = signed(make_message("all pass", ["signed by dkimpy"], sender="alice@good.test"))
        msg, qid = self.deliver("alice@good.test", original)
        ar = self.ours(msg)
        self.assertRegex(ar, r"^gw\.test; ")
        self.assertIn("spf=pass smtp.mailfrom=alice@good.test", ar)
        self.assertRegex(ar, r"dkim=pass \(2048-bit key\) header\.d=good\.test header\.s=sel "
                             r"header\.a=rsa-sha256 header\.b=\S+")
        self.assertIn("dmarc=pass (p=reject dis=none) header.from=good.test", ar)
        # Our field and the Received trace sit above the signed part: the signature still holds.
        self.assertTrue(dkim.verify(msg.data, dnsfunc=lambda name, timeout=5: (
            f"v=DKIM1; k=rsa; p={PUBLIC}".encode() if name == b"sel._domainkey.good.test." else None)))
        ev = self.gw.wait_event("queued", queue_id=qid)
        self.assertEqual((ev["spf"], ev["dkim"], ev["dmarc"]), ("pass", "pass:good.test", "pass"))
        self.assertIn("SPF_PASS", ev["symbols"])
        self.assertIn("DKIM_VALID", ev["symbols"])
        self.assertIn("DMARC_PASS", ev["symbols"])

    def test_fail_and_none(self):
        """Not enforced: a forged sender passes through, stamped fail; a domain without records
        is stamped none."""
        self.setup_gateway({"dmarc-enforce": "off"})
        msg, qid = self.deliver("ceo@forged.test", make_message("forged", ["x"], sender="ceo@forged.test"))
        ar = self.ours(msg)
        self.assertIn("spf=fail (127.0.0.1 is not allowed by forged.test) smtp.mailfrom=ceo@forged.test", ar)
        self.assertIn("dkim=none", ar)
        self.assertIn("dmarc=fail (p=reject dis=none) header.from=forged.test", ar)
        ev = self.gw.wait_event("queued", queue_id=qid)
        self.assertEqual((ev["spf"], ev["dkim"], ev["dmarc"]), ("fail", "none", "fail"))
        self.assertIn("SPF_FAIL", ev["symbols"])
        self.assertIn("DMARC_FAIL_REJECT", ev["symbols"])

        msg, _ = self.deliver("bob@none.test", make_message("nothing", ["x"], sender="bob@none.test"))
        ar = self.ours(msg)
        self.assertIn("spf=none (no such domain: none.test) smtp.mailfrom=bob@none.test", ar)
        self.assertIn("dkim=none", ar)
        self.assertIn("dmarc=none (no DMARC record for none.test) header.from=none.test", ar)

    def test_tampered_body_fails_dkim(self):
        """A body changed after signing fails DKIM; DMARC still passes on aligned SPF."""
        self.setup_gateway()
        original = signed(make_message("tampered", ["the signed text"], sender="alice@good.test"))
        tampered = original.replace(b"the signed text", b"the changed text")
        msg, qid = self.deliver("alice@good.test", tampered)
        ar = self.ours(msg)
        self.assertRegex(ar, r"dkim=fail \(body hash mismatch\) header\.d=good\.test")
        self.assertIn("spf=pass", ar)
        self.assertIn("dmarc=pass", ar)
        self.assertIn("DKIM_INVALID", self.gw.wait_event("queued", queue_id=qid)["symbols"])

    def test_signature_of_another_domain_does_not_align(self):
        """Signed and SPF-passed by relay.test, From good.test: neither aligns, DMARC fails."""
        self.setup_gateway({"dmarc-enforce": "off"})
        data = signed(make_message("unaligned", ["x"], sender="alice@good.test"), domain="relay.test")
        self.dns.set_zone({**zone(), f"{SELECTOR}._domainkey.relay.test": [
            {"type": "TXT", "value": f"v=DKIM1; k=rsa; p={PUBLIC}"}]})
        msg, _ = self.deliver("list@relay.test", data)
        ar = self.ours(msg)
        self.assertIn("spf=pass smtp.mailfrom=list@relay.test", ar)
        self.assertIn("header.d=relay.test", ar)
        self.assertRegex(ar, r"dkim=pass .*header\.d=relay\.test")
        self.assertIn("dmarc=fail (p=reject dis=none) header.from=good.test", ar)

    # -- DMARC's verdict

    def test_dmarc_reject_enforced(self):
        """By default p=reject is honoured: 550 5.7.1 after DATA, nothing delivered."""
        self.setup_gateway()
        t = self.send("ceo@forged.test", make_message("forged", ["pay this"], sender="ceo@forged.test"))
        self.assertEqual(t.data[0], 550, t)
        self.assertIn("5.7.1", t.data[1])
        self.assertIn("DMARC policy for forged.test", t.data[1])
        ev = self.gw.wait_event("message_rejected", reason="dmarc p=reject of forged.test")
        self.assertEqual((ev["spf"], ev["dmarc"]), ("fail", "fail"))
        # A legitimate message afterwards is delivered; the rejected one never is.
        self.deliver("alice@good.test", signed(make_message("after", ["x"], sender="alice@good.test")))
        time.sleep(1)
        self.assertEqual([m.parsed()["Subject"] for m in self.dest.messages()], ["after"])

    def test_dmarc_quarantine_enforced(self):
        """p=quarantine holds the message in the spool's quarantine area, not delivered."""
        self.setup_gateway()
        t = self.send("x@quar.test", make_message("hold", ["x"], sender="x@quar.test"))
        self.assertEqual(t.data[0], 250, t)
        self.gw.wait_event("queued", queue_id=t.queue_id, verdict="quarantine",
                           quarantine="dmarc p=quarantine of quar.test")
        self.assertFalse((self.gw.root / "spool" / "queue" / t.queue_id).exists())
        env = (self.gw.root / "spool" / "quarantine" / t.queue_id).read_text(errors="replace")
        self.assertIn("quarantine: dmarc p=quarantine of quar.test", env)
        self.assertIn("dmarc=fail (p=quarantine dis=quarantine) header.from=quar.test", env)
        # Held: a message sent afterwards arrives, the quarantined one does not.
        self.deliver("alice@good.test", signed(make_message("after", ["x"], sender="alice@good.test")))
        time.sleep(1)
        self.assertEqual([m.parsed()["Subject"] for m in self.dest.messages()], ["after"])
        # An admin who finds it harmless releases it: delivered, as it was held.
        wait_until(lambda: t.queue_id in self.gw.cli("quarantine", "list").stdout.decode(), 10,
                   "the quarantine index row")
        self.assertIn(f"released {t.queue_id}", self.gw.cli("quarantine", "release", t.queue_id).stdout.decode())
        released = self.dest.wait_for(2, diagnostics=self.diag(self.dest))[1]
        self.assertEqual(released.parsed()["Subject"], "hold")
        self.assertIn("dmarc=fail", released.parsed()["Authentication-Results"])

    def test_several_from_fields_rejected(self):
        self.setup_gateway()
        data = make_message("two authors", ["x"], sender="alice@good.test",
                            extra_headers=["From: mallory@forged.test"])
        t = self.send("alice@good.test", data)
        self.assertEqual(t.data[0], 550, t)
        self.assertIn("several From header fields", t.data[1])

    # -- forged results, trusted clients, settings

    def test_forged_results_removed(self):
        """Fields that claim our authserv-id are removed (RFC 8601 5); others' are kept."""
        self.setup_gateway()
        data = make_message("forged results", ["x"], sender="bob@none.test", extra_headers=[
            "Authentication-Results: gw.test; dkim=pass header.d=bank.test",
            "Authentication-Results: GW.TEST.;\r\n\tdmarc=pass header.from=bank.test",
            "Authentication-Results: other.test; spf=pass smtp.mailfrom=x@other.test"])
        msg, _ = self.deliver("bob@none.test", data)
        self.assertNotIn(b"bank.test", msg.data)
        self.assertEqual(len(results_fields(msg.data, "other.test")), 1)
        self.assertIn("spf=none", self.ours(msg))

    def test_trusted_clients_are_not_checked(self):
        """Mail from a relay network (the organisation's own servers) gets no results field."""
        self.setup_gateway(start=False)
        self.gw.cli("relaynet", "add", "127.0.0.0/8")
        self.gw.start()
        msg, qid = self.deliver("ceo@forged.test", make_message("own", ["x"], sender="ceo@forged.test"))
        self.assertEqual(results_fields(msg.data), [])
        ev = self.gw.wait_event("queued", queue_id=qid)
        self.assertEqual((ev["spf"], ev["dkim"], ev["dmarc"]), ("", "", ""))

    def test_checks_turned_off(self):
        """spf/dkim/dmarc off: no lookups, no field, the message byte-identical after Received."""
        self.setup_gateway({"spf": "off", "dkim": "off", "dmarc": "off", "arc": "off"})
        original = make_message("unchecked", ["x"], sender="ceo@forged.test")
        msg, _ = self.deliver("ceo@forged.test", original)
        self.assertEqual(split_received(msg.data)[1], original)
        self.assertFalse([q for q in self.dns.queries() if "forged.test" in q.lower()], self.dns.queries())

    def test_authserv_id_setting(self):
        self.setup_gateway({"authserv-id": "mx.example.org"})
        msg, _ = self.deliver("bob@none.test", make_message("id", ["x"], sender="bob@none.test"))
        self.assertEqual(len(results_fields(msg.data, "mx.example.org")), 1)
        self.assertEqual(results_fields(msg.data, "gw.test"), [])

    def test_rules_see_the_results(self):
        """ev.auth in on_mail (SPF) and on_data (DKIM, DMARC); symbols count in the score."""
        self.setup_gateway(start=False)
        self.gw.write_rule("auth.lua", '''
            function on_mail(ev)
              if ev.auth.spf == "fail" then ev:add_symbol("LOCAL_SPF_SEEN", 0.5) end
            end
            function on_data(ev)
              local d = ev.auth.dkim[1]
              ev:add_header("X-Auth-Seen", ev.auth.spf .. " " .. (d and (d.domain .. ":" .. d.result) or "none")
                .. " " .. ev.auth.dmarc .. " " .. ev.auth.from_domain)
            end
        ''', wait=False)
        self.gw.start()
        msg, _ = self.deliver("alice@good.test", signed(make_message("lua", ["x"], sender="alice@good.test")))
        self.assertIn(b"X-Auth-Seen: pass good.test:pass pass good.test\r\n", msg.data)

    def test_dmarc_report_rows_recorded(self):
        """Every message a DMARC record applied to leaves a row for the aggregate report,
        rejected ones too; a domain without a record leaves none."""
        self.setup_gateway()
        _, qid = self.deliver("alice@good.test", signed(make_message("row", ["x"], sender="alice@good.test")))
        t = self.send("ceo@forged.test", make_message("forged", ["x"], sender="ceo@forged.test"))
        self.assertEqual(t.data[0], 550, t)
        self.deliver("bob@none.test", make_message("no record", ["x"], sender="bob@none.test"))
        db = self.gw.root / "data" / "portcullis.db"

        def rows():
            with sqlite3.connect(db) as c:
                return c.execute("SELECT queue_id, header_from, policy_domain, disposition, dmarc, spf_result, dkim "
                                 "FROM dmarc_rows ORDER BY id").fetchall()
        wait_until(lambda: len(rows()) >= 2, 15, "two DMARC report rows", diagnostics=lambda: self.gw.tail(30))
        time.sleep(0.5)
        got = rows()
        self.assertEqual(len(got), 2, got)
        good, forged = got
        self.assertEqual(good[:6], (qid, "good.test", "good.test", "none", "pass", "pass"))
        self.assertIn("d=good.test s=sel result=pass", good[6])
        self.assertEqual(forged[1:6], ("forged.test", "forged.test", "reject", "fail", "fail"))


class ArcTest(GatewayCase):
    """ARC (RFC 8617) through the daemon: the chain of a message sealed by dkimpy (a mailing
    list, relay.test) is validated on arrival and stamped in Authentication-Results; the
    message leaves with our own ARC Set, which dkimpy validates."""

    def setup_gateway(self, seal=True, settings=None):
        self.dest = self.make_sink("dest")
        self.dns = self.make_dns({**zone(), f"{SELECTOR}._domainkey.relay.test": [
            {"type": "TXT", "value": f"v=DKIM1; k=rsa; p={PUBLIC}"}]})
        self.gw = self.make_gateway(self.dns, self.dest.port)
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        if seal:
            key = self.gw.root / "seal.pem"
            key.write_bytes(PRIVATE)
            self.gw.cli("dkim", "import", "seal.test", "--selector", "arc", "--key", str(key))
            self.gw.cli("settings", "set", "arc-seal-domain", "seal.test")
        for k, v in (settings if settings is not None else {"dmarc-enforce": "off"}).items():
            self.gw.cli("settings", "set", k, v)
        self.gw.start()

    @staticmethod
    def dnsfunc(name, timeout=5):
        return {b"sel._domainkey.relay.test.": f"v=DKIM1; k=rsa; p={PUBLIC}".encode(),
                b"arc._domainkey.seal.test.": f"v=DKIM1; k=rsa; p={PUBLIC}".encode(),
                b"sel._domainkey.good.test.": f"v=DKIM1; k=rsa; p={PUBLIC}".encode()}.get(name)

    def list_message(self, subject, footer=b""):
        """Alice's signed message as a mailing list (relay.test) passes it on, ARC-sealed (with
        a footer added by the list, which breaks Alice's DKIM signature)."""
        original = signed(make_message(subject, ["to the list"], sender="alice@good.test")) + footer
        with_results = (b"Authentication-Results: lists.relay.test; dkim=pass header.d=good.test; "
                        b"spf=pass smtp.mailfrom=alice@good.test\r\n" + original)
        arc = dkim.arc_sign(with_results, SELECTOR.encode(), b"relay.test", PRIVATE, b"lists.relay.test",
                            include_headers=[b"from", b"to", b"subject", b"date", b"message-id"])
        return b"".join(arc) + with_results

    def deliver(self, sender, data):
        before = self.dest.count()
        t = smtp_send(self.gw.port, sender, ["user@example.test"], data)
        self.assertEqual(t.data and t.data[0], 250, f"{t}\n{self.gw.tail(30)}")
        return self.dest.wait_for(before + 1, diagnostics=self.diag(self.dest))[-1], t.queue_id

    def test_chain_validated_and_sealed(self):
        self.setup_gateway()
        data = self.list_message("via the list")
        self.assertEqual(dkim.arc_verify(data, dnsfunc=self.dnsfunc)[0], b"pass")  # the input is sound
        msg, qid = self.deliver("list@relay.test", data)
        ar = results_fields(msg.data, self.gw.hostname)[0]
        self.assertRegex(ar, r"arc=pass \(i=1\) header\.oldest-pass=0 smtp\.remote-ip=127\.0\.0\.1")
        self.assertIn("ARC_PASS", self.gw.wait_event("queued", queue_id=qid)["symbols"])
        # Our set: i=2, cv=pass, on top; the whole chain validates with dkimpy.
        self.assertTrue(msg.data.startswith(b"ARC-Seal: "), msg.data[:300])
        head = msg.data.split(b"\r\n\r\n")[0]
        self.assertRegex(head, rb"ARC-Seal: [^\n]*(\r\n[ \t][^\n]*)*cv=pass; d=seal\.test; i=2; s=arc")
        self.assertRegex(head, rb"ARC-Authentication-Results: i=2; gw\.test;")
        cv, results, reason = dkim.arc_verify(msg.data, dnsfunc=self.dnsfunc)
        self.assertEqual(cv, b"pass", reason)
        self.assertEqual(len(results), 2)
        ev = self.gw.wait_event("arc_sealed", queue_id=qid)
        self.assertEqual((ev["domain"], ev["selector"], ev["chain"]), ("seal.test", "arc", "pass 1"))

    def test_broken_chain_fails_and_is_sealed_as_failed(self):
        self.setup_gateway()
        data = self.list_message("tampered").replace(b"to the list", b"changed after sealing")
        msg, qid = self.deliver("list@relay.test", data)
        ar = results_fields(msg.data, self.gw.hostname)[0]
        self.assertRegex(ar, r"arc=fail \(")
        self.assertIn("ARC_FAIL", self.gw.wait_event("queued", queue_id=qid)["symbols"])
        head = msg.data.split(b"\r\n\r\n")[0]
        self.assertRegex(head, rb"ARC-Seal: [^\n]*(\r\n[ \t][^\n]*)*cv=fail; d=seal\.test; i=2")
        # dkimpy reads our set and stops there (its "fail" is None with this reason).
        cv, results, reason = dkim.arc_verify(msg.data, dnsfunc=self.dnsfunc)
        self.assertNotEqual(cv, b"pass")
        self.assertIn("ARC-Seal[2] reported failure", reason)

    def test_first_seal_on_mail_without_a_chain(self):
        self.setup_gateway()
        msg, _ = self.deliver("alice@good.test", signed(make_message("direct", ["x"], sender="alice@good.test")))
        self.assertIn("arc=none", results_fields(msg.data, self.gw.hostname)[0])
        cv, results, reason = dkim.arc_verify(msg.data, dnsfunc=self.dnsfunc)
        self.assertEqual(cv, b"pass", reason)
        self.assertEqual(len(results), 1)
        # Our A-R results travel in the ARC-Authentication-Results.
        self.assertRegex(msg.data, rb"ARC-Authentication-Results: i=1; gw\.test;\s+spf=pass")

    def test_trusted_forwarder_overrides_dmarc(self):
        """The list changed the message (a footer): Alice's DKIM fails, SPF is the list's, DMARC
        fails with p=reject. Refused, unless the admin trusts the list's ARC seal."""
        self.setup_gateway(seal=False, settings={})
        data = self.list_message("footer", footer=b"-- \r\nthe list footer\r\n")
        t = smtp_send(self.gw.port, "list@relay.test", ["user@example.test"], data)
        self.assertEqual(t.data[0], 550, t)
        self.gw.cli_and_wait_reload("settings", "set", "arc-trusted-sealers", "relay.test")
        msg, qid = self.deliver("list@relay.test", data)
        ar = results_fields(msg.data, self.gw.hostname)[0]
        self.assertRegex(ar, r"dkim=fail .*header\.d=good\.test")
        self.assertIn("arc=pass (i=1)", ar)
        self.assertIn("dmarc=fail (p=reject dis=none) header.from=good.test", ar)
        self.assertIn("ARC_TRUSTED_FORWARDER", self.gw.wait_event("queued", queue_id=qid)["symbols"])
        db = self.gw.root / "data" / "portcullis.db"
        wait_until(lambda: sqlite3.connect(db).execute(
            "SELECT reason FROM dmarc_rows WHERE queue_id = ?", (qid,)).fetchall() == [("trusted_forwarder",)],
            15, "the report row with reason trusted_forwarder")

    def test_no_seal_without_a_sealing_domain(self):
        self.setup_gateway(seal=False)
        msg, _ = self.deliver("list@relay.test", self.list_message("validated only"))
        self.assertIn("arc=pass", results_fields(msg.data, self.gw.hostname)[0])
        self.assertEqual(msg.data.count(b"ARC-Seal:"), 1)  # the list's only
        self.assertEqual(self.gw.events("arc_sealed"), [])


class SigningTest(GatewayCase):
    """Outbound DKIM: mail of the organisation (a relay network) leaves signed with the keys
    of its From domain; verified by dkimpy (independent) against the published records."""

    def setup_gateway(self, relaynet=True, settings=None):
        self.dest = self.make_sink("dest")
        self.dns = self.make_dns(zone())
        self.gw = self.make_gateway(self.dns, self.dest.port)
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        if relaynet:
            self.gw.cli("relaynet", "add", "127.0.0.0/8")
        key = self.gw.root / "out.pem"
        key.write_bytes(PRIVATE)
        self.gw.cli("dkim", "import", "good.test", "--selector", "out", "--key", str(key))
        for k, v in (settings or {}).items():
            self.gw.cli("settings", "set", k, v)
        self.gw.start()

    def deliver(self, sender, data):
        before = self.dest.count()
        t = smtp_send(self.gw.port, sender, ["user@example.test"], data)
        self.assertEqual(t.data and t.data[0], 250, f"{t}\n{self.gw.tail(30)}")
        return self.dest.wait_for(before + 1, diagnostics=self.diag(self.dest))[-1], t.queue_id

    def records(self, extra=None):
        txt = {b"out._domainkey.good.test.": f"v=DKIM1; k=rsa; p={PUBLIC}".encode()}
        txt.update(extra or {})
        return lambda name, timeout=5: txt.get(name)

    def test_signed_and_verified_by_dkimpy(self):
        self.setup_gateway()
        msg, qid = self.deliver("staff@good.test", make_message("outbound", ["signed by us"],
                                                              sender="Staff <staff@good.test>"))
        self.assertTrue(msg.data.startswith(b"DKIM-Signature: v=1; a=rsa-sha256; "), msg.data[:200])
        self.assertIn(b" d=good.test;", msg.data.split(b"\r\n\r\n")[0])
        self.assertTrue(dkim.verify(msg.data, dnsfunc=self.records()))
        ev = self.gw.wait_event("dkim_signed", queue_id=qid)
        self.assertEqual((ev["domain"], ev["selectors"]), ("good.test", "out"))
        # A change on the way breaks it: the signature covers what we sent.
        self.assertFalse(dkim.verify(msg.data.replace(b"signed by us", b"changed"), dnsfunc=self.records()))

    def test_dual_signing_rsa_and_ed25519(self):
        """A second active key (Ed25519) of the domain: both sign; both verify with dkimpy."""
        self.setup_gateway()
        mark = self.gw.log_size()
        out = self.gw.cli("dkim", "keygen", "good.test", "--selector", "ed", "--ed25519").stdout.decode()
        self.gw.wait_event("policy_reloaded", since=mark)  # the store's serial moved: new policy
        m = re.search(r'^ed\._domainkey\.good\.test\. IN TXT \( ((?:"[^"]*" )+)\)$', out, re.M)
        self.assertIsNotNone(m, out)
        ed_record = "".join(re.findall(r'"([^"]*)"', m.group(1))).encode()
        msg, qid = self.deliver("staff@good.test", make_message("dual", ["two signatures"], sender="staff@good.test"))
        dnsfunc = self.records({b"ed._domainkey.good.test.": ed_record})
        sigs = [d for d in re.findall(rb"^DKIM-Signature:.*?(?=^\S)", msg.data, re.M | re.S)]
        self.assertEqual(len(sigs), 2, msg.data[:1500])
        algos = sorted(re.search(rb"a=([\w-]+);", s).group(1) for s in sigs)
        self.assertEqual(algos, [b"ed25519-sha256", b"rsa-sha256"])
        for i in range(2):
            self.assertTrue(dkim.DKIM(msg.data).verify(idx=i, dnsfunc=dnsfunc), f"signature {i}")
        self.assertEqual(self.gw.wait_event("dkim_signed", queue_id=qid)["selectors"], "ed,out")

    def test_mail_from_outside_is_never_signed(self):
        """Mail from the Internet claiming our domain is checked, not signed: signing it would
        lend our name to a forgery."""
        self.setup_gateway(relaynet=False, settings={"dmarc-enforce": "off"})
        msg, qid = self.deliver("ceo@good.test", make_message("forged", ["x"], sender="ceo@good.test"))
        self.assertNotIn(b"DKIM-Signature", msg.data)
        self.assertEqual(self.gw.events("dkim_signed"), [])

    def test_signing_turned_off(self):
        self.setup_gateway(settings={"dkim-sign": "off"})
        msg, _ = self.deliver("staff@good.test", make_message("unsigned", ["x"], sender="staff@good.test"))
        self.assertNotIn(b"DKIM-Signature", msg.data)

    def test_other_domains_are_not_signed(self):
        self.setup_gateway()
        msg, _ = self.deliver("staff@none.test", make_message("other", ["x"], sender="staff@none.test"))
        self.assertNotIn(b"DKIM-Signature", msg.data)


if __name__ == "__main__":
    import unittest
    unittest.main()
