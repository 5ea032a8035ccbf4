"""The appliance as it ships, booted: the OVA's disk and the VHDX are checked, then the OVA's
VMDK boots in qemu (UEFI, Secure Boot, TCG, user-mode networking only) with a seed disk
labelled PORTCULLIS. First boot must apply the seed's answers by itself; then, from this host
through forwarded loopback ports: the SMTP banner, STARTTLS, a message relayed to a sink on
this host, every service active, the daemon's unit rated <= 1.5 by systemd-analyze, no
listening port beyond the documented ones, a clean shutdown. A second copy of the same image
must come up, on VMware's virtual hardware (AHCI disk, VMXNET3 NIC), with its own
machine-id, SSH host keys and database passwords.

APPLIANCE_DIR (default build/appliance) holds portcullis-VERSION.ova and .vhdx
(`make appliance`); `make appliance-test` builds them first.
"""
import os
import re
import shutil
import smtplib
import ssl
import subprocess
import sys
import tarfile
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import Sink, free_port, keep_tmp, make_message, wait_until  # noqa: E402
from qemu_vm import SINK_ADDRESS, SINK_GUEST_PORT, ApplianceVM, make_seed  # noqa: E402
from scanners import EICAR, GTUBE  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
APPLIANCE_DIR = Path(os.environ.get("APPLIANCE_DIR", REPO / "build" / "appliance"))
ANSWERS = f"""\
[system]
hostname = "mx.appliance.test"
timezone = "Europe/Zurich"
[admin]
user = "mailadmin"
password = "Boot-Test-Password-2026"
email = "admin@elsewhere.test"
[mail]
domain = "appliance.test"
destination = "{SINK_ADDRESS}:{SINK_GUEST_PORT}"
"""
# Services that must be running on a set-up appliance.
SERVICES = ["portcullisd", "mariadb", "unbound", "nftables", "chrony", "ssh", "spamd", "clamav-freshclam",
            "clamav-daemon", "portcullis-clamav-signatures.path",
            "systemd-networkd", "qemu-guest-agent", "unattended-upgrades", "portcullis-firstboot"]
# A scan under TCG is slow (spamd's rules in Perl): the end of DATA may take a while.
SMTP_TIMEOUT = 180
# Ports open to the network (docs/appliance.md): SMTP, submission, SSH. Everything else listens
# on loopback only (unbound 53, spamd 783, chrony's command port) or not at all.
PUBLIC_PORTS = {25, 587, 22}
# systemd-networkd's DHCP clients keep their UDP ports (68, DHCPv6 546) open to renew leases.
DHCP_CLIENT_PORTS = {68, 546}


def image(suffix):
    found = sorted(APPLIANCE_DIR.glob(f"portcullis-*{suffix}"))
    if not found:
        raise AssertionError(f"no portcullis-*{suffix} in {APPLIANCE_DIR}: run make appliance")
    return found[-1]


class Appliance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="portcullis-e2e."))
        cls.ova, cls.vhdx = image(".ova"), image(".vhdx")
        r = subprocess.run([str(REPO / "appliance" / "check-ova"), str(cls.ova), "--vhdx", str(cls.vhdx)],
                           capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            raise AssertionError(f"check-ova failed:\n{r.stdout}{r.stderr}")
        with tarfile.open(cls.ova) as t:
            vmdk = next(m for m in t.getmembers() if m.name.endswith(".vmdk"))
            t.extract(vmdk, cls.tmp)
        cls.vmdk = cls.tmp / vmdk.name
        cls.seed = make_seed(cls.tmp / "seed.img", ANSWERS)

    @classmethod
    def tearDownClass(cls):
        if not keep_tmp():
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def boot(self, name, sink_port, hardware="virtio"):
        vm = ApplianceVM(self.tmp, self.vmdk, seed=self.seed, smtp_port=free_port(), sink_port=sink_port, name=name,
                         hardware=hardware)
        self.addCleanup(vm.kill)
        vm.start()
        vm.wait_for_agent()
        vm.wait_until_set_up()
        return vm

    def secrets(self, vm):
        out = {}
        for name, cmd in {"machine-id": "cat /etc/machine-id",
                          "ssh": "cat /etc/ssh/ssh_host_ed25519_key.pub",
                          "db": "cat /etc/portcullis/db.password",
                          "dbroot": "cat /etc/portcullis/secrets/mariadb-root.password"}.items():
            status, text = vm.run(cmd)
            self.assertEqual(status, 0, f"{cmd}: {text}")
            out[name] = text.strip()
        return out

    def test_first_boot_mail_services_and_a_second_copy(self):
        sink = Sink(self.tmp).start()
        self.addCleanup(sink.stop)
        vm = self.boot("first", sink.port)

        # Secure Boot was on.
        status, text = vm.run("dmesg | grep -i 'secure boot'")
        self.assertIn("Secure boot enabled", text)

        # SMTP from this host: banner, STARTTLS. No virus signatures yet (nothing is downloaded
        # here): clamd does not run, so mail is deferred, not lost, and status says why.
        with smtplib.SMTP("127.0.0.1", vm.smtp_port, timeout=SMTP_TIMEOUT) as s:
            code, banner = s.ehlo("client.test")
            self.assertEqual(code, 250)
            self.assertIn("starttls", s.esmtp_features)
            self.assertIn(b"mx.appliance.test", banner)
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s.starttls(context=ctx)
            s.ehlo("client.test")
            with self.assertRaises(smtplib.SMTPDataError) as deferred:
                s.sendmail("someone@sender.test", ["user@appliance.test"],
                           make_message("before the signatures", ["hello"], to="user@appliance.test"))
        self.assertEqual(deferred.exception.smtp_code, 451, deferred.exception)
        self.assertIn(b"4.7.1", deferred.exception.smtp_error)
        status, text = vm.run("portcullis status")
        self.assertRegex(text, r"(?m)^clamd\s+down: .*No such file or directory", text)
        status, text = vm.run("systemctl is-active clamav-daemon")
        self.assertEqual(text.strip(), "inactive")

        # Signatures arrive (as freshclam would put them): clamd starts by itself, mail flows,
        # EICAR is refused and GTUBE (scored by spamd) too.
        vm.give_virus_signatures()
        with smtplib.SMTP("127.0.0.1", vm.smtp_port, timeout=SMTP_TIMEOUT) as s:
            s.sendmail("someone@sender.test", ["user@appliance.test"],
                       make_message("through the appliance", ["hello"], to="user@appliance.test"))
            with self.assertRaises(smtplib.SMTPDataError) as virus:
                s.sendmail("someone@sender.test", ["user@appliance.test"],
                           make_message("a virus", [EICAR.decode()], to="user@appliance.test"))
            with self.assertRaises(smtplib.SMTPDataError) as spam:
                s.sendmail("someone@sender.test", ["user@appliance.test"],
                           make_message("buy now", [GTUBE.decode()], to="user@appliance.test"))
        self.assertEqual(virus.exception.smtp_code, 554, virus.exception)
        self.assertIn(b"Eicar-Test-Signature", virus.exception.smtp_error)
        self.assertEqual(spam.exception.smtp_code, 550, spam.exception)
        wait_until(lambda: len(sink.messages()) >= 1, 120, "the relayed message at the sink")
        self.assertIn(b"through the appliance", sink.messages()[0].data)
        self.assertEqual(len(sink.messages()), 1)
        status, text = vm.run("portcullis status")
        self.assertRegex(text, r"(?m)^spamd\s+up$", text)

        # Every service up.
        for unit in SERVICES:
            status, text = vm.run(f"systemctl is-active {unit}")
            self.assertEqual(text.strip(), "active", unit)
        # The gateway's unit is hardened.
        status, text = vm.run("systemd-analyze security portcullisd.service --no-pager | tail -1")
        m = re.search(r"exposure level for portcullisd.service: ([0-9.]+)", text)
        self.assertIsNotNone(m, text)
        self.assertLessEqual(float(m.group(1)), 1.5, text)
        # Nothing else listens on the network.
        status, text = vm.run("ss -H -ltnu")
        public = set()
        for line in text.splitlines():
            netid, local = line.split()[0], line.split()[4]
            host, port = local.rsplit(":", 1)
            loopback = host.startswith("127.") or host in ("[::1]", "::1") or host.startswith("[::ffff:127.")
            if not loopback and not (netid == "udp" and int(port) in DHCP_CLIENT_PORTS):
                public.add((netid, int(port)))
        self.assertLessEqual(public, {("tcp", p) for p in PUBLIC_PORTS}, text)

        first = self.secrets(vm)
        self.assertTrue(vm.shutdown(), "clean shutdown")

        # A second copy of the same image, same seed, on VMware's virtual hardware (SATA disk,
        # VMXNET3 NIC): its own identity and secrets, and mail flows there too.
        vm2 = self.boot("second", sink.port, hardware="vmware")
        vm2.give_virus_signatures()
        second = self.secrets(vm2)
        status, text = vm2.run("for n in /sys/class/net/en*; do basename $(readlink -f $n/device/driver); done; "
                               "findmnt -no SOURCE /")
        self.assertIn("vmxnet3", text.split())
        self.assertRegex(text, r"/dev/sda2")  # the root on the SATA disk, not virtio's vda
        with smtplib.SMTP("127.0.0.1", vm2.smtp_port, timeout=SMTP_TIMEOUT) as s:
            s.sendmail("someone@sender.test", ["user2@appliance.test"],
                       make_message("through the second copy", ["hello"], to="user2@appliance.test"))
        wait_until(lambda: len(sink.messages()) >= 2, 120, "the second copy's message at the sink")
        for key in first:
            self.assertNotEqual(first[key], second[key], key)
        self.assertTrue(vm2.shutdown(), "clean shutdown")


if __name__ == "__main__":
    unittest.main()
