"""appliance/packer: `packer validate` accepts the templates with their required variables, and
refuses a bad accelerator, a missing .deb, an unset variable and a missing template. No
network: the ISO checksum is given as a value (a file: checksum would be downloaded) and
Packer's update check is off.
"""
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from harness import keep_tmp

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = "appliance/packer"


@unittest.skipUnless(shutil.which("packer"), "needs packer")
class PackerTemplates(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="portcullis-packer."))
        cls.deb = cls.tmp / "portcullis_0.0.0-test_amd64.deb"
        cls.deb.write_bytes(b"!<arch>\n")
        cls.env = dict(os.environ, CHECKPOINT_DISABLE="1", PACKER_CACHE_DIR=str(cls.tmp / "cache"),
                       HOME=str(cls.tmp), http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9")

    @classmethod
    def tearDownClass(cls):
        if not keep_tmp():
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def variables(self, **override):
        v = {"version": "0.0.0-test", "deb": str(self.deb), "build_password": "0123456789abcdef",
             "iso_checksum": "sha256:" + "0" * 64, "accelerator": "tcg"}
        v.update(override)
        return [a for k, val in v.items() if val is not None for a in ("-var", f"{k}={val}")]

    def packer(self, *args):
        return subprocess.run(["packer", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)

    def validate(self, template=TEMPLATES, **override):
        return self.packer("validate", *self.variables(**override), template)

    def assertFails(self, r, pattern):
        self.assertNotEqual(r.returncode, 0, f"packer validate accepted it:\n{r.stdout}{r.stderr}")
        self.assertRegex(r.stdout + r.stderr, pattern)

    def test_templates_validate(self):
        r = self.validate()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.validate(accelerator="kvm")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_templates_are_formatted(self):
        r = self.packer("fmt", "-check", TEMPLATES)
        self.assertEqual(r.returncode, 0, f"packer fmt would change: {r.stdout}{r.stderr}")

    def test_bad_accelerator(self):
        self.assertFails(self.validate(accelerator="xen"), r"accelerator must be kvm or tcg")

    def test_missing_deb(self):
        self.assertFails(self.validate(deb=str(self.tmp / "portcullis_9_amd64.deb")), r"Bad source .*portcullis_9_amd64\.deb")

    def test_unset_variable(self):
        self.assertFails(self.validate(version=None), r'Unset variable "version"')
        self.assertFails(self.validate(build_password=None), r'Unset variable "build_password"')

    def test_missing_template(self):
        self.assertFails(self.validate(template="appliance/packer/missing.pkr.hcl"), r"missing\.pkr\.hcl")

    def test_preseed(self):
        preseed = (ROOT / TEMPLATES / "http/preseed.cfg").read_text()
        # no password in the served file: it comes on the kernel command line
        self.assertNotRegex(preseed, r"(?m)^d-i passwd/(root|user)-password")
        self.assertIn("d-i passwd/root-login boolean false", preseed)
        self.assertIn("partman-partitioning/choose_label select gpt", preseed)
        self.assertIn("method{ efi }", preseed)
        self.assertIn("grub-efi-amd64 grub2/force_efi_extra_removable boolean true", preseed)
        self.assertRegex(preseed, r"pkgsel/include string .*openssh-server")
        template = (ROOT / TEMPLATES / "portcullis.pkr.hcl").read_text()
        self.assertRegex(template, r"userdel --force --remove packer-build")
        self.assertRegex(template, r"provisioning/provision --deb /tmp/")
        self.assertRegex(template, r"appliance/make-ova")
        self.assertRegex(template, r"appliance/make-vhdx")
        self.assertTrue(re.search(r"if=pflash,unit=0,format=raw,readonly=on", template))


if __name__ == "__main__":
    unittest.main()
