"""testssl.sh (Debian's package) against the inbound STARTTLS listener: no SSLv2/SSLv3/TLS 1.0/
TLS 1.1, no NULL/anonymous/export/low/3DES/CBC ciphers, server cipher order, and no known
vulnerability. The summary is printed (docs/security.md keeps the last one).

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_testssl
"""
import json
import subprocess
import sys
import unittest

from harness import GatewayCase

NOT_OFFERED = ["SSLv2", "SSLv3", "TLS1", "TLS1_1", "cipherlist_NULL", "cipherlist_aNULL", "cipherlist_EXPORT",
               "cipherlist_LOW", "cipherlist_3DES_IDEA", "cipherlist_AVERAGE"]  # AVERAGE: the CBC suites
OFFERED = ["TLS1_2", "TLS1_3", "cipherlist_STRONG"]
VULNERABILITIES = ["heartbleed", "CCS", "ROBOT", "secure_renego", "secure_client_renego", "CRIME_TLS",
                   "POODLE_SSL", "fallback_SCSV", "SWEET32", "FREAK", "DROWN", "LOGJAM", "BEAST", "LUCKY13", "RC4"]
# Findings that only say the certificate is self-signed and not for "127.0.0.1" (the test's
# own certificate): not about the server.
CERTIFICATE_OF_THE_TEST = ("cert_chain_of_trust", "cert_trust", "cert_crlDistributionPoints", "cert_ocspURL",
                           "cert_revocation", "OCSP_stapling", "DNS_CAArecord", "cert_caIssuers")


class TestsslTest(GatewayCase):

    def test_testssl_reports_no_weak_protocol_cipher_or_vulnerability(self):
        dest = self.make_sink("dest")
        mx = self.make_sink("mx")
        dns = self.make_dns()
        gw = self.make_gateway(dns, mx.port, hostname="mx.gw.test")
        gw.cli("domain", "add", "example.test", "--destination", f"127.0.0.1:{dest.port}")
        gw.cli("cert", "selfsign", "mx", "--dns", "mx.gw.test")  # RSA 2048, the common case
        gw.cli("cert", "use", "mx")
        gw.start()
        out = self.work / "testssl.json"
        # --nodns none: no DNS lookups (tests talk to loopback only).
        r = subprocess.run(["testssl", "--quiet", "--color", "0", "--warnings", "off", "--nodns", "none",
                            "--starttls", "smtp", "--jsonfile", str(out), f"127.0.0.1:{gw.port}"],
                           capture_output=True, timeout=900)
        text = r.stdout.decode(errors="replace")
        self.assertTrue(out.exists(), text[-3000:] + r.stderr.decode(errors="replace"))
        findings = json.loads(out.read_text())
        by_id = {f["id"]: f for f in findings}
        for fid in NOT_OFFERED:
            self.assertIn(fid, by_id, text[-3000:])
            self.assertIn("not offered", by_id[fid]["finding"], by_id[fid])
        for fid in OFFERED:
            self.assertTrue(by_id[fid]["finding"].startswith("offered"), by_id[fid])
        for fid in VULNERABILITIES:
            self.assertIn(fid, by_id, f"testssl did not test {fid}")
            self.assertIn(by_id[fid]["severity"], ("OK", "INFO"), by_id[fid])
        self.assertEqual(by_id["cipher_order"]["severity"], "OK", by_id["cipher_order"])
        bad = [f for f in findings if f["severity"] in ("LOW", "MEDIUM", "HIGH", "CRITICAL")
               and not f["id"].startswith(CERTIFICATE_OF_THE_TEST)]
        self.assertEqual(bad, [], "testssl findings above INFO")
        offered = [f["finding"].split()[1] for f in findings if f["id"].startswith("cipher_x")]
        self.assertTrue(offered, "no cipher list in the report")
        for name in offered:  # TLS 1.3 suites, or ECDHE with an AEAD
            self.assertRegex(name, r"^(TLS_(AES_\d+_GCM|CHACHA20_POLY1305)_SHA\d+|ECDHE-RSA-(AES\d+-GCM|CHACHA20-POLY1305).*)$")
        print(f"\n[testssl] protocols: TLS 1.2, TLS 1.3 only; {len(VULNERABILITIES)} vulnerability checks OK; "
              f"{len(offered)} cipher suites offered: {', '.join(sorted(set(offered)))}; "
              f"findings above INFO (besides the self-signed test certificate): {len(bad)}", file=sys.stderr)


if __name__ == "__main__":
    unittest.main()
