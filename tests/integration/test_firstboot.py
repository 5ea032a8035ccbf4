"""portcullis-firstboot --root on a scratch system tree, with the answers from a file and from
each unattended source: the files, store rows and secrets it creates; bad answers refused
with the field named and nothing changed; an interrupted setup continued; --reconfigure; the
appliance's MariaDB provisioning against a private server.
"""
import base64
import os
import re
import shutil
import stat
import struct
import subprocess
import tempfile
import unittest
from pathlib import Path

from firstboot_tree import ADMIN_GID, GOOD_ANSWERS, SERVICE_GID, ScratchTree
from harness import keep_tmp
from mariadb_server import MariaDB

PASSWORD = "Correct-Horse-42-battery"


def make_cert(folder, name="mx.example.org"):
    key, crt = Path(folder) / f"{name}.key", Path(folder) / f"{name}.crt"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-subj", f"/CN={name}", "-addext", f"subjectAltName=DNS:{name}", "-days", "30",
                    "-keyout", str(key), "-out", str(crt)], check=True, capture_output=True)
    return crt, key


class FirstbootCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="portcullis-firstboot.")
        if not keep_tmp():
            self.addCleanup(shutil.rmtree, self.tmp, True)

    def tree(self, name="a", **kw):
        d = Path(self.tmp) / name
        d.mkdir()
        return ScratchTree(d, **kw)

    def setup_ok(self, tree, answers=GOOD_ANSWERS, *extra):
        r = tree.run_firstboot("--answers", str(tree.write_answers(answers)), *extra)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def assertMode(self, path, mode, uid=0, gid=0):
        st = os.lstat(path)
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid, st.st_gid), (mode, uid, gid), str(path))


class AnswersFile(FirstbootCase):
    def test_a_good_answers_file_sets_up_the_tree(self):
        t = self.tree()
        r = self.setup_ok(t)
        self.assertIn("holds the admin password and every user can read it", r.stderr)
        # network, host name, time zone
        net = t.path("/etc/systemd/network/10-portcullis.network").read_text()
        self.assertIn("[Match]\nName=en* eth*\n", net)
        self.assertIn("Address=192.0.2.10/24\nGateway=192.0.2.1\nDNS=192.0.2.53\nDNS=2001:db8::53\n", net)
        self.assertNotIn("DHCP", net)
        self.assertEqual(t.path("/etc/hostname").read_text(), "mx.example.org\n")
        self.assertIn("127.0.1.1\tmx.example.org mx\n", t.path("/etc/hosts").read_text())
        self.assertIn("127.0.0.1\tlocalhost", t.path("/etc/hosts").read_text())
        self.assertEqual(os.readlink(t.path("/etc/localtime")), "/usr/share/zoneinfo/Europe/Berlin")
        self.assertEqual(t.path("/etc/timezone").read_text(), "Europe/Berlin\n")
        # the store
        self.assertEqual(t.sql("SELECT name, destination_host, destination_port, recipient_mode FROM domains"),
                         [("example.org", "exchange.example.org", 2525, "specified")])
        self.assertEqual(sorted(r[0] for r in t.sql("SELECT cidr FROM relaynets")), ["192.0.2.0/24", "2001:db8:1::/48"])
        settings = dict(t.sql("SELECT key, value FROM settings"))
        self.assertEqual(settings["postmaster"], "postmaster@example.org")
        self.assertEqual(settings["admin-email"], "it@example.net")
        self.assertEqual(settings["hostname"], "mx.example.org")
        self.assertEqual(settings["tls-certificate"], "gateway")
        self.assertEqual(settings["telemetry"], "off")
        aliases = t.sql("SELECT a.address, t.target FROM aliases a JOIN alias_targets t ON t.alias = a.address")
        self.assertEqual(sorted(aliases), [(f"{x}@example.org", "it@example.net") for x in ("abuse", "postmaster", "root")])
        [(user, role, phc)] = t.sql("SELECT name, role, password_hash FROM admin_users")
        self.assertEqual((user, role), ("mailadmin", "admin"))
        self.assertTrue(phc.startswith("$scrypt$ln=17,r=8,p=1$"), phc)
        self.assertMode(t.db_path, 0o644, 60001, SERVICE_GID)
        # the console login, in the gateway's control group and sudo
        shadow = dict(l.split(":", 2)[:2] for l in t.path("/etc/shadow").read_text().splitlines())
        self.assertTrue(shadow["mailadmin"].startswith("$y$"), shadow["mailadmin"])
        groups = {l.split(":")[0]: l.split(":")[3] for l in t.path("/etc/group").read_text().splitlines()}
        self.assertEqual(groups["portcullis-admin"], "mailadmin")
        self.assertEqual(groups["sudo"], "mailadmin")
        # per-instance secrets
        self.assertRegex(t.path("/etc/machine-id").read_text(), r"^[0-9a-f]{32}\n$")
        for kind in ("rsa", "ecdsa", "ed25519"):
            self.assertMode(t.path(f"/etc/ssh/ssh_host_{kind}_key"), 0o600)
        self.assertMode(t.path("/etc/portcullis/certs/gateway.key"), 0o640, 0, SERVICE_GID)
        crt = subprocess.run(["openssl", "x509", "-noout", "-subject", "-ext", "subjectAltName", "-in",
                              str(t.path("/etc/portcullis/certs/gateway.crt"))], capture_output=True, text=True)
        self.assertIn("CN = mx.example.org", crt.stdout)
        self.assertIn("DNS:mx.example.org", crt.stdout)
        key = t.path("/etc/portcullis/dkim/example.org.portcullis.key")
        self.assertMode(key, 0o640, 0, SERVICE_GID)
        record = t.path("/etc/portcullis/dkim/example.org.portcullis.txt").read_text()
        self.assertIn(record.strip().split(" IN TXT ")[0], r.stdout)
        self.assertIn("deferred (451, nothing is lost) until ClamAV has its virus signatures", r.stdout)
        self.assertTrue(record.startswith("portcullis._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p="), record)
        # the p= value is the public half of the key file
        p = "".join(re.findall(r'"([^"]*)"', record)).split("p=")[1]
        pub = subprocess.run(["openssl", "pkey", "-in", str(key), "-pubout", "-outform", "DER"], capture_output=True)
        self.assertEqual(base64.b64decode(p), pub.stdout)
        # done: the stamp, no state left, no plain password anywhere in the tree
        state = t.path("/var/lib/portcullis-firstboot")
        self.assertEqual(sorted(os.listdir(state)), ["completed"])
        self.assertMode(state, 0o700)
        for base, _, files in os.walk(t.root):
            for n in files:
                p = Path(base) / n
                if not p.is_symlink():
                    self.assertNotIn(PASSWORD.encode(), p.read_bytes(), str(p))
        self.assertIn("SMTP (port 25) on \\4 \\6", t.path("/etc/issue.d/portcullis.issue").read_text())

    def test_a_second_run_does_nothing(self):
        t = self.tree()
        f = t.write_answers(GOOD_ANSWERS)
        os.chmod(f, 0o600)
        r = t.run_firstboot("--answers", str(f))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotIn("warning", r.stderr)
        before = t.snapshot()
        r = t.run_firstboot("--answers", str(t.write_answers(GOOD_ANSWERS)))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("set up already", r.stdout)
        self.assertEqual(t.snapshot(), before)

    def test_two_copies_of_one_image_get_different_secrets(self):
        a, b = self.tree("a"), self.tree("b")
        self.setup_ok(a)
        self.setup_ok(b)
        for f in ("/etc/machine-id", "/etc/ssh/ssh_host_ed25519_key", "/etc/ssh/ssh_host_rsa_key",
                  "/etc/portcullis/certs/gateway.key", "/etc/portcullis/dkim/example.org.portcullis.key"):
            self.assertNotEqual(a.path(f).read_bytes(), b.path(f).read_bytes(), f)
        hashes = [t.sql("SELECT password_hash FROM admin_users")[0][0] for t in (a, b)]
        self.assertNotEqual(hashes[0], hashes[1])  # fresh salts

    def test_dhcp_and_defaults(self):
        t = self.tree()
        answers = ("[system]\nhostname = \"Gw.Example.NET\"\n[admin]\npassword = \"" + PASSWORD + "\"\n"
                   "email = \"root@elsewhere.test\"\n[mail]\ndestination = \"[2001:db8::25]\"\n"
                   "[dkim]\nkey = \"ed25519\"\nselector = \"s2026\"\n")
        self.setup_ok(t, answers)
        net = t.path("/etc/systemd/network/10-portcullis.network").read_text()
        self.assertIn("DHCP=yes\n", net)
        self.assertNotIn("Address=", net)
        self.assertEqual(t.sql("SELECT name, destination_host, destination_port, recipient_mode FROM domains"),
                         [("example.net", "2001:db8::25", 25, "all")])
        self.assertEqual(dict(t.sql("SELECT key, value FROM settings"))["postmaster"], "postmaster@example.net")
        self.assertEqual(t.sql("SELECT name FROM admin_users"), [("admin",)])
        self.assertEqual(t.sql("SELECT cidr FROM relaynets"), [])
        self.assertEqual(os.readlink(t.path("/etc/localtime")), "/usr/share/zoneinfo/UTC")
        record = t.path("/etc/portcullis/dkim/example.net.s2026.txt").read_text()
        m = re.search(r'k=ed25519; p=([A-Za-z0-9+/=]+)"', record)
        self.assertIsNotNone(m, record)
        self.assertEqual(len(base64.b64decode(m.group(1))), 32)  # RFC 8463: the raw public key


class BadAnswers(FirstbootCase):
    def refused(self, answers, field, message_part):
        t = self.tree(f"t{len(os.listdir(self.tmp))}")
        before = t.snapshot()
        r = t.run_firstboot("--answers", str(t.write_answers(answers)))
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertRegex(r.stderr, rf"(?m)^  {re.escape(field)}: .*{re.escape(message_part)}")
        self.assertIn("nothing was changed", r.stderr)
        self.assertEqual(t.snapshot(), before)  # not one file touched
        return r

    def test_invalid_cidr(self):
        self.refused(GOOD_ANSWERS.replace('"192.0.2.0/24"', '"192.0.2.0/33"'), "mail.relay_networks", "192.0.2.0/33")

    def test_open_relay_network(self):
        self.refused(GOOD_ANSWERS.replace('"192.0.2.0/24"', '"0.0.0.0/0"'), "mail.relay_networks", "open relay")

    def test_postmaster_outside_the_relayed_domain(self):
        self.refused(GOOD_ANSWERS + 'postmaster = "postmaster@other.test"\n', "mail.postmaster",
                     "relayed domain example.org")

    def test_admin_email_inside_the_relayed_domain(self):
        self.refused(GOOD_ANSWERS.replace("it@example.net", "it@example.org"), "admin.email", "outside")

    def test_weak_password(self):
        self.refused(GOOD_ANSWERS.replace(PASSWORD, "password1234"), "admin.password", "too weak")

    def test_gateway_outside_the_network(self):
        self.refused(GOOD_ANSWERS.replace('gateway = "192.0.2.1"', 'gateway = "198.51.100.1"'), "network.gateway",
                     "not inside 192.0.2.0/24")

    def test_unknown_key_and_timezone(self):
        r = self.refused(GOOD_ANSWERS.replace('timezone = "Europe/Berlin"', 'timezone = "Mars/Olympus"\nhostnme = "x"'),
                         "system.timezone", "unknown time zone")
        self.assertIn("system.hostnme: unknown answer", r.stderr)

    def test_certificate_and_key_that_do_not_match(self):
        crt, _ = make_cert(self.tmp)
        _, other_key = make_cert(self.tmp, "other.example.org")
        self.refused(GOOD_ANSWERS + f'[tls]\nmode = "import"\ncertificate = "{crt}"\nkey = "{other_key}"\n',
                     "tls.key", "does not match")

    def test_certificate_for_another_name(self):
        crt, key = make_cert(self.tmp, "www.example.org")
        self.refused(GOOD_ANSWERS + f'[tls]\nmode = "import"\ncertificate = "{crt}"\nkey = "{key}"\n',
                     "tls.certificate", "not for mx.example.org")

    def test_toml_syntax_error(self):
        t = self.tree()
        before = t.snapshot()
        r = t.run_firstboot("--answers", str(t.write_answers("[system\nhostname = 1\n")))
        self.assertEqual(r.returncode, 2)
        self.assertIn("answers.toml", r.stderr)
        self.assertEqual(t.snapshot(), before)

    def test_check_reports_without_applying(self):
        t = self.tree()
        before = t.snapshot()
        r = t.run_firstboot("--check", "--answers", str(t.write_answers(GOOD_ANSWERS)))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("complete and valid", r.stdout)
        self.assertEqual(t.snapshot(), before)


class Resume(FirstbootCase):
    def test_an_interrupted_setup_continues_where_it_stopped(self):
        t = self.tree()
        # An obstacle in the network step (the third): its folder is a file.
        t.path("/etc/systemd").mkdir(parents=True)
        t.path("/etc/systemd/network").write_text("in the way")
        r = t.run_firstboot("--answers", str(t.write_answers(GOOD_ANSWERS)))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("step network failed", r.stderr)
        state = t.path("/var/lib/portcullis-firstboot")
        self.assertEqual(state.joinpath("steps").read_text(), "secrets\ndatabase\n")
        saved = state.joinpath("answers.toml").read_text()
        self.assertNotIn(PASSWORD, saved)
        self.assertIn("password_scrypt", saved)
        self.assertMode(state / "answers.toml", 0o600)
        machine_id = t.path("/etc/machine-id").read_text()
        self.assertFalse(t.path("/var/lib/portcullis-firstboot/completed").exists())
        # Next boot: the obstacle is gone; the saved answers are used, no source needed.
        t.path("/etc/systemd/network").unlink()
        r = t.run_firstboot("--auto", "--cmdline", "/dev/null")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("continuing the setup", r.stdout)
        self.assertIn("Machine identity and host keys: done before", r.stdout)
        self.assertEqual(t.path("/etc/machine-id").read_text(), machine_id)
        self.assertTrue(t.path("/etc/systemd/network/10-portcullis.network").exists())
        self.assertEqual(sorted(os.listdir(state)), ["completed"])
        self.assertEqual(t.sql("SELECT name FROM admin_users"), [("mailadmin",)])

    def test_auto_without_answers_or_terminal_fails_cleanly(self):
        t = self.tree()
        before = t.snapshot()
        r = t.run_firstboot("--auto", "--cmdline", "/dev/null")
        self.assertEqual(r.returncode, 2)
        self.assertIn("no answers found", r.stderr)
        self.assertEqual(t.snapshot(), before)


class Reconfigure(FirstbootCase):
    def test_relay_networks_and_postmaster_change_on_a_set_up_system(self):
        t = self.tree()
        self.setup_ok(t)
        f = t.write_answers('[mail]\nrelay_networks = ["198.51.100.0/24"]\n', "relay.toml")
        r = t.run_firstboot("--reconfigure", "relaynets", "--answers", str(f))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(t.sql("SELECT cidr FROM relaynets"), [("198.51.100.0/24",)])
        # Checked against the current domain (read back from the store).
        f = t.write_answers('[mail]\npostmaster = "hostmaster@other.test"\n', "pm.toml")
        r = t.run_firstboot("--reconfigure", "addresses", "--answers", str(f))
        self.assertEqual(r.returncode, 2)
        self.assertIn("mail.postmaster: must be an address in the relayed domain example.org", r.stderr)
        f = t.write_answers('[mail]\npostmaster = "hostmaster@example.org"\n', "pm2.toml")
        r = t.run_firstboot("--reconfigure", "addresses", "--answers", str(f))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(dict(t.sql("SELECT key, value FROM settings"))["postmaster"], "hostmaster@example.org")
        # A step's answers only.
        r = t.run_firstboot("--reconfigure", "relaynets", "--answers", str(t.write_answers(GOOD_ANSWERS, "all.toml")))
        self.assertEqual(r.returncode, 2)
        self.assertIn("is not an answer of step relaynets", r.stderr)


class Sources(FirstbootCase):
    def setup_from(self, tree, *args):
        r = tree.run_firstboot("--auto", "--cmdline", "/dev/null", *args)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(tree.sql("SELECT name FROM domains"), [("example.org",)])
        return r

    def test_seed_folder_with_an_imported_certificate(self):
        t = self.tree()
        seed = Path(self.tmp) / "seed"
        seed.mkdir()
        crt, key = make_cert(seed)
        (seed / "answers.toml").write_text(GOOD_ANSWERS + f'[tls]\nmode = "import"\ncertificate = "{crt.name}"\n'
                                           f'key = "{key.name}"\n')
        r = self.setup_from(t, "--seed", str(seed))
        self.assertIn("answers from seed folder", r.stdout)
        self.assertEqual(t.path("/etc/portcullis/certs/gateway.crt").read_text().strip(), crt.read_text().strip())

    def test_kernel_command_line_inline(self):
        t = self.tree()
        cmdline = Path(self.tmp) / "cmdline"
        b64 = base64.urlsafe_b64encode(GOOD_ANSWERS.encode()).decode().rstrip("=")
        cmdline.write_text(f"BOOT_IMAGE=/vmlinuz root=UUID=x ro quiet portcullis.answers=base64:{b64}\n")
        r = t.run_firstboot("--auto", "--cmdline", str(cmdline))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("answers from kernel command line", r.stdout)

    def test_ovf_properties(self):
        t = self.tree()
        props = {"system.hostname": "mx.example.org", "admin.password": PASSWORD, "admin.email": "it@example.net",
                 "mail.destination": "10.0.0.5", "mail.relay_networks": "10.0.0.0/8", "network.mode": "dhcp"}
        xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<Environment xmlns="http://schemas.dmtf.org/ovf/environment/1"'
               ' xmlns:oe="http://schemas.dmtf.org/ovf/environment/1" oe:id="">\n<PropertySection>\n'
               + "".join(f'  <Property oe:key="portcullis.{k}" oe:value="{v}"/>\n' for k, v in props.items())
               + "</PropertySection>\n</Environment>\n")
        env = Path(self.tmp) / "ovf-env.xml"
        env.write_text(xml)
        r = self.setup_from(t, "--ovf-env", str(env))
        self.assertIn("answers from OVF properties", r.stdout)
        self.assertEqual(t.sql("SELECT cidr FROM relaynets"), [("10.0.0.0/8",)])

    def test_hyperv_kvp(self):
        t = self.tree()
        items = {"portcullis.system.hostname": "mx.example.org", "portcullis.admin.password": PASSWORD,
                 "portcullis.admin.email": "it@example.net", "portcullis.mail.destination": "10.0.0.5:25",
                 "OtherTool.Key": "ignored"}
        pool = b"".join(struct.pack("512s2048s", k.encode(), v.encode()) for k, v in items.items())
        f = Path(self.tmp) / "kvp_pool_0"
        f.write_bytes(pool)
        r = self.setup_from(t, "--kvp", str(f))
        self.assertIn("answers from Hyper-V KVP", r.stdout)

    def test_a_broken_seed_is_reported_not_skipped(self):
        t = self.tree()
        seed = Path(self.tmp) / "seed"
        seed.mkdir()
        (seed / "answers.toml").write_text("[system]\nhostname = \n")
        before = t.snapshot()
        r = t.run_firstboot("--auto", "--cmdline", "/dev/null", "--seed", str(seed))
        self.assertEqual(r.returncode, 2)
        self.assertIn("answers.toml", r.stderr)
        self.assertEqual(t.snapshot(), before)


class MariadbStore(FirstbootCase):
    def test_database_accounts_with_random_passwords(self):
        db = MariaDB(self.tmp).start()
        self.addCleanup(db.remove)
        uri = f"mariadb://portcullis@unix:{db.socket}/portcullis"
        t = self.tree(store=uri, store_password_file="/etc/portcullis/db.password")
        self.setup_ok(t)
        app = t.path("/etc/portcullis/db.password")
        root_pw = t.path("/etc/portcullis/secrets/mariadb-root.password")
        self.assertMode(app, 0o640, 0, SERVICE_GID)
        self.assertMode(root_pw, 0o600)
        self.assertMode(root_pw.parent, 0o700)
        app_password = app.read_text().strip()
        self.assertRegex(app_password, r"^[A-Za-z0-9]{32}$")
        self.assertNotEqual(app_password, root_pw.read_text().strip())
        # The application account works with its password and sees what the wizard wrote ...
        r = subprocess.run(["mariadb", "--no-defaults", f"--socket={db.socket}", "-uportcullis",
                            f"-p{app_password}", "-N", "-e", "SELECT name, destination_port FROM domains", "portcullis"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.split(), ["example.org", "2525"])
        # ... and not without it.
        r = subprocess.run(["mariadb", "--no-defaults", f"--socket={db.socket}", "-uportcullis", "-pwrong", "-e",
                            "SELECT 1"], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(r.returncode, 0)
        # root: the random password works too
        r = subprocess.run(["mariadb", "--no-defaults", f"--socket={db.socket}", "-uroot",
                            f"-p{root_pw.read_text().strip()}", "-N", "-e", "SELECT 1"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)


if __name__ == "__main__":
    unittest.main()
