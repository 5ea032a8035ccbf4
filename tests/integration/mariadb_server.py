"""A private MariaDB server for integration tests: Debian's mariadbd in a temporary datadir,
listening only on a unix socket in that folder (no TCP), started and stopped by the test.

    db = MariaDB(workdir); db.start()
    db.create_database("portcullis", user="portcullis", password="secret")
    db.stop(); db.start()     # same datadir: the data survives, like a real restart
    db.kill()                 # SIGKILL, for fault tests
"""
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from harness import _stop_process, wait_until

MARIADBD = "/usr/sbin/mariadbd"
INSTALL_DB = "/usr/bin/mariadb-install-db"
CLIENT = "/usr/bin/mariadb"


class MariaDB:
    def __init__(self, workdir, name="mariadb"):
        self.root = Path(workdir) / name
        self.datadir = self.root / "data"
        self.socket = self.root / "mysqld.sock"
        self.log = self.root / "error.log"
        self.proc = None
        self.root.mkdir(parents=True, exist_ok=True)

    def _user_args(self):
        return ["--user=root"] if os.geteuid() == 0 else []

    def install(self):
        if (self.datadir / "mysql").is_dir():
            return
        r = subprocess.run([INSTALL_DB, "--no-defaults", f"--datadir={self.datadir}", "--skip-test-db",
                            "--auth-root-authentication-method=normal", *self._user_args()],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=180)
        if r.returncode != 0:
            raise AssertionError(f"mariadb-install-db failed: {r.stderr.decode(errors='replace')[-2000:]}")

    def start(self, timeout=90):
        self.install()
        if self.socket.exists():
            self.socket.unlink()
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [MARIADBD, "--no-defaults", f"--datadir={self.datadir}", f"--socket={self.socket}",
                 "--skip-networking", f"--pid-file={self.root / 'mysqld.pid'}", f"--log-error={self.log}",
                 "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M", "--skip-name-resolve",
                 *self._user_args()],
                stdin=subprocess.DEVNULL, stdout=log, stderr=log)

        def ready():
            if self.proc.poll() is not None:
                raise AssertionError(f"mariadbd exited with {self.proc.returncode}:\n{self.tail()}")
            return self.socket.exists() and self.sql("SELECT 1", check=False).returncode == 0

        wait_until(ready, timeout, "mariadbd to accept connections", interval=0.2, diagnostics=self.tail)
        return self

    def stop(self):
        if self.proc is not None:
            _stop_process(self.proc, signal.SIGTERM, timeout=60)
            self.proc = None

    def kill(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait(timeout=30)
            self.proc = None

    def remove(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def sql(self, statements, database=None, check=True):
        cmd = [CLIENT, "--no-defaults", f"--socket={self.socket}", "-uroot", "--batch", "--skip-column-names"]
        if database:
            cmd.append(database)
        r = subprocess.run(cmd, input=statements.encode(), capture_output=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"mariadb client failed: {r.stderr.decode(errors='replace')}")
        return r

    def create_database(self, name, user, password):
        self.sql(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;\n"
                 f"CREATE USER IF NOT EXISTS '{user}'@'localhost' IDENTIFIED BY '{password}';\n"
                 f"GRANT ALL PRIVILEGES ON `{name}`.* TO '{user}'@'localhost';\n")

    def tail(self, lines=40):
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no mariadb log)"
