"""Inbound TLS: STARTTLS with real clients (Python smtplib/ssl, swaks), the STARTTLS command
injection test (CVE-2011-0411 class), state reset after the handshake, require_tls, implicit
TLS, SNI, protocol floor, session resumption with tickets, certificate reload on SIGHUP, and
the `portcullis cert` commands with a test CA made by openssl(1).

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_tls
"""
import os
import re
import signal
import smtplib
import socket
import ssl
import stat
import subprocess
import grp
import unittest

from harness import PYTHON, RUN_AS, TOOLS, GatewayCase, RawSMTP, free_port, make_message, smtp_send, wait_until

DEST = "example.test"


def openssl(*args, cwd):
    r = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError(f"openssl {' '.join(args)}: {r.stderr.decode(errors='replace')}")
    return r.stdout


class TestCA:
    """A private CA in a folder: ca.crt/ca.key; sign(csr) -> certificate PEM path."""

    def __init__(self, root):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", "ca.key", "-out", "ca.crt", "-days", "30", "-subj", "/CN=Portcullis Test CA",
                "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
                cwd=root)
        self.cert = root / "ca.crt"
        self.n = 0

    def sign(self, csr_pem, names):
        self.n += 1
        (self.root / f"req{self.n}.csr").write_bytes(csr_pem)
        ext = self.root / f"ext{self.n}.cnf"
        ext.write_text("subjectAltName=" + ",".join(f"DNS:{n}" for n in names) +
                       "\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        openssl("x509", "-req", "-in", f"req{self.n}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "10", "-out", f"leaf{self.n}.crt", "-extfile", ext.name, cwd=self.root)
        return self.root / f"leaf{self.n}.crt"

    def issue(self, name):
        """A fresh EC key and a certificate for `name` signed by this CA: (cert path, key path)."""
        d = self.root / f"issued-{name}"
        d.mkdir()
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "key.pem",
                "-out", "req.csr", "-subj", f"/CN={name}", cwd=d)
        return self.sign((d / "req.csr").read_bytes(), [name]), d / "key.pem"


def self_signed_peer_cert(work):
    """A self-signed certificate for dest.test (a TLS sink no CA vouches for): (cert, key)."""
    d = work / "selfsigned"
    d.mkdir(exist_ok=True)
    if not (d / "cert.pem").exists():
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                "key.pem", "-out", "cert.pem", "-days", "2", "-subj", "/CN=dest.test", cwd=d)
    return d / "cert.pem", d / "key.pem"


def client_context(cafile=None, **kw):
    ctx = ssl.create_default_context(cafile=str(cafile)) if cafile else ssl._create_unverified_context()
    for k, v in kw.items():
        setattr(ctx, k, v)
    return ctx


class TlsCase(GatewayCase):
    def make_gw(self, certificate="mx", names="gw.test", **kw):
        self.dest = self.make_sink("dest")
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns()
        gw = self.make_gateway(self.dns, self.mx.port, **kw)
        gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        if certificate:
            gw.cli("cert", "selfsign", certificate, "--dns", names, "--key", "ec")
            gw.cli("cert", "use", certificate)
        return gw

    def pem_of(self, gw, name):
        return (gw.root / "certs" / f"{name}.crt").read_text()


class StartTlsTest(TlsCase):

    def test_smtplib_starttls_then_mail_with_tls_in_received_and_log(self):
        gw = self.make_gw()
        gw.start()
        ctx = client_context(gw.root / "certs" / "mx.crt")  # verifies chain and host name gw.test
        with smtplib.SMTP("127.0.0.1", gw.port, local_hostname="client.test", timeout=30) as s:
            s.ehlo()
            self.assertTrue(s.has_extn("starttls"))
            s._host = "gw.test"  # the name smtplib checks the certificate against
            code, _ = s.starttls(context=ctx)
            self.assertEqual(code, 220)
            s.ehlo()
            self.assertFalse(s.has_extn("starttls"), "STARTTLS offered again inside TLS")
            self.assertEqual(s.sock.version(), "TLSv1.3")
            s.sendmail("a@sender.test", [f"bob@{DEST}"], make_message("tls", ["over TLS"]))
        msg = self.dest.wait_for(1)[0]
        received = msg.data.split(b"\r\n\r\n", 1)[0].decode()
        self.assertRegex(received, r"\(using TLSv1\.3 with cipher TLS_\w+ \(\d+ bits\)\)\r\n\tby gw\.test "
                                   r"\(Portcullis\) with ESMTPS id")
        ev = gw.wait_event("tls", client="127.0.0.1")
        self.assertEqual(ev["protocol"], "TLSv1.3")
        queued = gw.wait_event("queued")
        self.assertRegex(queued["tls"], r"^TLSv1\.3 TLS_")
        out = gw.cli("log", "search", "--from", "a@sender.test").stdout.decode()
        self.assertIn("TLSv1.3", out)

    def test_swaks_tls(self):
        gw = self.make_gw()
        gw.start()
        r = subprocess.run(["swaks", "--server", f"127.0.0.1:{gw.port}", "--tls", "--from", "a@sender.test",
                            "--to", f"bob@{DEST}", "--helo", "swaks.test", "--timeout", "30"],
                           capture_output=True, timeout=60)
        out = r.stdout.decode(errors="replace")
        self.assertEqual(r.returncode, 0, out + r.stderr.decode(errors="replace"))
        self.assertIn("TLS started", out)
        self.assertRegex(out, r"<~  250 2\.0\.0 Ok: queued as")
        self.dest.wait_for(1)

    def test_commands_pipelined_after_starttls_are_discarded(self):
        gw = self.make_gw()
        gw.start()
        with RawSMTP(gw.port) as c:
            c.ehlo()
            # One packet: STARTTLS and what a man in the middle would append in clear text.
            c.send(b"STARTTLS\r\nRSET\r\nMAIL FROM:<injected@evil.test>\r\nRCPT TO:<bob@example.test>\r\n")
            r = c.read_reply()
            self.assertEqual(r.code, 220, r)
            self.assertEqual(c.buf, b"", "more replies before the handshake")
            tls = client_context().wrap_socket(c.sock, server_hostname="gw.test")
            # Nothing may come now: the injected commands were dropped, not queued for later.
            tls.settimeout(1.0)
            with self.assertRaises((socket.timeout, TimeoutError, ssl.SSLError)):
                extra = tls.recv(4096)
                if extra == b"":
                    raise AssertionError("connection closed after the handshake")
                raise AssertionError(f"replies to injected commands: {extra!r}")
            tls.settimeout(15)
            # Fresh state: MAIL without a new EHLO is refused, RCPT has no transaction.
            tls.sendall(b"MAIL FROM:<a@sender.test>\r\n")
            self.assertTrue(tls.recv(4096).startswith(b"503 5.5.1"), "MAIL accepted without EHLO after TLS")
            tls.sendall(b"EHLO client.test\r\n")
            ehlo = tls.recv(4096)
            self.assertTrue(ehlo.startswith(b"250-gw.test"), ehlo)
            self.assertNotIn(b"STARTTLS", ehlo)
            tls.sendall(b"RCPT TO:<bob@example.test>\r\n")
            self.assertTrue(tls.recv(4096).startswith(b"503"), "the injected MAIL was executed")
            tls.sendall(b"QUIT\r\n")
            self.assertTrue(tls.recv(4096).startswith(b"221"))
            tls.close()
        self.assertFalse(gw.events("mail", sender="injected@evil.test"))

    def test_starttls_errors(self):
        gw = self.make_gw()
        gw.start()
        with RawSMTP(gw.port) as c:
            c.ehlo()
            self.assertEqual(c.cmd("STARTTLS now").code, 501)
            self.assertEqual(c.cmd("MAIL FROM:<a@sender.test>").code, 250)
            r = c.cmd("STARTTLS")
            self.assertEqual((r.code, r.text), (503, "5.5.1 Error: MAIL transaction in progress"))

    def test_without_a_certificate_starttls_is_not_offered(self):
        gw = self.make_gw(certificate=None)
        gw.start()
        gw.wait_event("tls_loaded")
        with RawSMTP(gw.port) as c:
            self.assertNotIn("STARTTLS", c.ehlo().text)
            self.assertEqual(c.cmd("STARTTLS").code, 502)

    def test_old_protocols_are_refused_and_tls12_works(self):
        gw = self.make_gw()
        gw.start()
        for version, ok in ((ssl.TLSVersion.TLSv1_1, False), (ssl.TLSVersion.TLSv1_2, True)):
            ctx = client_context()
            ctx.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            ctx.maximum_version = version
            try:
                ctx.set_ciphers("ALL:@SECLEVEL=0")
            except ssl.SSLError:
                pass
            with RawSMTP(gw.port) as c:
                c.ehlo()
                self.assertEqual(c.cmd("STARTTLS").code, 220)
                if ok:
                    tls = ctx.wrap_socket(c.sock, server_hostname="gw.test")
                    self.assertEqual(tls.version(), "TLSv1.2")
                    self.assertIn("ECDHE", tls.cipher()[0])
                    tls.close()
                else:
                    with self.assertRaises((ssl.SSLError, OSError)):
                        ctx.wrap_socket(c.sock, server_hostname="gw.test")

    def test_session_tickets_resume(self):
        gw = self.make_gw()
        gw.start()
        ctx = client_context()
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2  # the ticket arrives with the handshake

        def connect(session=None):
            c = RawSMTP(gw.port)
            c.ehlo()
            self.assertEqual(c.cmd("STARTTLS").code, 220)
            tls = ctx.wrap_socket(c.sock, server_hostname="gw.test", session=session)
            tls.sendall(b"QUIT\r\n")
            tls.recv(4096)
            return tls

        first = connect()
        self.assertFalse(first.session_reused)
        self.assertTrue(first.session.has_ticket)
        second = connect(first.session)
        self.assertTrue(second.session_reused, "ticket not accepted")
        first.close()
        second.close()


class ListenerTlsTest(TlsCase):

    def test_require_tls_refuses_mail_in_clear(self):
        gw = self.make_gw()
        gw.listener = {"require_tls": True}
        gw.write_config()
        gw.start()
        with RawSMTP(gw.port) as c:
            c.ehlo()
            r = c.cmd("MAIL FROM:<a@sender.test>")
            self.assertEqual((r.code, r.text), (530, "5.7.0 Must issue a STARTTLS command first"))
        with smtplib.SMTP("127.0.0.1", gw.port, local_hostname="client.test", timeout=30) as s:
            s.starttls(context=client_context())
            s.sendmail("a@sender.test", [f"bob@{DEST}"], make_message("required", ["x"]))
        self.dest.wait_for(1)

    def test_implicit_tls_listener(self):
        gw = self.make_gw()
        port = free_port()
        gw.extra_listeners = [{"address": f"127.0.0.1:{port}", "role": "submission", "tls": "implicit"}]
        gw.write_config()
        gw.start()
        with smtplib.SMTP_SSL("127.0.0.1", port, local_hostname="client.test", timeout=30,
                              context=client_context()) as s:
            code, _ = s.ehlo()
            self.assertEqual(code, 250)
            self.assertFalse(s.has_extn("starttls"))
            s.sendmail("a@sender.test", [f"bob@{DEST}"], make_message("implicit", ["x"]))
        msg = self.dest.wait_for(1)[0]
        self.assertIn(b"with ESMTPS id", msg.data)
        # Clear text to the implicit listener gets no banner (a TLS alert, then the close).
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"EHLO x\r\n")
            data = raw.recv(4096)
            self.assertFalse(data.startswith(b"220"))

    def test_sni_chooses_the_certificate_and_unknown_names_get_the_default(self):
        gw = self.make_gw()
        gw.cli("cert", "selfsign", "other", "--dns", "other.test,*.wild.test")
        gw.start()

        def peer_names(server_name):
            with RawSMTP(gw.port) as c:
                c.ehlo()
                c.cmd("STARTTLS")
                tls = client_context().wrap_socket(c.sock, server_hostname=server_name)
                der = tls.getpeercert(binary_form=True)
                tls.close()
            pem = ssl.DER_cert_to_PEM_cert(der)
            text = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName"], input=pem.encode(),
                                  capture_output=True, timeout=30).stdout.decode()
            return re.findall(r"DNS:([^,\s]+)", text)

        self.assertEqual(peer_names("gw.test"), ["gw.test"])
        self.assertEqual(peer_names("other.test"), ["other.test", "*.wild.test"])
        self.assertEqual(peer_names("a.wild.test"), ["other.test", "*.wild.test"])
        self.assertEqual(peer_names("unknown.test"), ["gw.test"])

    def test_sighup_reloads_a_replaced_certificate_without_dropping_sessions(self):
        gw = self.make_gw()
        gw.start()
        old_pem = self.pem_of(gw, "mx")
        held = smtplib.SMTP("127.0.0.1", gw.port, local_hostname="client.test", timeout=30)
        self.addCleanup(held.close)
        held.starttls(context=client_context())
        held.ehlo()
        gw.cli("cert", "selfsign", "mx", "--dns", "gw.test")  # same name: replaced atomically
        self.assertNotEqual(self.pem_of(gw, "mx"), old_pem)
        mark = gw.log_size()
        os.kill(gw.pid, signal.SIGHUP)
        gw.wait_event("tls_loaded", since=mark, certificate="mx")
        with RawSMTP(gw.port) as c:
            c.ehlo()
            c.cmd("STARTTLS")
            tls = client_context().wrap_socket(c.sock, server_hostname="gw.test")
            served = ssl.DER_cert_to_PEM_cert(tls.getpeercert(binary_form=True))
            tls.close()
        self.assertEqual(served.strip(), self.pem_of(gw, "mx").strip())
        # The session opened before the reload goes on with its old certificate.
        held.sendmail("a@sender.test", [f"bob@{DEST}"], make_message("held", ["x"]))
        held.quit()
        self.dest.wait_for(1)

    def test_changing_the_setting_switches_the_default_certificate(self):
        gw = self.make_gw()
        gw.cli("cert", "selfsign", "next", "--dns", "next.test")
        gw.start()
        mark = gw.log_size()
        gw.cli("cert", "use", "next")
        gw.wait_event("tls_loaded", since=mark, certificate="next", timeout=15)


class OutboundTlsTest(GatewayCase):
    """Opportunistic STARTTLS towards the next hop (the per-domain policies come next)."""

    def relay_one(self, dest):
        mx = self.make_sink("mx")
        dns = self.make_dns()
        gw = self.make_gateway(dns, mx.port)
        gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{dest.port}")
        gw.start()
        t = smtp_send(gw.port, "a@sender.test", [f"bob@{DEST}"], make_message("out", ["x"]))
        self.assertEqual(t.data[0], 250)
        return gw, dest.wait_for(1)[0], gw.wait_event("delivered")

    def test_starttls_is_used_when_the_next_hop_offers_it(self):
        cert, key = self_signed_peer_cert(self.work)
        gw, msg, delivered = self.relay_one(self.make_sink("dest", tls_cert=cert, tls_key=key))
        self.assertIsNotNone(msg.meta["tls"], "the message went in clear text")
        self.assertEqual(msg.meta["tls"][1], "TLSv1.3")
        self.assertRegex(delivered["tls"], r"^TLSv1\.3 TLS_")

    def test_clear_text_when_not_offered(self):
        gw, msg, delivered = self.relay_one(self.make_sink("dest"))
        self.assertIsNone(msg.meta["tls"])
        self.assertEqual(delivered["tls"], "")

    def test_failed_handshake_falls_back_to_clear_text(self):
        cert, key = self_signed_peer_cert(self.work)
        gw, msg, delivered = self.relay_one(self.make_sink("dest", tls_cert=cert, tls_key=key, tls_max="1.1"))
        self.assertIsNone(msg.meta["tls"])
        self.assertEqual(delivered["tls"], "")
        self.assertEqual(delivered["attempt"], "1")
        failed = gw.wait_event("tls_out_failed")
        self.assertEqual(failed["action"], "retry in clear text")


class OutboundPolicyTest(GatewayCase):
    """tlspolicy none | may | encrypt | verify towards the destination server of one of our
    domains (a TLS sink), with a private CA given in tls.ca_file."""

    def setUp(self):
        super().setUp()
        self.ca = TestCA(self.work / "ca")

    def relay(self, dest, *policy, name="gw"):
        mx = self.make_sink(f"mx-{name}")
        dns = self.make_dns(name=f"dns-{name}")
        gw = self.make_gateway(dns, mx.port, name=name)
        gw.tls["ca_file"] = str(self.ca.cert)
        gw.write_config()
        gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{dest.port}")
        if policy:
            gw.cli("tlspolicy", "set", DEST, *policy)
        gw.start()
        t = smtp_send(gw.port, "a@sender.test", [f"bob@{DEST}"], make_message("policy", ["x"]))
        self.assertEqual(t.data[0], 250)
        return gw

    def test_verify_with_a_trusted_certificate_for_the_named_host(self):
        cert, key = self.ca.issue("dest.test")
        dest = self.make_sink("dest", tls_cert=cert, tls_key=key)
        gw = self.relay(dest, "verify", "--match", "dest.test")
        msg = dest.wait_for(1)[0]
        self.assertEqual(msg.meta["tls"][1], "TLSv1.3")
        self.assertRegex(gw.wait_event("delivered")["tls"], r"^TLSv1\.3 TLS_\w+ verified$")
        out = gw.cli("log", "search", "--to", f"bob@{DEST}").stdout.decode()
        self.assertIn("verified", out)

    def test_verify_defers_on_a_name_mismatch_and_on_an_untrusted_certificate(self):
        cert, key = self.ca.issue("other.test")
        dest = self.make_sink("dest", tls_cert=cert, tls_key=key)
        gw = self.relay(dest, "verify", "--match", "dest.test")
        deferred = gw.wait_event("deferred")
        self.assertRegex(deferred["reply"], r"^451 4\.7\.5 TLS with .* failed: certificate: hostname mismatch")
        self.assertEqual(dest.count(), 0)

    def test_verify_defers_a_self_signed_next_hop(self):
        cert, key = self_signed_peer_cert(self.work)
        dest = self.make_sink("dest", tls_cert=cert, tls_key=key)
        gw = self.relay(dest, "verify", "--match", "dest.test")
        self.assertIn("self-signed certificate", gw.wait_event("deferred")["reply"])
        self.assertEqual(dest.count(), 0)

    def test_encrypt_defers_without_starttls_and_accepts_any_certificate_with_it(self):
        plain = self.make_sink("dest")
        gw = self.relay(plain, "encrypt")
        deferred = gw.wait_event("deferred")
        self.assertRegex(deferred["reply"], r"^451 4\.7\.5 TLS required by policy \(encrypt\) but .* does not offer "
                                            r"STARTTLS")
        self.assertEqual(plain.count(), 0)
        gw.stop()
        cert, key = self_signed_peer_cert(self.work)
        dest = self.make_sink("dest2", tls_cert=cert, tls_key=key)
        gw2 = self.relay(dest, "encrypt", name="gw2")
        self.assertIsNotNone(dest.wait_for(1)[0].meta["tls"])
        self.assertRegex(gw2.wait_event("delivered")["tls"], r"^TLSv1\.3 TLS_\w+$")

    def test_verify_checks_each_mx_host_under_its_own_name(self):
        # Two MX hosts: the first has no server (127.0.0.3), the second is the TLS sink with a
        # certificate for its own name. Verification must use mx2's name on mx2's address.
        cert, key = self.ca.issue("mx2.remote.test")
        mx = self.make_sink("mx", tls_cert=cert, tls_key=key)
        dns = self.make_dns({"remote.test": [{"type": "MX", "pref": 10, "value": "mx1.remote.test."},
                                             {"type": "MX", "pref": 20, "value": "mx2.remote.test."}],
                             "mx1.remote.test": [{"type": "A", "value": "127.0.0.3"}],
                             "mx2.remote.test": [{"type": "A", "value": "127.0.0.1"}]})
        gw = self.make_gateway(dns, mx.port)
        gw.tls["ca_file"] = str(self.ca.cert)
        gw.write_config()
        gw.cli("relaynet", "add", "127.0.0.0/8")
        gw.cli("tlspolicy", "set", "remote.test", "verify")
        gw.start()
        t = smtp_send(gw.port, "a@sender.test", ["carol@remote.test"], make_message("mx", ["x"]))
        self.assertEqual(t.data[0], 250)
        self.assertEqual(mx.wait_for(1)[0].meta["tls"][1], "TLSv1.3")
        delivered = gw.wait_event("delivered")
        self.assertTrue(delivered["relay"].startswith("mx2.remote.test[127.0.0.1]"), delivered)
        self.assertTrue(delivered["tls"].endswith(" verified"), delivered)

    def test_none_never_starts_tls(self):
        cert, key = self_signed_peer_cert(self.work)
        dest = self.make_sink("dest", tls_cert=cert, tls_key=key)
        gw = self.relay(dest, "none")
        self.assertIsNone(dest.wait_for(1)[0].meta["tls"])
        self.assertEqual(gw.wait_event("delivered")["tls"], "")

    def test_tlspolicy_commands(self):
        dns = self.make_dns()
        gw = self.make_gateway(dns, 25)
        gw.cli("tlspolicy", "set", ".Bank.Example", "verify", "--match", "MX1.bank.example,mx2.bank.example",
               "--note", "contract")
        gw.cli("tlspolicy", "set", "*", "encrypt")
        rows = [l.split(None, 3) for l in gw.cli("tlspolicy", "list").stdout.decode().splitlines()]
        self.assertEqual(rows, [["*", "encrypt"], [".bank.example", "verify", "mx1.bank.example,mx2.bank.example",
                                                   "contract"]])
        for args, text in ((["x.example", "sometimes"], "expected none, may, encrypt or verify"),
                           (["x.example", "may", "--match", "a.example"], "--match only applies to mode verify"),
                           (["x.example", "verify", "--match", "bad name"], "not a valid host name"),
                           (["bad..domain", "may"], "not a valid domain name")):
            r = gw.cli("tlspolicy", "set", *args, check=False)
            self.assertEqual(r.returncode, 1, args)
            self.assertIn(text, r.stderr.decode(), args)
        gw.cli("tlspolicy", "remove", "*")
        r = gw.cli("tlspolicy", "remove", "*", check=False)
        self.assertIn("no TLS policy for *", r.stderr.decode())


class MtaStsTest(GatewayCase):
    """MTA-STS (RFC 8461) with a policy served by a local HTTPS server (test CA) and the
    _mta-sts TXT record from the loopback DNS server. remote.test's MX is mx.remote.test."""

    def setUp(self):
        super().setUp()
        self.ca = TestCA(self.work / "ca")

    def start_policy_server(self, policy):
        cert, key = self.ca.issue("mta-sts.remote.test")
        self.policy_file = self.work / "mta-sts.txt"
        self.policy_file.write_text(policy)
        port_file = self.work / "https.port"
        with open(self.work / "https.log", "wb") as log:
            proc = subprocess.Popen([PYTHON, str(TOOLS / "https_server.py"), "--cert", str(cert), "--key", str(key),
                                     "--path", "/.well-known/mta-sts.txt", "--file", str(self.policy_file),
                                     "--port-file", str(port_file)], stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: (proc.terminate(), proc.wait(10)))
        return wait_until(lambda: port_file.exists() and int(port_file.read_text()), 20, "the HTTPS server")

    def relay(self, mx_sink, policy, txt="v=STSv1; id=20261123;"):
        https_port = self.start_policy_server(policy)
        dns = self.make_dns({"remote.test": [{"type": "MX", "pref": 10, "value": "mx.remote.test."}],
                             "mx.remote.test": [{"type": "A", "value": "127.0.0.1"}],
                             "_mta-sts.remote.test": [{"type": "TXT", "value": txt}],
                             "mta-sts.remote.test": [{"type": "A", "value": "127.0.0.1"}]})
        gw = self.make_gateway(dns, mx_sink.port)
        gw.tls.update({"ca_file": str(self.ca.cert), "mta_sts_port": https_port})
        gw.write_config()
        gw.cli("relaynet", "add", "127.0.0.0/8")
        gw.start()
        t = smtp_send(gw.port, "a@sender.test", ["carol@remote.test"], make_message("sts", ["x"]))
        self.assertEqual(t.data[0], 250)
        return gw

    ENFORCE = "version: STSv1\r\nmode: enforce\r\nmx: mx.remote.test\r\nmax_age: 86400\r\n"

    def test_enforce_delivers_over_verified_tls(self):
        cert, key = self.ca.issue("mx.remote.test")
        mx = self.make_sink("mx", tls_cert=cert, tls_key=key)
        gw = self.relay(mx, self.ENFORCE)
        self.assertEqual(mx.wait_for(1)[0].meta["tls"][1], "TLSv1.3")
        policy = gw.wait_event("mta_sts_policy")
        self.assertEqual((policy["domain"], policy["mode"], policy["mx"]), ("remote.test", "enforce", "mx.remote.test"))
        self.assertTrue(gw.wait_event("delivered")["tls"].endswith(" verified"))

    def test_enforce_defers_a_downgraded_next_hop(self):
        mx = self.make_sink("mx")  # no STARTTLS: what an attacker stripping TLS leaves
        gw = self.relay(mx, self.ENFORCE)
        deferred = gw.wait_event("deferred")
        self.assertRegex(deferred["reply"], r"^451 4\.7\.5 TLS required by policy \(verify\)")
        self.assertEqual(mx.count(), 0)

    def test_enforce_defers_an_mx_the_policy_does_not_list(self):
        cert, key = self.ca.issue("mx.remote.test")
        mx = self.make_sink("mx", tls_cert=cert, tls_key=key)
        gw = self.relay(mx, self.ENFORCE.replace("mx: mx.remote.test", "mx: *.elsewhere.test"))
        self.assertEqual(gw.wait_event("deferred")["reply"],
                         "451 4.7.5 no MX host of remote.test matches its MTA-STS policy")
        self.assertEqual(gw.wait_event("mta_sts_mx_mismatch")["action"], "skipped")
        self.assertEqual(mx.count(), 0)

    def test_testing_mode_only_reports(self):
        mx = self.make_sink("mx")
        gw = self.relay(mx, self.ENFORCE.replace("enforce", "testing").replace("mx: mx.remote.test",
                                                                              "mx: other.remote.test"))
        self.assertIsNone(mx.wait_for(1)[0].meta["tls"])
        self.assertEqual(gw.wait_event("mta_sts_mx_mismatch")["action"], "used (testing mode)")

    def test_a_policy_that_cannot_be_fetched_is_no_policy(self):
        mx = self.make_sink("mx")
        gw = self.relay(mx, "this is not a policy\n")
        self.assertIn("expected 'key: value'", gw.wait_event("mta_sts_fetch_failed")["error"])
        mx.wait_for(1)


class CertCommandsTest(TlsCase):

    def test_csr_signed_by_a_private_ca_then_import_and_use(self):
        gw = self.make_gw(certificate=None)
        ca = TestCA(self.work / "ca")
        r = gw.cli("cert", "csr", "mx", "--dns", "gw.test,mail.gw.test", "--org", "Example", "--country", "DE")
        csr = r.stdout
        self.assertTrue(csr.startswith(b"-----BEGIN CERTIFICATE REQUEST-----"), csr)
        text = subprocess.run(["openssl", "req", "-noout", "-text"], input=csr, capture_output=True,
                              timeout=30).stdout.decode()
        self.assertIn("DNS:gw.test, DNS:mail.gw.test", text)
        self.assertIn("O = Example", text)
        listed = gw.cli("cert", "list").stdout.decode()
        self.assertIn("request pending", listed)
        leaf = ca.sign(csr, ["gw.test", "mail.gw.test"])
        # Without the CA the chain does not verify against the system trust store.
        bad = gw.cli("cert", "import", "mx", "--cert", str(leaf), check=False)
        self.assertEqual(bad.returncode, 1)
        self.assertIn("does not verify", bad.stderr.decode())
        gw.cli("cert", "import", "mx", "--cert", str(leaf), "--ca", str(ca.cert))
        key = gw.root / "certs" / "mx.key"
        st = os.stat(key)
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o640)
        if RUN_AS:
            self.assertEqual(st.st_uid, 0)
            self.assertEqual(st.st_gid, grp.getgrnam(RUN_AS[1]).gr_gid)
        self.assertFalse((gw.root / "certs" / "mx.csr").exists())
        gw.cli("cert", "use", "mx")
        gw.start()
        ctx = client_context(ca.cert)
        with smtplib.SMTP("127.0.0.1", gw.port, local_hostname="client.test", timeout=30) as s:
            s._host = "mail.gw.test"
            s.starttls(context=ctx)  # verified against the test CA, for the second name
            s.sendmail("a@sender.test", [f"bob@{DEST}"], make_message("ca", ["x"]))
        self.dest.wait_for(1)

    def test_import_refuses_a_key_of_another_certificate_and_bad_input(self):
        gw = self.make_gw()
        gw.cli("cert", "selfsign", "other", "--dns", "other.test")
        certs = gw.root / "certs"
        r = gw.cli("cert", "import", "x", "--cert", str(certs / "mx.crt"), "--key", str(certs / "other.key"),
                   check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not belong to the certificate", r.stderr.decode())
        junk = self.work / "junk.pem"
        junk.write_text("not a certificate\n")
        r = gw.cli("cert", "import", "x", "--cert", str(junk), "--key", str(certs / "mx.key"), check=False)
        self.assertIn("no PEM certificate found", r.stderr.decode())
        self.assertFalse((certs / "x.crt").exists())
        r = gw.cli("cert", "selfsign", "../evil", "--dns", "gw.test", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("invalid certificate name", r.stderr.decode())
        r = gw.cli("cert", "selfsign", "y", "--dns", "bad_name!", check=False)
        self.assertIn("not a valid host name", r.stderr.decode())

    def test_list_use_and_remove(self):
        gw = self.make_gw()
        gw.cli("cert", "selfsign", "spare", "--dns", "spare.test", "--key", "rsa")
        rows = [l.split() for l in gw.cli("cert", "list").stdout.decode().splitlines()]
        by_name = {r[0]: r for r in rows[1:]}
        self.assertEqual(by_name["mx"][1], "yes")
        self.assertIn("EC", by_name["mx"])
        self.assertIn("self-signed", by_name["spare"])
        r = gw.cli("cert", "remove", "mx", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is in use", r.stderr.decode())
        gw.cli("cert", "remove", "spare")
        self.assertFalse((gw.root / "certs" / "spare.key").exists())
        r = gw.cli("cert", "use", "nothere", check=False)
        self.assertEqual(r.returncode, 1)
        r = gw.cli("settings", "set", "tls-certificate", "nothere", check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("tls-certificate", r.stderr.decode())


if __name__ == "__main__":
    unittest.main()
