"""portcullisd under systemd: the hardened unit's security score, sd_notify (READY=1, STATUS=,
WATCHDOG=1, STOPPING=1) received on a NOTIFY_SOCKET the test owns, socket activation through
systemd-socket-activate, and closing of inherited descriptors.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_systemd
"""
import os
import re
import signal
import socket
import subprocess
import time
import unittest
from pathlib import Path

from harness import DAEMON, GatewayCase, free_port, give_to_daemon_user, make_message, smtp_send, wait_until

SOURCE = Path(__file__).resolve().parents[2]
UNITS = SOURCE / "provisioning" / "systemd"
DEST = "example.test"


class UnitFileTest(unittest.TestCase):

    def test_security_score_is_at_most_1_5(self):
        r = subprocess.run(["systemd-analyze", "security", "--offline=true", "--no-pager",
                            str(UNITS / "portcullisd.service")],
                           capture_output=True, timeout=120)
        out = r.stdout.decode() + r.stderr.decode()
        m = re.search(r"Overall exposure level for portcullisd\.service: (\d+\.\d+)", out)
        self.assertIsNotNone(m, out)
        score = float(m.group(1))
        print(f"\nsystemd-analyze security: portcullisd.service exposure {score}")
        self.assertLessEqual(score, 1.5, out)

    def test_unit_essentials(self):
        unit = (UNITS / "portcullisd.service").read_text()
        for line in ("Type=notify", "WatchdogSec=", "NoNewPrivileges=yes", "ProtectSystem=strict",
                     "ReadWritePaths=/var/spool/portcullis /var/lib/portcullis", "PrivateTmp=yes",
                     "PrivateDevices=yes", "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
                     "MemoryDenyWriteExecute=yes", "SystemCallArchitectures=native", "UMask=0077"):
            self.assertIn(line, unit)
        for name, role in (("portcullisd.socket", "inbound"), ("portcullisd-submission.socket", "submission")):
            self.assertIn(f"FileDescriptorName={role}", (UNITS / name).read_text())


class NotifySocket:
    """A unix datagram socket standing in for systemd's notification socket."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.messages = []

    def close(self):
        self.sock.close()

    def wait_for(self, key, timeout=30):
        """Returns the first datagram (as a dict) carrying `key`, reading until it comes."""
        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages:
                if key in m:
                    return m
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {key} from the daemon in {timeout} s; got {self.messages}")
            self.sock.settimeout(remaining)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            self.messages.append(fields)

    def count(self, key):
        return sum(1 for m in self.messages if key in m)


class DaemonUnderSystemdTest(GatewayCase):

    def make_gw(self):
        self.dest = self.make_sink("dest")
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns()
        gw = self.make_gateway(self.dns, self.mx.port)
        gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        return gw

    def test_ready_status_watchdog_stopping(self):
        gw = self.make_gw()
        notify = NotifySocket(gw.root / "notify.sock")
        self.addCleanup(notify.close)
        gw.extra_env = {"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "2000000"}
        gw.start()
        ready = notify.wait_for("READY")
        self.assertEqual(ready["READY"], "1")
        self.assertIn("store reachable", ready["STATUS"])
        # Pings at half the interval (1 s) from the event loop, and a STATUS line with them.
        notify.wait_for("WATCHDOG", timeout=10)
        first = notify.count("WATCHDOG")
        time.sleep(2.5)
        notify.sock.settimeout(0.1)
        try:
            while True:
                data = notify.sock.recv(4096)
                notify.messages.append(dict(l.split("=", 1) for l in data.decode().splitlines() if "=" in l))
        except socket.timeout:
            pass
        self.assertGreaterEqual(notify.count("WATCHDOG") - first, 2, notify.messages)
        t = smtp_send(gw.port, "a@sender.test", ["bob@example.test"], make_message("hi", ["x"]))
        self.assertEqual(t.data[0], 250)
        os.kill(gw.pid, signal.SIGTERM)
        stopping = notify.wait_for("STOPPING")
        self.assertEqual(stopping["STOPPING"], "1")
        self.assertEqual(gw.stop(), 0)

    def test_no_notify_socket_means_no_notifications(self):
        gw = self.make_gw()
        gw.start()  # must simply work without NOTIFY_SOCKET (make run, tests, by hand)
        self.assertEqual(smtp_send(gw.port, "a@sender.test", ["bob@example.test"],
                                   make_message("hi", ["x"])).data[0], 250)

    def test_inherited_descriptors_are_closed(self):
        gw = self.make_gw()
        leaked = open(gw.root / "leaked-secret.txt", "w")
        self.addCleanup(leaked.close)
        gw.pass_fds = (leaked.fileno(),)
        gw.start()
        gw.wait_event("descriptors_closed")
        targets = [os.readlink(f"/proc/{gw.pid}/fd/{fd}") for fd in os.listdir(f"/proc/{gw.pid}/fd")]
        self.assertFalse(any("leaked-secret" in t for t in targets), targets)

    def test_socket_activation(self):
        gw = self.make_gw()
        port = free_port()
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        # systemd-socket-activate binds the port, and starts the daemon at the first connection
        # with the listening socket as descriptor 3 (LISTEN_FDS=1, LISTEN_FDNAMES=inbound).
        with open(gw.log_path, "ab") as log:
            proc = subprocess.Popen(
                ["systemd-socket-activate", "-l", f"127.0.0.1:{port}", "--fdname=inbound",
                 "-E", "ASAN_OPTIONS", "-E", "UBSAN_OPTIONS",
                 str(DAEMON), "--config", str(gw.config_path), "--foreground"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=gw.root, env=env)
        self.addCleanup(lambda: proc.poll() is None and (proc.send_signal(signal.SIGTERM), proc.wait(30)))
        wait_until(lambda: _listening(port), 20, "systemd-socket-activate to listen")
        t = smtp_send(port, "a@sender.test", ["bob@example.test"], make_message("activated", ["x"]))
        self.assertEqual(t.data[0], 250)
        self.assertEqual(gw.wait_event("socket_activation")["sockets"], "1")
        listening = gw.wait_event("listening", port=str(port))
        self.assertEqual(listening["role"], "inbound")
        # The configured listener was not opened: the passed socket replaced it.
        self.assertFalse(gw.events("listening", port=str(gw.port)))
        self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(30), 0)
        self.assertEqual(gw.sanitizer_reports(), [])


class JournalSocket(NotifySocket):
    """journald's native socket stand-in: datagrams of KEY=VALUE lines (a value with a newline
    comes as KEY, newline, 64-bit little-endian length, bytes, newline)."""

    def receive_all(self, timeout):
        self.sock.settimeout(timeout)
        try:
            while True:
                self.messages.append(self.parse(self.sock.recv(1 << 20)))
                self.sock.settimeout(0.05)
        except socket.timeout:
            pass

    @staticmethod
    def parse(data):
        fields, i = {}, 0
        while i < len(data):
            nl = data.index(b"\n", i)
            line = data[i:nl]
            if b"=" in line:
                key, _, value = line.partition(b"=")
                i = nl + 1
            else:  # binary-safe form
                key = line
                size = int.from_bytes(data[nl + 1:nl + 9], "little")
                value = data[nl + 9:nl + 9 + size]
                i = nl + 9 + size + 1
            fields[key.decode()] = value.decode("utf-8", "replace")
        return fields

    def event(self, name, timeout=30, **match):
        deadline = time.monotonic() + timeout
        while True:
            for m in self.messages:
                if m.get("PORTCULLIS_EVENT") == name and all(m.get(k) == v for k, v in match.items()):
                    return m
            if time.monotonic() > deadline:
                raise AssertionError(f"no journal entry {name} {match} in {timeout} s; got "
                                     f"{[m.get('PORTCULLIS_EVENT') for m in self.messages]}")
            self.receive_all(0.5)


@unittest.skipUnless(os.geteuid() == 0, "a private mount namespace for /run/systemd/journal needs root")
class JournalTest(GatewayCase):
    """The daemon's journal output (structured fields) under the seccomp filter: it runs in a
    mount namespace of its own where /run/systemd/journal is a folder of the test, whose socket
    the test reads; JOURNAL_STREAM names the daemon's stderr, as systemd would."""

    def test_structured_fields_reach_the_journal_under_the_filter(self):
        dest = self.make_sink("dest")
        mx = self.make_sink("mx")
        dns = self.make_dns()
        gw = self.make_gateway(dns, mx.port)
        gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{dest.port}")
        jdir = gw.root / "journal"
        jdir.mkdir()
        journal = JournalSocket(jdir / "socket")
        self.addCleanup(journal.close)
        os.chmod(jdir / "socket", 0o666)  # the daemon writes to it as its own user
        give_to_daemon_user(gw.root)
        stderr_path = gw.root / "stderr.log"
        with open(stderr_path, "wb") as err:
            st = os.fstat(err.fileno())
            env = dict(os.environ, JOURNAL_STREAM=f"{st.st_dev}:{st.st_ino}")
            env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
            script = ('mount -t tmpfs -o mode=0755 none /run && mkdir -p /run/systemd/journal && '
                      'mount --bind "$0" /run/systemd/journal && exec "$@"')
            proc = subprocess.Popen(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(jdir),
                 str(DAEMON), "--config", str(gw.config_path), "--foreground"],
                stdin=subprocess.DEVNULL, stdout=err, stderr=err, cwd=gw.root, env=env)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait(30)))

        ready = journal.event("ready")
        self.assertEqual(ready["PRIORITY"], "6")
        self.assertIn("ready", ready["MESSAGE"])
        self.assertEqual(journal.event("seccomp")["MODE"], "enforce")
        with open(f"/proc/{proc.pid}/status") as f:
            self.assertIn("Seccomp:\t2", f.read())
        t = smtp_send(gw.port, "a@sender.test", [f"bob@{DEST}"], make_message("journal", ["x"]))
        self.assertEqual(t.data[0], 250)
        queued = journal.event("queued")
        self.assertEqual(queued["CLIENT_IP"], "127.0.0.1")
        self.assertEqual(queued["SENDER"], "a@sender.test")
        self.assertEqual(queued["VERDICT"], "accept")
        self.assertRegex(queued["QUEUE_ID"], r"^[0-9A-Z]{16}$")
        delivered = journal.event("delivered", QUEUE_ID=queued["QUEUE_ID"])
        self.assertEqual(delivered["RECIPIENT"], f"bob@{DEST}")
        dest.wait_for(1)

        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(30), 0)
        journal.event("stopped")
        # Everything went to the journal; stderr has no log lines and no sanitizer report.
        self.assertEqual(stderr_path.read_text(errors="replace"), "")


def _listening(port):
    """True once something listens on 127.0.0.1:port (read from ss, without connecting: the
    first connection would start the daemon)."""
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, timeout=10).stdout
    return bool(out.strip())


if __name__ == "__main__":
    unittest.main()
