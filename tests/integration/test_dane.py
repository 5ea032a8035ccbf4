"""DANE for outbound SMTP (RFC 7672): TLSA records served by the loopback DNS server, which
plays a local validating resolver (it sets AD on "secure" names, and only when the query asks
for it, as unbound does). The next hop is a real STARTTLS sink with a certificate from a test CA
that the gateway does not otherwise trust.

Shown: a DANE-EE record that matches is honoured; one that does not match defers the message;
the same records without AD are ignored; DANE-TA with the chain and the MX host's name; a
downgrade (no STARTTLS) and a failed TLSA lookup defer; records that are all unusable still
make TLS mandatory.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_dane
"""
import hashlib
import subprocess
import unittest

from harness import GatewayCase, make_message, smtp_send
from test_tls import TestCA

DOMAIN = "remote.test"
MX = "mx.dane.test"


def der_of_certificate(pem_path):
    return subprocess.run(["openssl", "x509", "-in", str(pem_path), "-outform", "DER"], capture_output=True,
                          check=True, timeout=30).stdout


def der_of_public_key(pem_path):
    pub = subprocess.run(["openssl", "x509", "-in", str(pem_path), "-pubkey", "-noout"], capture_output=True,
                         check=True, timeout=30).stdout
    return subprocess.run(["openssl", "pkey", "-pubin", "-outform", "DER"], input=pub, capture_output=True,
                          check=True, timeout=30).stdout


def sha256(data):
    return hashlib.sha256(data).hexdigest()


class DaneTest(GatewayCase):
    def setUp(self):
        super().setUp()
        self.ca = TestCA(self.work / "ca")
        self.cert, self.key = self.ca.issue(MX)
        # The chain a DANE-TA server must present: its certificate, then the trust anchor's.
        self.chain = self.work / "chain.pem"
        self.chain.write_text(self.cert.read_text() + self.ca.cert.read_text())

    def relay(self, tlsa, sink_tls=True, secure=True, insecure_names=(), extra=None):
        """One message to carol@remote.test, whose MX is mx.dane.test on the sink's port."""
        self.runs = getattr(self, "runs", 0) + 1
        n = self.runs  # each run its own sink, DNS server and gateway folders
        sink = (self.make_sink(f"mx{n}", tls_cert=self.chain, tls_key=self.key) if sink_tls
                else self.make_sink(f"mx{n}"))
        tlsa_owner = f"_{sink.port}._tcp.{MX}"
        zone = {"ad": secure,
                DOMAIN: [{"type": "MX", "pref": 10, "value": MX + "."}],
                MX: [{"type": "A", "value": "127.0.0.1"}],
                tlsa_owner: tlsa}
        for name in insecure_names:
            zone[tlsa_owner if name == "tlsa" else name].append({"type": "INSECURE"})
        zone.update(extra or {})
        dns = self.make_dns(zone, name=f"dns{n}")
        gw = self.make_gateway(dns, sink.port, name=f"gw{n}")
        gw.cli("relaynet", "add", "127.0.0.0/8")
        gw.start()
        t = smtp_send(gw.port, "a@sender.test", [f"carol@{DOMAIN}"], make_message("dane", ["x"]))
        self.assertEqual(t.data[0], 250)
        return gw, sink

    def ee_record(self, digest=None):
        return [{"type": "TLSA", "usage": 3, "selector": 1, "mtype": 1,
                 "value": digest or sha256(der_of_public_key(self.cert))}]

    def test_a_matching_dane_ee_record_is_honoured(self):
        gw, sink = self.relay(self.ee_record())
        msg = sink.wait_for(1)[0]
        self.assertEqual(msg.meta["tls"][1], "TLSv1.3")
        delivered = gw.wait_event("delivered")
        self.assertRegex(delivered["tls"], r"^TLSv1\.3 TLS_\w+ DANE-EE$")
        self.assertEqual(gw.wait_event("dane_host")["tlsa"], "usable")
        out = gw.cli("log", "search", "--to", f"carol@{DOMAIN}").stdout.decode()
        self.assertIn("DANE-EE", out)

    def test_a_mismatch_defers(self):
        gw, sink = self.relay(self.ee_record("00" * 32))
        deferred = gw.wait_event("deferred")
        self.assertRegex(deferred["reply"], r"^451 4\.7\.5 TLS with mx\.dane\.test\[127\.0\.0\.1\]:\d+ failed: "
                                            r"certificate: [Nn]o matching DANE TLSA records")
        self.assertEqual(sink.count(), 0)
        self.assertEqual(gw.wait_event("tls_out_failed")["action"], "defer")

    def test_records_without_ad_are_ignored(self):
        # The same wrong record, but from an unsigned zone: it proves nothing, so delivery goes
        # on with opportunistic TLS (and again when the resolver validates nothing at all).
        for case, kw in (("tlsa", {"insecure_names": ("tlsa",)}), ("address", {"insecure_names": (MX,)}),
                         ("resolver", {"secure": False})):
            with self.subTest(case):
                gw, sink = self.relay(self.ee_record("00" * 32), **kw)
                sink.wait_for(1)
                delivered = gw.wait_event("delivered")
                self.assertRegex(delivered["tls"], r"^TLSv1\.3 TLS_\w+$")
                self.assertEqual(gw.events("dane_host"), [])
                gw.stop()

    def test_dane_ta_checks_the_chain_and_the_mx_name(self):
        ta = [{"type": "TLSA", "usage": 2, "selector": 0, "mtype": 1, "value": sha256(der_of_certificate(self.ca.cert))}]
        gw, sink = self.relay(ta)
        sink.wait_for(1)
        self.assertRegex(gw.wait_event("delivered")["tls"], r" DANE-TA$")
        gw.stop()
        # A certificate from the same CA for another name: DANE-TA checks the name (RFC 7672 3.2.2).
        self.cert, self.key = self.ca.issue("other.test")
        self.chain.write_text(self.cert.read_text() + self.ca.cert.read_text())
        gw2, sink2 = self.relay(ta)
        self.assertIn("failed: certificate:", gw2.wait_event("deferred")["reply"])
        self.assertEqual(sink2.count(), 0)

    def test_a_next_hop_without_starttls_is_a_downgrade_and_defers(self):
        gw, sink = self.relay(self.ee_record(), sink_tls=False)
        deferred = gw.wait_event("deferred")
        self.assertRegex(deferred["reply"], r"^451 4\.7\.5 TLS required by policy \(DANE\) but .* does not offer STARTTLS")
        self.assertEqual(sink.count(), 0)

    def test_a_failed_tlsa_lookup_for_a_signed_host_defers(self):
        gw, sink = self.relay([{"type": "SERVFAIL"}])
        deferred = gw.wait_event("deferred")
        self.assertRegex(deferred["reply"], r"^451 4\.7\.5 DANE: TLSA lookup of _\d+\._tcp\.mx\.dane\.test failed")
        self.assertEqual(sink.count(), 0)

    def test_unusable_records_still_require_tls(self):
        pkix_ee = [{"type": "TLSA", "usage": 1, "selector": 1, "mtype": 1, "value": "11" * 32}]
        gw, sink = self.relay(pkix_ee)
        sink.wait_for(1)
        self.assertRegex(gw.wait_event("delivered")["tls"], r"^TLSv1\.3 TLS_\w+$")
        self.assertEqual(gw.wait_event("dane_host")["tlsa"], "none usable: TLS only")
        gw.stop()
        gw2, plain = self.relay(pkix_ee, sink_tls=False)
        self.assertIn("does not offer STARTTLS", gw2.wait_event("deferred")["reply"])
        self.assertEqual(plain.count(), 0)

    def test_the_none_policy_still_wins(self):
        # The admin's "none" (a peer known to break TLS) is the one policy DANE does not override.
        sink = self.make_sink("mx", tls_cert=self.chain, tls_key=self.key)
        dns = self.make_dns({"ad": True, DOMAIN: [{"type": "MX", "pref": 10, "value": MX + "."}],
                             MX: [{"type": "A", "value": "127.0.0.1"}],
                             f"_{sink.port}._tcp.{MX}": self.ee_record("00" * 32)})
        gw = self.make_gateway(dns, sink.port)
        gw.cli("relaynet", "add", "127.0.0.0/8")
        gw.cli("tlspolicy", "set", DOMAIN, "none")
        gw.start()
        t = smtp_send(gw.port, "a@sender.test", [f"carol@{DOMAIN}"], make_message("dane", ["x"]))
        self.assertEqual(t.data[0], 250)
        self.assertIsNone(sink.wait_for(1)[0].meta["tls"])


if __name__ == "__main__":
    unittest.main()
