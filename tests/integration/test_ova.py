"""appliance/make-ova, make-vhdx and check-ova on a small GPT disk: the packages they make pass
the check, and each kind of damage (a wrong manifest sum, members out of order, a dangling
HostResource, a wrong capacity, ...) is refused with a message that names it.
"""
import hashlib
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import unittest
from pathlib import Path

from harness import keep_tmp

ROOT = Path(__file__).resolve().parents[2]
APPLIANCE = ROOT / "appliance"
VERSION = "1.2.3-test"
BASE = f"portcullis-{VERSION}"
ESP_TYPE = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
ROOT_TYPE = "4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709"


def run(*cmd, env=None, check=False):
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
    return r


def make_disk(path, mib=64):
    """A GPT disk with an ESP (FAT32, one file) and a root partition; not bootable."""
    run("truncate", "-s", f"{mib}M", path, check=True)
    layout = f"label: gpt\nstart=2048, size=20480, type={ESP_TYPE}, name=ESP\ntype={ROOT_TYPE}, name=root\n"
    r = subprocess.run(["sfdisk", "-q", str(path)], input=layout, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    esp = Path(str(path) + ".esp")
    run("mkfs.vfat", "-n", "ESP", "-C", esp, "10240", check=True)
    (esp.parent / "hello.txt").write_text("portcullis\n")
    run("mcopy", "-i", esp, esp.parent / "hello.txt", "::hello.txt", check=True)
    run("dd", f"if={esp}", f"of={path}", "bs=1M", "seek=1", "conv=notrunc,sparse", "status=none", check=True)
    esp.unlink()


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@unittest.skipUnless(all(shutil.which(t) for t in ("qemu-img", "sfdisk", "mkfs.vfat", "mcopy", "xmllint")),
                     "needs qemu-utils, fdisk, dosfstools, mtools and libxml2-utils")
class Ova(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="portcullis-ova."))
        cls.raw = cls.tmp / "disk.raw"
        make_disk(cls.raw)
        cls.out = cls.tmp / "out"
        cls.env = dict(os.environ, SOURCE_DATE_EPOCH="1700000000")
        cls.make_ova = run(APPLIANCE / "make-ova", cls.raw, cls.out, VERSION, env=cls.env)
        cls.make_vhdx = run(APPLIANCE / "make-vhdx", cls.raw, cls.out, VERSION)
        cls.ova = cls.out / f"{BASE}.ova"
        cls.vhdx = cls.out / f"{BASE}.vhdx"

    @classmethod
    def tearDownClass(cls):
        if not keep_tmp():
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.assertEqual(self.make_ova.returncode, 0, self.make_ova.stderr)
        self.assertEqual(self.make_vhdx.returncode, 0, self.make_vhdx.stderr)

    def check(self, ova, *extra):
        return run(APPLIANCE / "check-ova", ova, *extra)

    def assertRefused(self, ova, pattern, *extra):
        r = self.check(ova, *extra)
        self.assertEqual(r.returncode, 1, f"check-ova accepted a damaged package:\n{r.stdout}{r.stderr}")
        self.assertRegex(r.stderr, pattern)
        return r

    def unpacked(self):
        """A fresh copy of the OVA's members in a new folder, and their names in order."""
        d = Path(tempfile.mkdtemp(dir=self.tmp))
        with tarfile.open(self.ova) as tf:
            names = tf.getnames()
            for n in names:
                (d / n).write_bytes(tf.extractfile(n).read())
        return d, names

    def repack(self, folder, names, fix_manifest=True, fmt="ustar"):
        if fix_manifest:
            mf = folder / f"{BASE}.mf"
            mf.write_text("".join(f"SHA256({n})= {sha256(folder / n)}\n" for n in names if not n.endswith(".mf")))
        ova = folder / f"{BASE}.ova"
        run("tar", f"--format={fmt}", "--owner=0", "--group=0", "-C", folder, "-cf", ova, *names, check=True)
        return ova

    def edit_ovf(self, old, new, count=1):
        d, names = self.unpacked()
        ovf = d / f"{BASE}.ovf"
        text = ovf.read_text()
        self.assertIn(old, text)
        ovf.write_text(text.replace(old, new, count))
        return self.repack(d, names)

    # -- what the scripts make ----------------------------------------------------------------
    def test_outputs_are_printed_and_pass_the_check(self):
        self.assertRegex(self.make_ova.stdout, rf"{re.escape(str(self.ova))} \d+ bytes")
        self.assertRegex(self.make_vhdx.stdout, rf"{re.escape(str(self.vhdx))} \d+ bytes")
        r = self.check(self.ova, "--vhdx", self.vhdx)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("OK", r.stdout)

    def test_archive_layout_and_manifest_format(self):
        with tarfile.open(self.ova) as tf:
            members = tf.getmembers()
            self.assertEqual([m.name for m in members], [f"{BASE}.ovf", f"{BASE}.mf", f"{BASE}-disk1.vmdk"])
            self.assertTrue(all(m.uid == 0 and m.gid == 0 and m.mtime == 1700000000 for m in members))
        self.assertEqual(self.ova.read_bytes()[257:265], b"ustar\x0000")
        mf = (self.out / f"{BASE}.mf").read_text()
        self.assertEqual(mf, f"SHA256({BASE}.ovf)= {sha256(self.out / f'{BASE}.ovf')}\n"
                             f"SHA256({BASE}-disk1.vmdk)= {sha256(self.out / f'{BASE}-disk1.vmdk')}\n")

    def test_descriptor_content(self):
        ovf = (self.out / f"{BASE}.ovf").read_text()
        size = self.raw.stat().st_size
        self.assertIn(f'ovf:capacity="{size}"', ovf)
        self.assertIn('vmw:osType="debian12_64Guest"', ovf)
        self.assertIn("<vssd:VirtualSystemType>vmx-14</vssd:VirtualSystemType>", ovf)
        self.assertIn("<rasd:ResourceSubType>vmware.sata.ahci</rasd:ResourceSubType>", ovf)
        self.assertIn("<rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType>", ovf)
        self.assertIn('vmw:key="firmware" vmw:value="efi"', ovf)
        self.assertIn('<Firmware type="EFI"/>', ovf)
        self.assertNotRegex(ovf, r"@[A-Z_]+@")
        info = run("qemu-img", "info", "-f", "vmdk", self.out / f"{BASE}-disk1.vmdk", check=True).stdout
        self.assertIn("streamOptimized", info)
        vhdx = run("qemu-img", "info", "-f", "vhdx", self.vhdx, check=True).stdout
        self.assertIn("cluster_size: 1048576", vhdx)

    def test_properties_are_the_firstboot_answers(self):
        cpp = (ROOT / "firstboot/src/answers.cpp").read_text()
        keys = re.findall(r'"([a-z_]+\.[a-z_0-9]+)"', re.search(r"keys = \{(.*?)\};", cpp, re.S).group(1))
        ovf = (self.out / f"{BASE}.ovf").read_text()
        props = re.findall(r'<Property ovf:key="portcullis\.([a-z_.0-9]+)"', ovf)
        file_names = {"tls.certificate", "tls.key", "tls.chain"}
        self.assertEqual(props, [k for k in keys if k not in file_names])
        for secret in ("admin.password", "tls.key_pem"):
            self.assertRegex(ovf, rf'ovf:key="portcullis\.{re.escape(secret)}"[^>]*ovf:password="true"')

    def test_same_inputs_same_ova(self):
        again = self.tmp / "again"
        run(APPLIANCE / "make-ova", self.raw, again, VERSION, env=self.env, check=True)
        self.assertEqual(sha256(again / f"{BASE}.ova"), sha256(self.ova))

    def test_make_scripts_refuse_bad_input(self):
        plain = self.tmp / "plain.raw"
        run("truncate", "-s", "8M", plain, check=True)
        for script in ("make-ova", "make-vhdx"):
            r = run(APPLIANCE / script, plain, self.tmp / "x", VERSION)
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("not a GPT disk", r.stderr)
            r = run(APPLIANCE / script, self.raw, self.tmp / "x", "1.0/../evil")
            self.assertNotEqual(r.returncode, 0)
            self.assertIn("bad VERSION", r.stderr)
            r = run(APPLIANCE / script, self.raw)
            self.assertEqual(r.returncode, 2)
            self.assertIn("usage:", r.stderr)

    # -- damage check-ova must refuse -----------------------------------------------------------
    def test_wrong_manifest_sum(self):
        d, names = self.unpacked()
        mf = d / f"{BASE}.mf"
        flip = lambda m: m.group(1) + ("1" if m.group(2) == "0" else "0")
        mf.write_text(re.sub(r"(disk1\.vmdk\)= )([0-9a-f])", flip, mf.read_text()))
        ova = self.repack(d, names, fix_manifest=False)
        self.assertRefused(ova, rf"SHA256 mismatch for {re.escape(BASE)}-disk1\.vmdk")

    def test_manifest_in_sha256sum_tag_format(self):
        d, names = self.unpacked()
        (d / f"{BASE}.mf").write_text("".join(f"SHA256 ({n}) = {sha256(d / n)}\n" for n in names if not n.endswith(".mf")))
        self.assertRefused(self.repack(d, names, fix_manifest=False), r"not a line 'SHA256\(file\)= hex'")

    def test_disk_missing_from_manifest(self):
        d, names = self.unpacked()
        (d / f"{BASE}.mf").write_text(f"SHA256({BASE}.ovf)= {sha256(d / f'{BASE}.ovf')}\n")
        self.assertRefused(self.repack(d, names, fix_manifest=False), rf"no SHA256 line for member {re.escape(BASE)}-disk1\.vmdk")

    def test_reordered_members(self):
        d, names = self.unpacked()
        ova = self.repack(d, [names[1], names[0], names[2]], fix_manifest=False)
        self.assertRefused(ova, r"member order: the first member is .*\.mf, not the \.ovf")
        ova = self.repack(d, [names[0], names[2], names[1]], fix_manifest=False)
        self.assertRefused(ova, r"member order: the second member is .*\.vmdk, not the \.mf")

    def test_gnu_tar_is_not_ustar(self):
        d, names = self.unpacked()
        self.assertRefused(self.repack(d, names, fmt="gnu"), r"not a USTAR tar archive")

    def test_dangling_host_resource(self):
        ova = self.edit_ovf("<rasd:HostResource>ovf:/disk/vmdisk1<", "<rasd:HostResource>ovf:/disk/vmdisk9<")
        r = self.assertRefused(ova, r"HostResource ovf:/disk/vmdisk9 names no Disk")
        self.assertIn("Disk vmdisk1 is attached 0 times", r.stderr)

    def test_wrong_capacity(self):
        size = self.raw.stat().st_size
        ova = self.edit_ovf(f'ovf:capacity="{size}"', f'ovf:capacity="{size + 512}"')
        self.assertRefused(ova, rf"Disk vmdisk1 ovf:capacity {size + 512} differs from the virtual size .* \({size} bytes")

    def test_wrong_file_size(self):
        size = (self.out / f"{BASE}-disk1.vmdk").stat().st_size
        ova = self.edit_ovf(f'ovf:size="{size}"', f'ovf:size="{size - 1}"')
        self.assertRefused(ova, rf"ovf:size {size - 1} differs from its size in the archive {size}")

    def test_dangling_file_ref_and_href(self):
        self.assertRefused(self.edit_ovf('ovf:fileRef="file1"', 'ovf:fileRef="file2"'),
                           r"Disk vmdisk1 fileRef file2 names no File")
        self.assertRefused(self.edit_ovf(f'ovf:href="{BASE}-disk1.vmdk"', 'ovf:href="other.vmdk"'),
                           r"href other\.vmdk is not in the archive")

    def test_parent_not_a_controller(self):
        self.assertRefused(self.edit_ovf("<rasd:Parent>3</rasd:Parent>", "<rasd:Parent>2</rasd:Parent>"),
                           r"Item 4 Parent 2 is not a controller")
        self.assertRefused(self.edit_ovf("<rasd:Parent>3</rasd:Parent>", "<rasd:Parent>42</rasd:Parent>"),
                           r"Item 4 Parent 42 names no Item's InstanceID")

    def test_missing_sections_and_properties(self):
        self.assertRefused(self.edit_ovf('ovf:key="portcullis.mail.destination"', 'ovf:key="portcullis.mail.dest"'),
                           r"no Property portcullis\.mail\.destination")
        ova = self.edit_ovf("<NetworkSection>", "<OtherSection>")
        r = self.check(ova)
        self.assertEqual(r.returncode, 1)
        self.assertIn("not well-formed XML", r.stderr)  # the end tag no longer matches
        d, names = self.unpacked()
        ovf = d / f"{BASE}.ovf"
        ovf.write_text(re.sub(r"<NetworkSection>.*?</NetworkSection>", "", ovf.read_text(), flags=re.S))
        self.assertRefused(self.repack(d, names), r"no NetworkSection in the Envelope")
        self.assertRefused(self.edit_ovf('vmw:key="firmware" vmw:value="efi"', 'vmw:key="firmware" vmw:value="bios"'),
                           r"no vmw:Config firmware=efi")
        self.assertRefused(self.edit_ovf("<vssd:VirtualSystemType>vmx-14<", "<vssd:VirtualSystemType>virtualbox-2.2<"),
                           r"VirtualSystemType 'virtualbox-2.2' names no vmx-NN")

    def test_malformed_descriptor(self):
        self.assertRefused(self.edit_ovf("</References>", "</Reference>"), r"not well-formed XML")

    def test_vhdx_of_another_size(self):
        other = self.tmp / "other.raw"
        make_disk(other, mib=80)
        out = self.tmp / "vhdx80"
        run(APPLIANCE / "make-vhdx", other, out, VERSION, check=True)
        self.assertRefused(self.ova, r"virtual size 83886080 differs from the OVA disk's 67108864",
                           "--vhdx", out / f"{BASE}.vhdx")
        self.assertRefused(self.ova, r"not a VHDX image", "--vhdx", self.raw)


if __name__ == "__main__":
    unittest.main()
