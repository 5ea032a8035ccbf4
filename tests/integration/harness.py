"""Harness for Portcullis integration tests: the real daemon on loopback with real peers.

Pieces:
  free_port()            a TCP port on 127.0.0.1 that was free a moment ago
  wait_until(...)        bounded polling; every wait in these tests goes through it
  Sink                   tests/tools/sink.py (aiosmtpd) as a subprocess; stored messages
  DnsServer              tests/tools/dns_server.py as a subprocess; zone as a dict
  Gateway                a portcullisd in a temporary folder: config, CLI, start/stop/kill -9,
                         restart on the same spool, its log as lines or parsed events
  RawSMTP                a socket conversation: send exact bytes, read replies with deadlines
  smtp_send(...)         one transaction with smtplib, returning every reply
  GatewayCase            unittest.TestCase base: temp folder, factories that register cleanups

Binaries come from $PORTCULLIS_BIN_DIR (CMake sets it), default build/sanitize/daemon.
Peers run under Debian's /usr/bin/python3 (python3-aiosmtpd, python3-dnslib).
Set PORTCULLIS_KEEP_TMP=1 to keep each test's folder (config, logs, spool, sink mail).
"""
import email
import email.policy
import json
import os
import re
import shutil
import shlex
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TOOLS = REPO / "tests" / "tools"
PYTHON = "/usr/bin/python3"
BIN_DIR = Path(os.environ.get("PORTCULLIS_BIN_DIR", str(REPO / "build" / "sanitize" / "daemon")))
DAEMON = BIN_DIR / "portcullisd"
# Run as root (CI), the daemon and the CLI drop to this user and group after start-up, as they
# do on the appliance (sandbox/privileges.hpp); the test folders are handed to them.
RUN_AS = ("nobody", "nogroup") if os.geteuid() == 0 else None


def give_to_daemon_user(path):
    """chown -R path to RUN_AS (when running as root)."""
    if RUN_AS is None:
        return
    import grp
    import pwd
    uid, gid = pwd.getpwnam(RUN_AS[0]).pw_uid, grp.getgrnam(RUN_AS[1]).gr_gid
    os.chown(path, uid, gid)
    for base, dirs, files in os.walk(path):
        for n in dirs + files:
            try:
                os.chown(os.path.join(base, n), uid, gid, follow_symlinks=False)
            except FileNotFoundError:
                pass


CLI = BIN_DIR / "portcullis"

# Crockford base32, 16 characters (daemon/src/core/ids.hpp).
QUEUE_ID = r"[0-9A-HJKMNP-TV-Z]{16}"
QUEUED_RE = re.compile(r"2\.0\.0 Ok: queued as <?(" + QUEUE_ID + r")>?")
SANITIZER_RE = re.compile(r"ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer)|"
                          r"runtime error: |SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer")


def free_port(host="127.0.0.1"):
    """A TCP port that was free when asked (the daemon's config cannot say port 0)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout, what, interval=0.05, diagnostics=None):
    """Polls predicate() until it returns something truthy (returned) or timeout seconds pass
    (raises AssertionError naming `what`, with diagnostics() appended if given)."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            extra = ""
            if diagnostics is not None:
                try:
                    extra = "\n" + diagnostics()
                except Exception as e:  # diagnostics must never hide the timeout
                    extra = f"\n(diagnostics failed: {e})"
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}{extra}")
        time.sleep(interval)


def keep_tmp():
    return os.environ.get("PORTCULLIS_KEEP_TMP", "") not in ("", "0")


def _stop_process(proc, sig=signal.SIGTERM, timeout=15):
    """Signals proc, waits up to timeout, then SIGKILLs it. Returns the exit status."""
    if proc is None:
        return None
    if proc.poll() is None:
        try:
            proc.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=30)
    return proc.returncode


def _read_port_file(path):
    try:
        text = Path(path).read_text().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _tail(path, lines=60):
    try:
        data = Path(path).read_bytes().decode("utf-8", "replace").splitlines()
    except OSError:
        return f"({path}: not readable)"
    return f"--- last {min(lines, len(data))} lines of {path} ---\n" + "\n".join(data[-lines:])


# --------------------------------------------------------------------------------------------
# Sink

class Message:
    """One message stored by the sink."""

    def __init__(self, seq, data, meta):
        self.seq = seq
        self.data = data  # bytes, exactly as received (after dot-unstuffing)
        self.meta = meta
        self.mail_from = meta["mail_from"]
        self.rcpt_tos = meta["rcpt_tos"]
        self.mail_options = [o.upper() for o in meta.get("mail_options", [])]

    def parsed(self):
        return email.message_from_bytes(self.data, policy=email.policy.compat32)

    def header(self, name):
        """The first value of a header in the (unfolded) header section, or None."""
        return self.parsed().get(name)

    def __repr__(self):
        return (f"<Message seq={self.seq} from={self.mail_from!r} to={self.rcpt_tos!r} "
                f"size={len(self.data)}>")


class Sink:
    """tests/tools/sink.py on 127.0.0.1. port=0 picks one; stop() and start() again keep it."""

    def __init__(self, workdir, name="sink", port=0, rcpt_reply=None, data_reply=None,
                 rcpt_match=None, tls_cert=None, tls_key=None, tls_max=None):
        self.root = Path(workdir) / name
        self.root.mkdir(parents=True, exist_ok=True)
        self.dir = self.root / "mail"
        self.name = name
        self.port = port
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.rcpt_match = rcpt_match
        self.tls = (str(tls_cert), str(tls_key)) if tls_cert else None  # offer STARTTLS
        self.tls_max = tls_max
        self.proc = None
        self.log = self.root / "sink.log"

    def start(self, timeout=20):
        assert self.proc is None or self.proc.poll() is not None, "sink already running"
        port_file = self.root / "port"
        if port_file.exists():
            port_file.unlink()
        cmd = [PYTHON, str(TOOLS / "sink.py"), "--port", str(self.port), "--dir", str(self.dir),
               "--port-file", str(port_file)]
        if self.rcpt_reply:
            cmd += ["--rcpt-reply", self.rcpt_reply]
        if self.rcpt_match:
            cmd += ["--rcpt-match", self.rcpt_match]
        if self.data_reply:
            cmd += ["--data-reply", self.data_reply]
        if self.tls:
            cmd += ["--tls-cert", self.tls[0], "--tls-key", self.tls[1]]
            if self.tls_max:
                cmd += ["--tls-max", self.tls_max]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"sink {self.name} exited with {self.proc.returncode}\n"
                                     + _tail(self.log))
            return _read_port_file(port_file)

        self.port = wait_until(ready, timeout, f"sink {self.name} to listen",
                               diagnostics=lambda: _tail(self.log))
        return self

    def stop(self):
        if self.proc is not None:
            _stop_process(self.proc, timeout=10)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def messages(self):
        """Complete messages stored so far, in arrival order."""
        out = []
        if not self.dir.is_dir():
            return out
        for meta_path in self.dir.glob("*.json"):
            if not meta_path.stem.isdigit():
                continue
            try:
                meta = json.loads(meta_path.read_text(encoding="utf-8"))
                data = (self.dir / f"{meta_path.stem}.eml").read_bytes()
            except (OSError, ValueError):
                continue  # raced with the writer; the next poll sees it
            out.append(Message(int(meta_path.stem), data, meta))
        out.sort(key=lambda m: m.seq)
        return out

    def count(self):
        return len(list(self.dir.glob("*.json"))) if self.dir.is_dir() else 0

    def wait_for(self, n, timeout=30, diagnostics=None):
        """Waits until at least n messages are stored; returns all of them."""
        wait_until(lambda: self.count() >= n, timeout,
                   f"{n} message(s) at sink {self.name} (have {self.count()})",
                   interval=0.1, diagnostics=diagnostics)
        return self.messages()


# --------------------------------------------------------------------------------------------
# DNS

class DnsServer:
    """tests/tools/dns_server.py on 127.0.0.1 (UDP+TCP) serving a zone given as a dict."""

    def __init__(self, workdir, zone=None, name="dns"):
        self.root = Path(workdir) / name
        self.root.mkdir(parents=True, exist_ok=True)
        self.zone_file = self.root / "zone.json"
        self.query_log = self.root / "queries.log"
        self.log = self.root / "dns.log"
        self.port = None
        self.proc = None
        self.set_zone(zone or {})

    def set_zone(self, zone):
        """Replaces the zone atomically; the server reloads it on its next query."""
        tmp = self.zone_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(zone, indent=1), encoding="utf-8")
        os.replace(tmp, self.zone_file)

    def start(self, timeout=20):
        port_file = self.root / "port"
        if port_file.exists():
            port_file.unlink()
        cmd = [PYTHON, str(TOOLS / "dns_server.py"), "--port", str(self.port or 0),
               "--zone", str(self.zone_file), "--port-file", str(port_file),
               "--query-log", str(self.query_log), "-v"]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log, stderr=log)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"dns_server exited with {self.proc.returncode}\n"
                                     + _tail(self.log))
            return _read_port_file(port_file)

        self.port = wait_until(ready, timeout, "dns_server to listen",
                               diagnostics=lambda: _tail(self.log))
        return self

    def stop(self):
        if self.proc is not None:
            _stop_process(self.proc, timeout=10)

    def queries(self):
        try:
            return self.query_log.read_text(encoding="utf-8").splitlines()
        except OSError:
            return []


def mx_zone(*domains, host_ip="127.0.0.1"):
    """A zone where each domain has MX 10 mx.<domain>, and mx.<domain> has A host_ip."""
    zone = {}
    for d in domains:
        zone[d] = [{"type": "MX", "pref": 10, "value": f"mx.{d}."}]
        zone[f"mx.{d}"] = [{"type": "A", "value": host_ip}]
    return zone


# --------------------------------------------------------------------------------------------
# Daemon log

_FIELD_RE = re.compile(r'([A-Za-z0-9_.-]+)=("(?:[^"\\]|\\.)*"|\S*)')


def _unquote(v):
    if not v.startswith('"'):
        return v
    body = v[1:-1]
    return re.sub(r'\\x([0-9a-fA-F]{2})|\\(.)',
                  lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), body)


def parse_log_line(line):
    """'TIME LEVEL EVENT k=v ...' -> (level, event, {k: v}) or None for other lines."""
    parts = line.split(" ", 3)
    if len(parts) < 3 or parts[1] not in ("debug", "info", "warn", "error"):
        return None
    rest = parts[3] if len(parts) > 3 else ""
    fields = {k: _unquote(v) for k, v in _FIELD_RE.findall(rest)}
    return parts[1], parts[2], fields


# --------------------------------------------------------------------------------------------
# Gateway

def _toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {v!r} as TOML")


class Gateway:
    """A portcullisd with its own folder (config, data, spool, log) on a free loopback port.

    limits/timeouts/delivery override the defaults of the [limits]/[timeouts]/[delivery]
    tables. Run CLI setup (cli()) before start() where possible: then no reload wait is needed.
    """

    def __init__(self, workdir, *, dns_port, mx_port, limits=None, timeouts=None, delivery=None,
                 name="gw", hostname="gw.test", store=None, store_password_file=None):
        self.store = store or "sqlite:data/portcullis.db"
        self.store_password_file = store_password_file
        self.root = Path(workdir) / name
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "data").mkdir(exist_ok=True)
        self.config_path = self.root / "portcullis.toml"
        self.log_path = self.root / "portcullisd.log"
        self.hostname = hostname
        self.port = free_port()
        self.limits = {"message_size": 1048576, "recipients": 100, "errors": 10, "sessions": 500,
                       "sessions_per_ip": 200}
        self.limits.update(limits or {})
        self.timeouts = {"command": 60, "connect": 5}
        self.timeouts.update(timeouts or {})
        self.delivery = {"resolvers": [f"127.0.0.1:{dns_port}"], "mx_port": mx_port,
                         "retry_base": 1, "retry_max": 2, "expiry": "5d",
                         "concurrency_per_destination": 10}
        self.delivery.update(delivery or {})
        self.proc = None
        self.start_offset = 0  # log offset where the current run's lines begin
        self.exit_codes = []
        self.daemon_args = []  # extra portcullisd arguments (e.g. --migrate)
        self.extra_env = {}  # extra environment of the daemon (e.g. NOTIFY_SOCKET)
        self.pass_fds = ()  # descriptors the daemon inherits (tests of descriptor hygiene)
        self.metrics = {}      # [metrics] table, e.g. {"address": "127.0.0.1:PORT"}
        self.rules_dir = self.root / "rules"  # Lua rules: write scripts here (write_rule)
        self.rules_dir.mkdir(exist_ok=True)
        self.rules = {"dir": "rules", "poll": 1}
        self.settings = {}  # more top-level keys, e.g. {"seccomp": "log"}
        self.listener = {}  # more keys of the main [[listener]], e.g. {"require_tls": True}
        self.extra_listeners = []  # more [[listener]] tables (dicts with "address" etc.)
        self.tls = {"cert_dir": "certs"}  # [tls]: certificates live in the gateway's folder
        self.tables = {}  # more tables, e.g. {"scanners": {"clamd": "tcp:127.0.0.1:PORT"}}
        self.write_config()

    # -- configuration and CLI

    def write_config(self):
        lines = [f'hostname = {_toml_value(self.hostname)}', 'log_level = "debug"',
                 *([f'user = "{RUN_AS[0]}"', f'group = "{RUN_AS[1]}"'] if RUN_AS else []),
                 'spool_dir = "spool"', 'data_dir = "data"', f'store = {_toml_value(self.store)}',
                 'policy_refresh = 1', 'control_socket = "run/control.sock"',
                 *[f"{k} = {_toml_value(v)}" for k, v in self.settings.items()],
                 *([f'store_password_file = {_toml_value(str(self.store_password_file))}']
                   if self.store_password_file else []),
                 "", "[[listener]]",
                 f'address = "127.0.0.1:{self.port}"', 'role = "inbound"',
                 *[f"{k} = {_toml_value(v)}" for k, v in self.listener.items()], ""]
        for extra in self.extra_listeners:
            lines += ["[[listener]]", *[f"{k} = {_toml_value(v)}" for k, v in extra.items()], ""]
        for table, values in (("limits", self.limits), ("timeouts", self.timeouts),
                              ("delivery", self.delivery), ("metrics", self.metrics),
                              ("rules", self.rules), ("tls", self.tls), *self.tables.items()):
            if not values:
                continue
            lines.append(f"[{table}]")
            lines += [f"{k} = {_toml_value(v)}" for k, v in values.items()]
            lines.append("")
        self.config_path.write_text("\n".join(lines), encoding="utf-8")

    def cli(self, *args, check=True, timeout=60, input=None):
        """Runs `portcullis --config F ARGS...` (input: bytes for its stdin); raises on a
        non-zero exit if check."""
        give_to_daemon_user(self.root)
        cmd = [str(CLI), "--config", str(self.config_path), *args]
        r = subprocess.run(cmd, stdin=None if input is not None else subprocess.DEVNULL, input=input,
                           capture_output=True, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"{' '.join(cmd[1:])} exited {r.returncode}\n"
                                 f"stdout: {r.stdout.decode(errors='replace')}\n"
                                 f"stderr: {r.stderr.decode(errors='replace')}")
        return r

    def status(self):
        """`portcullis status` as a dict: KEY -> VALUE (the rest of the line)."""
        out = {}
        for line in self.cli("status").stdout.decode().splitlines():
            parts = line.split(None, 1)
            if parts:
                out[parts[0]] = parts[1].strip() if len(parts) > 1 else ""
        return out

    def write_rule(self, name, source, wait=True, timeout=15):
        """Writes a Lua script into the rules folder; with wait, until the daemon has loaded
        it (rules_loaded) — or rejected the folder (rules_rejected), which raises."""
        mark = self.log_size()
        path = self.rules_dir / name
        tmp = self.rules_dir / f".{name}.tmp"
        tmp.write_text(source, encoding="utf-8")
        os.replace(tmp, path)  # never a half-written script
        if wait and self.running:
            def loaded():
                if self.events("rules_rejected", since=mark):
                    return "rejected"
                return bool(self.events("rules_loaded", since=mark))
            state = wait_until(loaded, timeout, f"the daemon to load {name}",
                               diagnostics=lambda: _tail(self.log_path))
            if state != True:
                raise AssertionError(f"rules rejected after writing {name}\n{_tail(self.log_path)}")

    def cli_and_wait_reload(self, *args, timeout=10):
        """A policy change while the daemon runs: waits for the policy_reloaded it causes."""
        mark = self.log_size()
        self.cli(*args)
        self.wait_event("policy_reloaded", timeout=timeout, since=mark)

    # -- process

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout=60):
        """Starts the daemon and waits for its 'ready' line. Retries on another port if the
        chosen one was taken meanwhile (at most 3 times)."""
        assert not self.running, "daemon already running"
        give_to_daemon_user(self.root)
        for attempt in range(3):
            self.start_offset = self.log_size()
            env = dict(os.environ)
            env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
            env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
            env.update(self.extra_env)
            with open(self.log_path, "ab") as log:
                # PORTCULLIS_DAEMON_WRAPPER: a command put before the daemon's, e.g.
                # "strace -f -qq -o /tmp/trace" to list the system calls it makes.
                wrapper = shlex.split(os.environ.get("PORTCULLIS_DAEMON_WRAPPER", ""))
                self.proc = subprocess.Popen(
                    [*wrapper, str(DAEMON), "--config", str(self.config_path), "--foreground",
                     *self.daemon_args],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=self.root, env=env,
                    pass_fds=self.pass_fds)

            def ready():
                lines = self.log_lines(current=True)
                if any(" info ready" in l for l in lines):
                    return True
                if self.proc.poll() is not None:
                    return "exited"
                return False

            state = wait_until(ready, timeout, "portcullisd to be ready", interval=0.05,
                               diagnostics=lambda: _tail(self.log_path))
            if state is True:
                listening = [f for _, e, f in self.events("listening")]
                ports = {int(f.get("port", 0)) for f in listening}
                if self.port not in ports:
                    raise AssertionError(f"daemon ready but no listening line for port {self.port}"
                                         f"\n{_tail(self.log_path)}")
                # The daemon's own pid (not a wrapper's): signals and /proc go to it.
                self.pid = int([f for _, e, f in self.events("ready")][-1]["pid"])
                return self
            rc = self.proc.returncode
            self.exit_codes.append(rc)
            self.proc = None
            text = "\n".join(self.log_lines(current=True))
            if "cannot listen" in text and attempt < 2:
                self.port = free_port()
                self.write_config()
                continue
            raise AssertionError(f"portcullisd exited with {rc} at start\n"
                                 + _tail(self.log_path))
        raise AssertionError("unreachable")

    def stop(self, timeout=30, check=True):
        """SIGTERM, wait (then SIGKILL). With check, a non-zero exit or a sanitizer report in
        the log is an error."""
        if self.proc is None:
            return None
        killed = False
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
                killed = True
        rc = self.proc.returncode
        self.exit_codes.append(rc)
        self.proc = None
        if check:
            problems = []
            if killed:
                problems.append(f"did not stop within {timeout} s of SIGTERM (killed)")
            elif rc != 0:
                problems.append(f"exited with status {rc} after SIGTERM")
            problems += self.sanitizer_reports()
            if problems:
                raise AssertionError("portcullisd: " + "; ".join(problems) + "\n"
                                     + _tail(self.log_path, 80))
        return rc

    def kill9(self):
        """kill -9, as a power cut would."""
        assert self.running, "daemon not running"
        os.kill(self.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.exit_codes.append(self.proc.returncode)
        self.proc = None

    def restart(self, timeout=60):
        """Stops the daemon if it runs and starts it again on the same config and spool."""
        if self.running:
            self.stop()
        return self.start(timeout=timeout)

    def sanitizer_reports(self):
        return sorted({l.strip() for l in self.log_lines() if SANITIZER_RE.search(l)})[:10]

    # -- log

    def log_size(self):
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def log_lines(self, current=False, since=None):
        """Lines of the daemon log: all runs, or the current run only, or from a byte offset."""
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return []
        start = since if since is not None else (self.start_offset if current else 0)
        return data[start:].decode("utf-8", "replace").splitlines()

    def events(self, name=None, since=None, **match):
        """Parsed log events [(level, event, fields)], optionally filtered by name and fields."""
        out = []
        for line in self.log_lines(since=since):
            p = parse_log_line(line)
            if p is None or (name is not None and p[1] != name):
                continue
            if all(p[2].get(k) == v for k, v in match.items()):
                out.append(p)
        return out

    def wait_event(self, name, timeout=30, since=None, **match):
        """Waits for a log event with the given fields; returns its fields."""
        def find():
            ev = self.events(name, since=since, **match)
            if ev:
                return (ev[0][2],)  # truthy even when the event has no fields
            if self.proc is not None and self.proc.poll() is not None:
                raise AssertionError(f"portcullisd exited ({self.proc.returncode}) while waiting "
                                     f"for {name} {match}\n{_tail(self.log_path)}")
            return None
        return wait_until(find, timeout, f"log event {name} {match}", interval=0.1,
                          diagnostics=lambda: _tail(self.log_path))[0]

    def tail(self, lines=60):
        return _tail(self.log_path, lines)


# --------------------------------------------------------------------------------------------
# SMTP clients

class Reply:
    def __init__(self, code, lines):
        self.code = code
        self.lines = lines  # text after "NNN-"/"NNN " of each line

    @property
    def text(self):
        return "\n".join(self.lines)

    def __repr__(self):
        return f"<Reply {self.code} {self.text!r}>"


class ConnectionClosed(Exception):
    pass


class RawSMTP:
    """An SMTP conversation over a plain socket, byte for byte, every read under a deadline."""

    def __init__(self, port, host="127.0.0.1", timeout=15, source=None):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout,
                                             source_address=(source, 0) if source else None)
        self.buf = b""
        self.closed_by_peer = False
        self.banner = self.read_reply()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def _fill(self, deadline):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise socket.timeout("deadline passed")
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(65536)
        if not chunk:
            self.closed_by_peer = True
            raise ConnectionClosed("connection closed by the server")
        self.buf += chunk

    def read_reply(self, timeout=None):
        """Reads one complete (possibly multi-line) reply."""
        deadline = time.monotonic() + (timeout or self.timeout)
        lines, code = [], None
        while True:
            while b"\r\n" not in self.buf:
                self._fill(deadline)
            raw, self.buf = self.buf.split(b"\r\n", 1)
            line = raw.decode("utf-8", "replace")
            if len(line) < 3 or not line[:3].isdigit():
                raise AssertionError(f"malformed reply line {line!r}")
            if code is not None and line[:3] != code:
                raise AssertionError(f"reply code changed inside a reply: {line!r}")
            code = line[:3]
            lines.append(line[4:])
            if len(line) == 3 or line[3] == " ":
                return Reply(int(code), lines)
            if line[3] != "-":
                raise AssertionError(f"malformed reply line {line!r}")

    def read_replies(self, n, timeout=None):
        return [self.read_reply(timeout) for _ in range(n)]

    def cmd(self, line, timeout=None):
        """Sends one command line (CRLF added) and returns its reply."""
        self.send(line + "\r\n" if isinstance(line, str) else line + b"\r\n")
        return self.read_reply(timeout)

    def collect(self, first_timeout=None, quiet=1.5):
        """Reads replies until the server stays quiet for `quiet` s (after the first reply,
        which gets first_timeout) or closes. Returns (replies, closed)."""
        replies = []
        try:
            replies.append(self.read_reply(first_timeout))
            while True:
                replies.append(self.read_reply(quiet))
        except (socket.timeout, TimeoutError):
            return replies, False
        except (ConnectionClosed, ConnectionResetError):
            return replies, True

    def wait_closed(self, timeout=10):
        """True if the server closes the connection within timeout (data before EOF is kept)."""
        deadline = time.monotonic() + timeout
        try:
            while True:
                self._fill(deadline)
        except (ConnectionClosed, ConnectionResetError):
            return True
        except (socket.timeout, TimeoutError):
            return False

    def ehlo(self, name="client.test"):
        r = self.cmd(f"EHLO {name}")
        if r.code != 250:
            raise AssertionError(f"EHLO refused: {r}")
        return r


def ehlo_keywords(reply):
    """{'PIPELINING': '', 'SIZE': '1048576', ...} from an EHLO reply."""
    out = {}
    for line in reply.lines[1:]:
        word, _, arg = line.partition(" ")
        out[word.upper()] = arg
    return out


class Transaction:
    def __init__(self):
        self.mail = None
        self.rcpts = []
        self.data = None

    @property
    def queue_id(self):
        if self.data is None or self.data[0] != 250:
            return None
        m = QUEUED_RE.search(self.data[1])
        return m.group(1) if m else None

    def __repr__(self):
        return f"<Transaction mail={self.mail} rcpts={self.rcpts} data={self.data}>"


def smtp_send(port, sender, rcpts, data, mail_options=(), ehlo="client.test", timeout=30,
              conn=None):
    """One transaction with smtplib: MAIL, each RCPT, DATA (if any RCPT got 2xx). Returns a
    Transaction with (code, text) of each step. data is bytes with CRLF line ends."""
    own = conn is None
    s = conn or smtplib.SMTP("127.0.0.1", port, local_hostname=ehlo, timeout=timeout)
    t = Transaction()
    try:
        if own:
            s.ehlo()
        code, msg = s.mail(sender, list(mail_options))
        t.mail = (code, msg.decode("utf-8", "replace"))
        if code != 250:
            s.rset()
            return t
        for r in rcpts:
            code, msg = s.rcpt(r)
            t.rcpts.append((code, msg.decode("utf-8", "replace")))
        if any(c // 100 == 2 for c, _ in t.rcpts):
            try:
                code, msg = s.data(data)
            except smtplib.SMTPDataError as e:  # a non-354 answer to DATA
                code, msg = e.smtp_code, e.smtp_error
            t.data = (code, msg.decode("utf-8", "replace") if isinstance(msg, bytes) else msg)
        else:
            s.rset()
        return t
    finally:
        if own:
            try:
                s.quit()
            except (smtplib.SMTPException, OSError):
                s.close()


def split_received(data):
    """Splits a message whose first header is Received: into (received_header, rest)."""
    return split_first_field(data, b"Received:")


def split_results(data, authserv_id):
    """Splits a message whose first header is the Authentication-Results field of
    authserv_id (the one the gateway adds after its Received) into (field, rest)."""
    return split_first_field(data, b"Authentication-Results: " + authserv_id.encode() + b";")


def split_first_field(data, start):
    """Splits a message whose first header field begins with `start` into (field, rest)."""
    if not data.startswith(start):
        raise AssertionError(f"message does not start with {start!r}: {data[:200]!r}")
    pos = 0
    while True:
        end = data.find(b"\r\n", pos)
        if end < 0:
            raise AssertionError(f"unterminated {start!r} header")
        nxt = end + 2
        if data[nxt:nxt + 1] in (b" ", b"\t"):
            pos = nxt
            continue
        return data[:nxt], data[nxt:]


def make_message(subject, body_lines, sender="alice@sender.test", to="user@example.test",
                 extra_headers=()):
    """A small RFC 5322 message as bytes with CRLF line ends."""
    head = [f"From: {sender}", f"To: {to}", f"Subject: {subject}",
            f"Message-ID: <{time.time_ns()}.{os.getpid()}@sender.test>",
            "Date: Thu, 01 Jan 2026 00:00:00 +0000", *extra_headers]
    text = "\r\n".join(head) + "\r\n\r\n" + "".join(l + "\r\n" for l in body_lines)
    return text.encode("utf-8")


# --------------------------------------------------------------------------------------------
# Test case base

class GatewayCase(unittest.TestCase):
    """Gives each test its own folder; every process started through these factories is
    stopped in cleanup, also when the test fails."""

    maxDiff = 4000

    def setUp(self):
        if not DAEMON.exists() or not CLI.exists():
            raise AssertionError(f"binaries not found in {BIN_DIR} (set PORTCULLIS_BIN_DIR)")
        self.work = Path(tempfile.mkdtemp(prefix=f"pc-{self._testMethodName[:40]}-"))
        self.work.chmod(0o755)  # the daemon's own user must reach its folders inside
        self.addCleanup(self._remove_work)

    def _remove_work(self):
        if keep_tmp():
            print(f"\n[kept {self.work}]", file=sys.stderr)
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    def make_sink(self, name="sink", start=True, **kw):
        sink = Sink(self.work, name=name, **kw)
        self.addCleanup(sink.stop)
        if start:
            sink.start()
        return sink

    def make_dns(self, zone=None, name="dns"):
        dns = DnsServer(self.work, zone, name=name)
        self.addCleanup(dns.stop)
        dns.start()
        return dns

    def make_gateway(self, dns, mx_sink_port, **kw):
        gw = Gateway(self.work, dns_port=dns.port, mx_port=mx_sink_port, **kw)
        self.gw_for_diagnostics = gw
        self.addCleanup(self._stop_gateway, gw)
        return gw

    def _stop_gateway(self, gw):
        if gw.running:
            gw.stop(check=True)
        else:
            reports = gw.sanitizer_reports()
            if reports:
                raise AssertionError("sanitizer reports in the daemon log: " + "; ".join(reports)
                                     + "\n" + gw.tail(80))

    def diag(self, *sinks):
        """A diagnostics callable for waits: daemon log tail and sink contents."""
        def f():
            parts = []
            gw = getattr(self, "gw_for_diagnostics", None)
            if gw is not None:
                parts.append(gw.tail(40))
            for s in sinks:
                parts.append(f"sink {s.name}: {s.messages()!r}")
            return "\n".join(parts)
        return f
