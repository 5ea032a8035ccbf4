"""The appliance booted in qemu for the end-to-end tests: UEFI with Secure Boot (OVMF with
Microsoft's keys), TCG (this machine's KVM cannot run UEFI guests, see
../shared/appliance-notes.md), user-mode networking only, the guest agent on a unix socket.

    vm = ApplianceVM(workdir, disk, seed=seed_img, smtp_port=p, sink_port=s); vm.start()
    vm.wait_for_agent(); vm.run("systemctl is-active portcullisd")  -> (status, output)
    vm.shutdown()

Traffic stays on this host: the guest reaches only 10.0.2.100:2525, which qemu forwards to
the sink on 127.0.0.1 (guestfwd); the host reaches the guest's port 25 on 127.0.0.1:smtp_port.
"""
import base64
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))
from harness import wait_until  # noqa: E402
from scanners import EICAR  # noqa: E402

OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd"
OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd"
SINK_ADDRESS = "10.0.2.100"
SINK_GUEST_PORT = 2525
# A virus signature database the tests write into the guest (nothing is downloaded): the EICAR
# test string as a ClamAV body signature. The appliance's clamd starts with any database
# (provisioning/steps/30-clamav.sh), as it would once freshclam has fetched ClamAV's.
TEST_SIGNATURES = "/var/lib/clamav/portcullis-test.ndb"
EICAR_NDB = f"Eicar-Test-Signature:0:*:{EICAR.hex()}\n"


def make_seed(path, answers_text):
    """A small FAT disk labelled PORTCULLIS holding answers.toml (mtools: nothing is mounted)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    subprocess.run(["mkfs.vfat", "-n", "PORTCULLIS", "-C", str(path), "4096"], check=True, capture_output=True)
    answers = path.with_suffix(".toml")
    answers.write_text(answers_text)
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")
    subprocess.run(["mcopy", "-i", str(path), str(answers), "::answers.toml"], check=True, env=env)
    return path


class ApplianceVM:
    # hardware: "virtio" (KVM-like), or "vmware" (what the OVA asks for: the disk on a SATA/AHCI
    # controller, a VMXNET3 NIC), so the initramfs and the NIC naming of both are exercised.
    def __init__(self, workdir, disk, seed=None, smtp_port=None, sink_port=None, memory=2048, name="vm",
                 hardware="virtio", extra_disks=()):
        self.hardware = hardware
        self.extra_disks = list(extra_disks)  # raw images attached read-only (e.g. a bundle disk)
        self.dir = Path(workdir) / name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.disk = Path(disk)
        self.seed = seed
        self.smtp_port = smtp_port
        self.sink_port = sink_port
        self.memory = memory
        self.agent = self.dir / "qga.sock"
        self.console = self.dir / "console.log"
        self.proc = None
        self._sync_id = 0

    def start(self):
        overlay = self.dir / "overlay.qcow2"
        fmt = "vmdk" if self.disk.suffix == ".vmdk" else "raw"
        overlay.unlink(missing_ok=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-F", fmt, "-b", str(self.disk), str(overlay)],
                       check=True)
        vars_fd = self.dir / "vars.fd"
        shutil.copy(OVMF_VARS, vars_fd)
        fwd = [f"hostfwd=tcp:127.0.0.1:{self.smtp_port}-:25"] if self.smtp_port else []
        if self.sink_port:
            fwd.append(f"guestfwd=tcp:{SINK_ADDRESS}:{SINK_GUEST_PORT}-cmd:socat - TCP:127.0.0.1:{self.sink_port}")
        cmd = ["qemu-system-x86_64", "-machine", "q35,smm=on", "-accel", "tcg,thread=multi", "-cpu", "max",
               "-m", str(self.memory), "-smp", "2",
               "-global", "driver=cfi.pflash01,property=secure,value=on",
               "-drive", f"if=pflash,format=raw,unit=0,file={OVMF_CODE},readonly=on",
               "-drive", f"if=pflash,format=raw,unit=1,file={vars_fd}",
               "-drive", f"file={overlay},if=none,id=disk0,format=qcow2",
               "-netdev", "user,id=net0,restrict=on," + ",".join(fwd) if fwd else "user,id=net0",
               "-chardev", f"socket,path={self.agent},server=on,wait=off,id=qga0",
               "-device", "virtio-serial", "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0",
               "-display", "none", "-serial", f"file:{self.console}", "-monitor", "none"]
        if self.hardware == "vmware":
            cmd += ["-device", "ahci,id=sata", "-device", "ide-hd,drive=disk0,bus=sata.0",
                    "-device", "vmxnet3,netdev=net0"]
        else:
            cmd += ["-device", "virtio-blk-pci,drive=disk0", "-device", "virtio-net-pci,netdev=net0"]
        if self.seed:
            cmd += ["-drive", f"file={self.seed},if=none,id=seed0,format=raw,readonly=on",
                    "-device", "virtio-blk-pci,drive=seed0"]
        for n, extra in enumerate(self.extra_disks):
            cmd += ["-drive", f"file={extra},if=none,id=extra{n},format=raw,readonly=on",
                    "-device", f"virtio-blk-pci,drive=extra{n}"]
        self.log = open(self.dir / "qemu.log", "wb")
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        return self

    # ---- the guest agent ----
    def _call(self, command, arguments=None, timeout=30):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(str(self.agent))
            self._sync_id += 1
            # guest-sync-delimited resets the agent's parser and skips stale replies.
            s.sendall(b"\xff" + json.dumps({"execute": "guest-sync-delimited",
                                            "arguments": {"id": self._sync_id}}).encode() + b"\n")
            buf = b""
            deadline = time.monotonic() + timeout
            while True:
                if time.monotonic() > deadline:
                    raise TimeoutError("guest agent: no sync reply")
                chunk = s.recv(65536)
                if not chunk:
                    raise ConnectionError("guest agent closed the connection")
                buf += chunk
                if b"\xff" in buf:
                    buf = buf[buf.rindex(b"\xff") + 1:]
                lines = buf.split(b"\n")
                done = False
                for line in lines[:-1]:
                    if line.strip() and json.loads(line).get("return") == self._sync_id:
                        done = True
                if done:
                    break
            msg = {"execute": command}
            if arguments is not None:
                msg["arguments"] = arguments
            s.sendall(json.dumps(msg).encode() + b"\n")
            buf = b""
            while b"\n" not in buf:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"guest agent: no reply to {command}")
                chunk = s.recv(65536)
                if not chunk:
                    if command == "guest-shutdown":
                        return None
                    raise ConnectionError("guest agent closed the connection")
                buf += chunk
            reply = json.loads(buf.split(b"\n")[0])
            if "error" in reply:
                raise RuntimeError(f"guest agent {command}: {reply['error']}")
            return reply.get("return")

    def wait_for_agent(self, timeout=420):
        def up():
            if self.proc.poll() is not None:
                raise AssertionError(f"qemu exited with {self.proc.returncode}\n{self.console_tail()}")
            try:
                self._call("guest-ping", timeout=5)
                return True
            except (OSError, TimeoutError, ConnectionError, ValueError):
                return False
        wait_until(up, timeout, "the guest agent to answer", interval=2, diagnostics=self.console_tail)

    def wait_until_set_up(self):
        """First boot applied the seed's answers and portcullisd is active."""
        def set_up():
            return self.run("test -e /var/lib/portcullis-firstboot/completed")[0] == 0
        wait_until(set_up, 600, "first boot to complete from the seed disk", interval=5,
                   diagnostics=lambda: self.run("journalctl -b -u portcullis-firstboot --no-pager | tail -40")[1])

        def daemon_up():
            return self.run("systemctl is-active portcullisd")[0] == 0
        wait_until(daemon_up, 180, "portcullisd to be active", interval=3,
                   diagnostics=lambda: self.run("journalctl -b -u portcullisd --no-pager | tail -40")[1])

    def give_virus_signatures(self):
        """Writes TEST_SIGNATURES; waits for clamd (started by the appliance's path unit) and
        for the gateway to see it (a reload pings the scanners at once)."""
        status, text = self.run(f"printf '%s' '{EICAR_NDB}' > {TEST_SIGNATURES}.tmp && "
                                f"chown clamav:clamav {TEST_SIGNATURES}.tmp && "
                                f"mv {TEST_SIGNATURES}.tmp {TEST_SIGNATURES}")
        if status != 0:
            raise AssertionError(f"writing {TEST_SIGNATURES}: {text}")

        def clamd_up():
            self.run("portcullis reload")
            return re.search(r"(?m)^clamd\s+up$", self.run("portcullis status")[1]) is not None
        wait_until(clamd_up, 300, "clamd to start with the test signatures and answer the gateway", interval=5,
                   diagnostics=lambda: self.run("systemctl status --no-pager clamav-daemon "
                                                "portcullis-clamav-signatures.path; portcullis status")[1])

    def run(self, command, timeout=120):
        """Runs `sh -c command` in the guest; returns (exit status, stdout + stderr)."""
        pid = self._call("guest-exec", {"path": "/bin/sh", "arg": ["-c", command], "capture-output": True})["pid"]
        deadline = time.monotonic() + timeout
        while True:
            st = self._call("guest-exec-status", {"pid": pid})
            if st.get("exited"):
                out = base64.b64decode(st.get("out-data", "")) + base64.b64decode(st.get("err-data", ""))
                return st.get("exitcode", -1), out.decode(errors="replace")
            if time.monotonic() > deadline:
                raise TimeoutError(f"guest command did not finish in {timeout} s: {command}")
            time.sleep(0.5)

    def shutdown(self, timeout=180):
        """A clean shutdown through the agent; True if qemu exited in time."""
        if self.proc is None or self.proc.poll() is not None:
            return True
        try:
            self._call("guest-shutdown", {"mode": "powerdown"}, timeout=10)
        except (OSError, TimeoutError, ConnectionError, RuntimeError):
            pass
        try:
            self.proc.wait(timeout=timeout)
            return True
        except subprocess.TimeoutExpired:
            return False

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)
        if getattr(self, "log", None):
            self.log.close()

    def console_tail(self, lines=40):
        try:
            return "\n".join(self.console.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return "(no console output)"
