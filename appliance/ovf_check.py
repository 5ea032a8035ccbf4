#!/usr/bin/env python3
"""Checks an OVA (and optionally the VHDX of the same release); used by appliance/check-ova.

    ovf_check.py OVA [--vhdx VHDX]

What is checked, in order (the first three stop the run, the rest are all reported):
  the archive: a USTAR tar of plain files with plain names, the .ovf first, the .mf second,
      no name twice;
  the manifest: lines "SHA256(name)= hex", one per other member, each sum right;
  the descriptor: well-formed (xmllint --noout), an OVF 1.0 Envelope with References,
      DiskSection, NetworkSection and one VirtualSystem with OperatingSystemSection,
      VirtualHardwareSection and ProductSection; every File href a member of that ovf:size;
      every member but the .ovf and .mf a File; every Disk fileRef a File and its ovf:capacity
      the file's virtual size (qemu-img info); every HostResource a Disk (or File); every
      Parent the InstanceID of a controller; every NIC Connection a Network; EFI firmware for
      VMware and VirtualBox; the guestInfo transport; one ovf:Property per first-boot answer
      (firstboot/src/answers.cpp), the password ones with ovf:password="true";
  the disks: qemu-img check; with --vhdx also qemu-img check, format vhdx and the OVA
      disk's virtual size.
Exit status 0 when all is well, 1 with one "check-ova: ..." line per problem, 2 bad usage.
Python 3 standard library plus qemu-img and xmllint.
"""
import hashlib
import json
import os
import re
import subprocess
import sys
import tarfile
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

OVF = "http://schemas.dmtf.org/ovf/envelope/1"
RASD = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
VSSD = "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData"
VMW = "http://www.vmware.com/schema/ovf"
VBOX = "http://www.virtualbox.org/ovf/machine"
STREAM_OPTIMIZED = "http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"
# CIM resource types that can be a disk's Parent: IDE, parallel SCSI, FC, iSCSI, IB, other
# storage (SATA, NVMe).
CONTROLLER_TYPES = {"5", "6", "7", "8", "9", "20"}
# first-boot answers that are no OVF property: file names relative to an answers file.
NOT_PROPERTIES = {"tls.certificate", "tls.key", "tls.chain"}
PASSWORD_KEYS = {"admin.password", "tls.key_pem"}
FALLBACK_KEYS = ["system.hostname", "admin.password", "admin.email", "mail.destination"]
ANSWERS_CPP = Path(__file__).resolve().parent.parent / "firstboot" / "src" / "answers.cpp"
MANIFEST_LINE = re.compile(r"SHA256\(([^()/\\]+)\)= ([0-9a-f]{64})")


class Fatal(Exception):
    pass


def q(tag, ns=OVF):
    return f"{{{ns}}}{tag}"


def answer_keys():
    """The first-boot answer keys, from the keys vector of firstboot/src/answers.cpp."""
    try:
        text = ANSWERS_CPP.read_text(encoding="utf-8")
    except OSError:
        return FALLBACK_KEYS
    m = re.search(r"std::vector<std::string>\s+keys\s*=\s*\{(.*?)\};", text, re.S)
    if not m:
        raise Fatal(f"{ANSWERS_CPP}: no keys vector found")
    return re.findall(r'"([a-z0-9_]+\.[a-z0-9_]+)"', m.group(1))


def qemu_img(*args):
    r = subprocess.run(["qemu-img", *args], capture_output=True, text=True)
    return r.returncode, r.stdout + r.stderr


def qemu_info(path, fmt):
    code, out = qemu_img("info", "--output=json", "-f", fmt, str(path))
    if code != 0:
        raise ValueError(out.strip())
    return json.loads(out)


class Checker:
    def __init__(self, ova, vhdx, work):
        self.ova, self.vhdx, self.work = Path(ova), Path(vhdx) if vhdx else None, Path(work)
        self.problems = []

    def problem(self, text):
        self.problems.append(text)

    # -- the archive ---------------------------------------------------------------------------
    def read_tar(self):
        name = self.ova.name
        try:
            with open(self.ova, "rb") as f:
                head = f.read(512)
        except OSError as e:
            raise Fatal(f"{self.ova}: {e.strerror}")
        if len(head) < 512 or head[257:263] != b"ustar\0" or head[263:265] != b"00":
            raise Fatal(f"{name}: not a USTAR tar archive (tar --format=ustar)")
        try:
            tf = tarfile.open(self.ova, "r:")
        except tarfile.TarError as e:
            raise Fatal(f"{name}: unreadable tar archive: {e}")
        with tf:
            members = tf.getmembers()
            if tf.pax_headers or any(m.pax_headers for m in members):
                raise Fatal(f"{name}: has pax extended headers (not plain USTAR)")
            names = [m.name for m in members]
            for m in members:
                if not m.isreg():
                    raise Fatal(f"{name}: member {m.name} is not a regular file")
                if "/" in m.name or m.name in ("", ".", "..") or m.name.startswith("."):
                    raise Fatal(f"{name}: member name {m.name!r} is not a plain file name")
            dup = sorted({n for n in names if names.count(n) > 1})
            if dup:
                raise Fatal(f"{name}: member(s) stored twice: {', '.join(dup)}")
            if not names:
                raise Fatal(f"{name}: empty archive")
            ovfs = [n for n in names if n.endswith(".ovf")]
            if len(ovfs) != 1:
                raise Fatal(f"{name}: {len(ovfs)} .ovf descriptors (want exactly one)")
            if not names[0].endswith(".ovf"):
                raise Fatal(f"{name}: member order: the first member is {names[0]}, not the .ovf descriptor")
            if len(names) < 2 or not names[1].endswith(".mf"):
                second = names[1] if len(names) > 1 else "missing"
                raise Fatal(f"{name}: member order: the second member is {second}, not the .mf manifest")
            for m in members:
                src = tf.extractfile(m)
                with open(self.work / m.name, "wb") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            self.members = {m.name: m.size for m in members}
            self.ovf_name, self.mf_name = names[0], names[1]

    # -- the manifest --------------------------------------------------------------------------
    def check_manifest(self):
        mf = self.mf_name
        try:
            text = (self.work / mf).read_text(encoding="ascii")
        except UnicodeDecodeError:
            raise Fatal(f"{mf}: not ASCII text")
        sums = {}
        for no, line in enumerate(text.splitlines(), 1):
            m = MANIFEST_LINE.fullmatch(line)
            if not m:
                raise Fatal(f"{mf}:{no}: not a line 'SHA256(file)= hex': {line!r}")
            if m.group(1) in sums:
                raise Fatal(f"{mf}:{no}: {m.group(1)} listed twice")
            sums[m.group(1)] = m.group(2)
        if not text.endswith("\n"):
            self.problem(f"{mf}: the last line has no newline")
        for f in self.members:
            if f != mf and f not in sums:
                self.problem(f"{mf}: no SHA256 line for member {f}")
        bad = False
        for f, want in sums.items():
            if f not in self.members:
                self.problem(f"{mf}: lists {f}, which is not in the archive")
                bad = True
                continue
            h = hashlib.sha256()
            with open(self.work / f, "rb") as fh:
                while chunk := fh.read(1 << 20):
                    h.update(chunk)
            if h.hexdigest() != want:
                self.problem(f"{mf}: SHA256 mismatch for {f}: manifest {want}, file {h.hexdigest()}")
                bad = True
        if bad:
            raise Fatal("the manifest does not match the archive; the descriptor was not checked")

    # -- the descriptor ------------------------------------------------------------------------
    def check_descriptor(self):
        ovf = self.work / self.ovf_name
        r = subprocess.run(["xmllint", "--noout", "--nonet", str(ovf)], capture_output=True, text=True)
        if r.returncode != 0:
            raise Fatal(f"{self.ovf_name}: not well-formed XML: {r.stderr.strip()}")
        root = ET.parse(ovf).getroot()
        name = self.ovf_name
        if root.tag != q("Envelope"):
            raise Fatal(f"{name}: the root element is {root.tag}, not an OVF 1.0 Envelope ({OVF})")

        def section(parent, tag, where):
            found = parent.findall(q(tag))
            if not found:
                self.problem(f"{name}: no {tag} in {where}")
            elif len(found) > 1:
                self.problem(f"{name}: {len(found)} {tag} elements in {where}")
            return found[0] if found else None

        refs = section(root, "References", "the Envelope")
        disks_sec = section(root, "DiskSection", "the Envelope")
        nets_sec = section(root, "NetworkSection", "the Envelope")
        vs = section(root, "VirtualSystem", "the Envelope")

        # References: every File a member of its size, every member (but .ovf/.mf) a File
        files = {}
        for f in refs.findall(q("File")) if refs is not None else []:
            fid, href, size = f.get(q("id")), f.get(q("href")), f.get(q("size"))
            if not fid or not href:
                self.problem(f"{name}: a File without ovf:id or ovf:href")
                continue
            if fid in files:
                self.problem(f"{name}: File id {fid} is used twice")
            files[fid] = href
            if href not in self.members:
                self.problem(f"{name}: File {fid} href {href} is not in the archive")
            elif size is None:
                self.problem(f"{name}: File {fid} ({href}) has no ovf:size")
            elif size != str(self.members[href]):
                self.problem(f"{name}: File {fid} ({href}) ovf:size {size} differs from its size in the archive {self.members[href]}")
        for member in self.members:
            if member not in (self.ovf_name, self.mf_name) and member not in files.values():
                self.problem(f"{name}: archive member {member} is not a File in References")

        # DiskSection: fileRef names a File, capacity = the file's virtual size
        self.disks = {}
        for d in disks_sec.findall(q("Disk")) if disks_sec is not None else []:
            did, ref, cap = d.get(q("diskId")), d.get(q("fileRef")), d.get(q("capacity"))
            if not did:
                self.problem(f"{name}: a Disk without ovf:diskId")
                continue
            if did in self.disks:
                self.problem(f"{name}: Disk id {did} is used twice")
            self.disks[did] = d
            if ref not in files:
                self.problem(f"{name}: Disk {did} fileRef {ref} names no File in References")
                continue
            href = files[ref]
            fmt = d.get(q("format"))
            if fmt != STREAM_OPTIMIZED:
                self.problem(f"{name}: Disk {did} ovf:format is {fmt}, not {STREAM_OPTIMIZED}")
            units = d.get(q("capacityAllocationUnits"), "byte")
            if units != "byte":
                self.problem(f"{name}: Disk {did} ovf:capacityAllocationUnits is {units}, not byte")
            if href not in self.members:
                continue
            try:
                info = qemu_info(self.work / href, "vmdk")
            except ValueError as e:
                self.problem(f"{href}: qemu-img info fails: {e}")
                continue
            ctype = info.get("format-specific", {}).get("data", {}).get("create-type")
            if ctype != "streamOptimized":
                self.problem(f"{href}: VMDK create type {ctype}, not streamOptimized")
            vsize = info["virtual-size"]
            if cap is None or not cap.isdigit():
                self.problem(f"{name}: Disk {did} ovf:capacity {cap!r} is not a number of bytes")
            elif int(cap) != vsize:
                self.problem(f"{name}: Disk {did} ovf:capacity {cap} differs from the virtual size of {href} ({vsize} bytes, qemu-img info)")
            pop = d.get(q("populatedSize"))
            if pop is not None and (not pop.isdigit() or int(pop) > vsize):
                self.problem(f"{name}: Disk {did} ovf:populatedSize {pop} is not a size within the capacity {vsize}")
            code, out = qemu_img("check", "-f", "vmdk", str(self.work / href))
            if code != 0:
                self.problem(f"{href}: qemu-img check fails: {out.strip()}")
            self.capacity = vsize

        networks = set()
        for n in nets_sec.findall(q("Network")) if nets_sec is not None else []:
            networks.add(n.get(q("name")))

        if vs is None:
            return
        section(vs, "OperatingSystemSection", "the VirtualSystem")
        hw = section(vs, "VirtualHardwareSection", "the VirtualSystem")
        product = section(vs, "ProductSection", "the VirtualSystem")
        if hw is not None:
            self.check_hardware(hw, networks)
        if product is not None:
            self.check_product(product)
        self.check_vbox(vs)

    def check_hardware(self, hw, networks):
        name = self.ovf_name
        vtype = hw.findtext(f"{q('System')}/{q('VirtualSystemType', VSSD)}")
        if not vtype or not any(t.strip().startswith("vmx-") for t in vtype.split(",")):
            self.problem(f"{name}: VirtualSystemType {vtype!r} names no vmx-NN hardware version (ESXi refuses it)")
        if "com.vmware.guestInfo" not in (hw.get(q("transport")) or "").split():
            self.problem(f"{name}: VirtualHardwareSection has no ovf:transport com.vmware.guestInfo (the first-boot answers would not reach the guest)")
        items = {}
        for item in hw.findall(q("Item")):
            iid = item.findtext(q("InstanceID", RASD))
            if not iid:
                self.problem(f"{name}: an Item without InstanceID")
                continue
            if iid in items:
                self.problem(f"{name}: Item InstanceID {iid} is used twice")
            items[iid] = item
        attached = []
        for iid, item in items.items():
            rtype = item.findtext(q("ResourceType", RASD))
            parent = item.findtext(q("Parent", RASD))
            if parent is not None:
                if parent not in items:
                    self.problem(f"{name}: Item {iid} Parent {parent} names no Item's InstanceID")
                elif items[parent].findtext(q("ResourceType", RASD)) not in CONTROLLER_TYPES:
                    self.problem(f"{name}: Item {iid} Parent {parent} is not a controller (ResourceType {items[parent].findtext(q('ResourceType', RASD))})")
            for hr in item.findall(q("HostResource", RASD)):
                m = re.fullmatch(r"(?:ovf:)?/(disk|file)/(.+)", (hr.text or "").strip())
                if not m:
                    self.problem(f"{name}: Item {iid} HostResource {hr.text!r} is neither ovf:/disk/ID nor ovf:/file/ID")
                elif m.group(1) == "disk":
                    if m.group(2) not in self.disks:
                        self.problem(f"{name}: Item {iid} HostResource {hr.text} names no Disk in DiskSection")
                    else:
                        attached.append(m.group(2))
                        if parent is None:
                            self.problem(f"{name}: disk Item {iid} has no Parent controller")
            if rtype == "10":
                conn = item.findtext(q("Connection", RASD))
                if conn not in networks:
                    self.problem(f"{name}: NIC Item {iid} Connection {conn!r} names no Network in NetworkSection")
        for did in self.disks:
            if attached.count(did) != 1:
                self.problem(f"{name}: Disk {did} is attached {attached.count(did)} times (want once)")
        config = {c.get(q("key", VMW)): c.get(q("value", VMW)) for c in hw.findall(q("Config", VMW))}
        if config.get("firmware") != "efi":
            self.problem(f"{name}: no vmw:Config firmware=efi (VMware would boot it with BIOS)")

    def check_product(self, product):
        name = self.ovf_name
        props = {}
        for p in product.iter(q("Property")):
            key = p.get(q("key"))
            if key in props:
                self.problem(f"{name}: Property {key} is declared twice")
            props[key] = p
        for k in ("Product", "Vendor", "Version", "FullVersion"):
            if not (product.findtext(q(k)) or "").strip():
                self.problem(f"{name}: ProductSection has no {k}")
        for key in answer_keys():
            if key in NOT_PROPERTIES:
                continue
            p = props.get("portcullis." + key)
            if p is None:
                self.problem(f"{name}: ProductSection has no Property portcullis.{key}")
                continue
            if p.get(q("userConfigurable")) != "true":
                self.problem(f"{name}: Property portcullis.{key} is not ovf:userConfigurable=\"true\"")
            if key in PASSWORD_KEYS and p.get(q("password")) != "true":
                self.problem(f"{name}: Property portcullis.{key} is a secret without ovf:password=\"true\"")
            if p.get(q("value"), ""):
                self.problem(f"{name}: Property portcullis.{key} has a default value (defaults must be empty so the console wizard can run)")

    def check_vbox(self, vs):
        name = self.ovf_name
        machine = vs.find(q("Machine", VBOX))
        if machine is None:
            self.problem(f"{name}: no vbox:Machine section (VirtualBox would import it with BIOS firmware)")
            return
        if machine.get(q("required")) != "false":
            self.problem(f"{name}: vbox:Machine is not ovf:required=\"false\" (VMware would refuse the OVF)")
        # VirtualBox reads its settings by local name; exports leave them in the default
        # (OVF) namespace.
        def local(e):
            return e.tag.rsplit("}", 1)[-1]
        fws = [fw for hwe in machine if local(hwe) == "Hardware" for fw in hwe if local(fw) == "Firmware"]
        if not fws or fws[0].get("type") != "EFI":
            self.problem(f"{name}: vbox:Machine has no <Firmware type=\"EFI\"/>")
        disk_uuids = {d.get(q("uuid", VBOX)) for d in self.disks.values()}
        for image in (e for e in machine.iter() if local(e) == "Image"):
            if image.get("uuid", "").strip("{}") not in disk_uuids:
                self.problem(f"{name}: vbox:Machine attaches image {image.get('uuid')}, which is no Disk's vbox:uuid")

    # -- the VHDX ------------------------------------------------------------------------------
    def check_vhdx(self):
        v = self.vhdx
        if not v.is_file():
            self.problem(f"{v}: no such file")
            return
        try:
            info = qemu_info(v, "vhdx")
        except ValueError as e:
            self.problem(f"{v}: not a VHDX image: {e}")
            return
        code, out = qemu_img("check", "-f", "vhdx", str(v))
        if code != 0:
            self.problem(f"{v}: qemu-img check fails: {out.strip()}")
        cap = getattr(self, "capacity", None)
        if cap is not None and info["virtual-size"] != cap:
            self.problem(f"{v}: virtual size {info['virtual-size']} differs from the OVA disk's {cap}")

    def run(self):
        self.read_tar()
        self.check_manifest()
        self.check_descriptor()
        if self.vhdx:
            self.check_vhdx()


def main(argv):
    args, vhdx = [], None
    it = iter(argv[1:])
    for a in it:
        if a == "--vhdx":
            vhdx = next(it, None)
            if vhdx is None:
                print("check-ova: --vhdx needs a file", file=sys.stderr)
                return 2
        elif a.startswith("--vhdx="):
            vhdx = a.split("=", 1)[1]
        elif a.startswith("-"):
            print(f"check-ova: unknown option {a}", file=sys.stderr)
            return 2
        else:
            args.append(a)
    if len(args) != 1:
        print("usage: check-ova OVA [--vhdx VHDX]", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="check-ova.") as work:
        c = Checker(args[0], vhdx, work)
        try:
            c.run()
        except Fatal as e:
            c.problems.append(str(e))
    for p in c.problems:
        print(f"check-ova: {p}", file=sys.stderr)
    if c.problems:
        return 1
    print(f"{args[0]}: OK" + (f" (and {vhdx})" if vhdx else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
