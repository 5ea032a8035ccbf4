#!/usr/bin/python3
"""Private ClamAV (clamd) and SpamAssassin (spamd) instances for Portcullis tests.

Never the system services: each instance lives in its own temporary folder (configuration,
sockets, logs, pid file, the signature database), listens on a unix socket there and on a free
TCP port of 127.0.0.1 (.tcp is "127.0.0.1:PORT"), and is stopped and its folder removed when the
context ends or stop() is called.

    with Clamd(stream_max_length="4K") as clamd:      # also: c = Clamd().start(); c.stop()
        clamd.unix_socket, clamd.tcp_port, clamd.startup_seconds, clamd.log_tail()
    with Spamd() as spamd:
        spamd.unix_socket, spamd.tcp_port, spamd.startup_seconds

clamd loads one signature database written here (no download): EICAR_NAME as an .ndb body
signature, so the EICAR test string is found alone and inside a message; clamd reports it as
"Eicar-Test-Signature.UNOFFICIAL" (an unsigned database). It runs as the current user, in
the foreground, and answers PING about 0.1 s after it starts with that database (stop: at once).
spamd runs with local tests only (-L, no DNS or network rules), no user configuration (-x),
Debian's rules from /usr/share/spamassassin and the site configuration (/etc/spamassassin,
which loads the plugins); as root it runs its children as `nobody` (spamd refuses root), so
the folder is made readable. It answers PING about 1 s after it starts (it loads the rule
set; measured 0.85-0.9 s on the 2-core build machine) and takes about 1.7 s to stop.

As a program (tests/unit/scanners starts it this way):

    scanners.py clamd [--stream-max-length 4K]
    scanners.py spamd

prints one JSON line when the scanner answers PING, e.g.
    {"unix": "/tmp/portcullis-clamd-x/clamd.sock", "tcp": "127.0.0.1:40123", "startup_seconds": 0.4}
then runs until its standard input reaches its end (the parent went away) or it gets SIGTERM
or SIGINT, and stops the scanner. If the scanner does not start it prints
{"error": "..."} and exits with status 1.
"""
import argparse
import ctypes
import json
import os
import pwd
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CLAMD = "/usr/sbin/clamd"
SPAMD = "/usr/sbin/spamd"
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
EICAR_NAME = "Eicar-Test-Signature"
GTUBE = b"XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X"

_PR_SET_PDEATHSIG = 1


def _die_with_parent():
    """preexec_fn: the scanner gets SIGKILL if the process that started it dies (a crashed test)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except OSError:
        pass


def free_port(host="127.0.0.1"):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _exchange(address, request, until, limit=4096, timeout=2.0):
    """Sends `request` to a unix path or (host, port) and reads until `until` is seen or EOF."""
    family = socket.AF_UNIX if isinstance(address, (str, Path)) else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(str(address) if family == socket.AF_UNIX else address)
        s.sendall(request)
        reply = b""
        while until not in reply and len(reply) < limit:
            data = s.recv(limit)
            if not data:
                break
            reply += data
        return reply


class _Scanner:
    """What clamd and spamd share: the folder, the process, the bounded start and stop."""

    name = "scanner"

    def __init__(self, workdir=None, start_timeout=60.0):
        self.workdir = workdir
        self.start_timeout = start_timeout
        self.root = None
        self.proc = None
        self.tcp_port = 0
        self.startup_seconds = None

    # -- to be provided by each scanner
    def _prepare(self):
        raise NotImplementedError

    def _command(self):
        raise NotImplementedError

    def ping(self):
        raise NotImplementedError

    # --
    @property
    def unix_socket(self):
        return self.root / f"{self.name}.sock"

    @property
    def log(self):
        return self.root / f"{self.name}.log"

    @property
    def tcp(self):
        return f"127.0.0.1:{self.tcp_port}"

    def log_tail(self, lines=30):
        text = ""
        for path in (self.log, self.root / "stderr.log"):
            try:
                text += "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) + "\n"
            except OSError:
                pass
        return text

    def start(self):
        self.root = Path(tempfile.mkdtemp(prefix=f"portcullis-{self.name}-", dir=self.workdir))
        os.chmod(self.root, 0o755)  # a daemon under test that dropped privileges reaches the socket
        began = time.monotonic()
        last_error = ""
        for _ in range(3):  # a free port can be taken by someone else before the scanner binds it
            self.tcp_port = free_port()
            self._prepare()
            with open(self.root / "stderr.log", "ab") as err:
                self.proc = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL, stdout=err, stderr=err,
                                             cwd=self.root, start_new_session=True, preexec_fn=_die_with_parent)
            deadline = time.monotonic() + self.start_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = f"{self.name} exited with status {self.proc.returncode}"
                    break
                try:
                    if self.ping():
                        self.startup_seconds = round(time.monotonic() - began, 2)
                        return self
                except OSError:
                    pass
                time.sleep(0.1)
            else:
                last_error = f"{self.name} did not answer PING within {self.start_timeout} s"
            tail = self.log_tail()
            self._terminate()
            if "bind" not in tail.lower() and "address already in use" not in tail.lower():
                break
        diagnostics = self.log_tail()
        self.remove()
        raise RuntimeError(f"{last_error}\n{diagnostics}")

    def _terminate(self, timeout=15.0):
        """SIGTERM to the scanner, SIGKILL to its whole process group if it lingers."""
        if self.proc is None:
            return
        pgid = self.proc.pid  # start_new_session: the group is the one we created
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(pgid, signal.SIGKILL)  # spamd's children, or a scanner that ignored SIGTERM
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            pass
        self.proc = None
        # The group is gone once its last member (spamd's orphaned children, reaped by init) is.
        deadline = time.monotonic() + 5.0
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)

    def stop(self):
        """Stops the scanner and removes its folder (start() makes a new one)."""
        self._terminate()
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    remove = stop

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.remove()
        return False


class Clamd(_Scanner):
    """clamd with a one-signature database (EICAR), StreamMaxLength as given ("4K", "25M")."""

    name = "clamd"

    def __init__(self, workdir=None, stream_max_length="25M", start_timeout=60.0):
        super().__init__(workdir, start_timeout)
        self.stream_max_length = stream_max_length

    @property
    def database(self):
        return self.root / "db"

    def _prepare(self):
        self.database.mkdir(exist_ok=True)
        # An extended (body) signature: NAME:TARGET(0 = any file):OFFSET(* = anywhere):HEX.
        (self.database / "portcullis-test.ndb").write_text(f"{EICAR_NAME}:0:*:{EICAR.hex()}\n")
        self.unix_socket.unlink(missing_ok=True)
        config = [
            f"LocalSocket {self.unix_socket}",
            "LocalSocketMode 666",
            f"TCPSocket {self.tcp_port}",
            "TCPAddr 127.0.0.1",
            "Foreground yes",
            f"DatabaseDirectory {self.database}",
            f"LogFile {self.log}",
            "LogTime yes",
            f"PidFile {self.root / 'clamd.pid'}",
            f"TemporaryDirectory {self.root}",
            f"StreamMaxLength {self.stream_max_length}",
            "MaxThreads 4",
            "SelfCheck 3600",
        ]
        (self.root / "clamd.conf").write_text("\n".join(config) + "\n")

    def _command(self):
        return [CLAMD, f"--config-file={self.root / 'clamd.conf'}"]

    def ping(self):
        return self.unix_socket.exists() and _exchange(self.unix_socket, b"zPING\0", b"\0") == b"PONG\0"


class Spamd(_Scanner):
    """spamd with local tests only, listening on a unix socket and a loopback TCP port."""

    name = "spamd"

    def __init__(self, workdir=None, start_timeout=90.0, children=2):
        super().__init__(workdir, start_timeout)
        self.children = children

    def _prepare(self):
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        if os.geteuid() == 0:  # the children run as nobody: they must reach the folder
            nobody = pwd.getpwnam("nobody")
            os.chown(home, nobody.pw_uid, nobody.pw_gid)
        self.unix_socket.unlink(missing_ok=True)

    def _command(self):
        cmd = [SPAMD, "--local", "--nouser-config", f"--listen=127.0.0.1:{self.tcp_port}",
               f"--socketpath={self.unix_socket}", "--socketmode=0666", f"--syslog={self.log}",
               f"--pidfile={self.root / 'spamd.pid'}", f"--helper-home-dir={self.root / 'home'}",
               f"--max-children={self.children}", "--min-children=1", "--min-spare=1", "--max-spare=1",
               "--allowed-ips=127.0.0.1"]
        if os.geteuid() == 0:
            cmd.append("--username=nobody")
        return cmd

    def ping(self):
        if not self.unix_socket.exists():
            return False
        reply = _exchange(("127.0.0.1", self.tcp_port), b"PING SPAMC/1.5\r\n\r\n", b"\r\n")
        return reply.startswith(b"SPAMD/") and b" 0 PONG" in reply


def _serve(scanner):
    """The program: start, report, wait for stdin's end or a signal, stop."""
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    try:
        scanner.start()
    except (RuntimeError, OSError) as e:
        print(json.dumps({"error": str(e)[-3000:]}), flush=True)
        return 1
    try:
        print(json.dumps({"unix": str(scanner.unix_socket), "tcp": scanner.tcp,
                          "startup_seconds": scanner.startup_seconds, "log": str(scanner.log)}), flush=True)
        while not stop:
            try:
                ready, _, _ = select.select([sys.stdin], [], [], 0.5)
            except InterruptedError:
                continue
            if ready and not os.read(sys.stdin.fileno(), 4096):
                break
            if scanner.proc is not None and scanner.proc.poll() is not None:
                print(f"{scanner.name} exited on its own:\n{scanner.log_tail()}", file=sys.stderr)
                return 1
    finally:
        scanner.remove()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("scanner", choices=["clamd", "spamd"])
    parser.add_argument("--stream-max-length", default="25M", help="clamd's StreamMaxLength (e.g. 4K)")
    parser.add_argument("--workdir", default=None, help="where the temporary folder goes (default: TMPDIR)")
    args = parser.parse_args()
    if args.scanner == "clamd":
        scanner = Clamd(args.workdir, stream_max_length=args.stream_max_length)
    else:
        scanner = Spamd(args.workdir)
    return _serve(scanner)


if __name__ == "__main__":
    sys.exit(main())
