"""A scratch system tree for portcullis-firstboot --root tests, and helpers to inspect it.

    tree = ScratchTree(workdir)            # etc/passwd, group, shadow, ssh/, the tz database,
                                           # etc/portcullis/portcullis.toml (SQLite store)
    tree.run_firstboot("--answers", f)     # CompletedProcess (text)
    tree.sql("SELECT name FROM domains")   # rows of the tree's SQLite store
    tree.snapshot()                        # {relative path: (mode, uid, gid, sha256)}

The tree's own `portcullis` user and `portcullis-admin` group get ids that do not exist on the
host (60001/60002), so ownership checks cannot pass by accident.
"""
import hashlib
import os
import sqlite3
import subprocess
from pathlib import Path

from harness import BIN_DIR

FIRSTBOOT = BIN_DIR.parent / "firstboot" / "portcullis-firstboot"
SERVICE_UID = 60001
SERVICE_GID = 60001
ADMIN_GID = 60002

GOOD_ANSWERS = """\
[network]
mode = "static"
address = "192.0.2.10/24"
gateway = "192.0.2.1"
dns = ["192.0.2.53", "2001:db8::53"]

[system]
hostname = "mx.example.org"
timezone = "Europe/Berlin"

[admin]
user = "mailadmin"
password = "Correct-Horse-42-battery"
email = "it@example.net"

[mail]
destination = "exchange.example.org:2525"
recipients = "specified"
relay_networks = ["192.0.2.0/24", "2001:db8:1::/48"]
"""


class ScratchTree:
    def __init__(self, workdir, store=None, store_password_file=None, control_group="portcullis-admin"):
        self.root = Path(workdir) / "root"
        etc = self.root / "etc"
        (etc / "ssh").mkdir(parents=True)
        (etc / "portcullis").mkdir()
        (self.root / "home").mkdir()
        (self.root / "usr/share").mkdir(parents=True)
        os.symlink("/usr/share/zoneinfo", self.root / "usr/share/zoneinfo")
        (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/bash\n"
                                    f"portcullis:x:{SERVICE_UID}:{SERVICE_GID}::/var/lib/portcullis:/usr/sbin/nologin\n")
        (etc / "group").write_text(f"root:x:0:\nsudo:x:27:\nportcullis:x:{SERVICE_GID}:\n"
                                   f"portcullis-admin:x:{ADMIN_GID}:\n")
        (etc / "shadow").write_text("root:*:19000:0:99999:7:::\nportcullis:!:19000::::::\n")
        (etc / "gshadow").write_text("root:*::\nsudo:*::\nportcullis:!::\nportcullis-admin:!::\n")
        os.chmod(etc / "shadow", 0o640)
        os.chmod(etc / "gshadow", 0o640)
        (etc / "machine-id").write_text("")
        (etc / "hosts").write_text("127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n")
        lines = ['spool_dir = "/var/spool/portcullis"', 'data_dir = "/var/lib/portcullis"',
                 f'control_group = "{control_group}"']
        if store:
            lines.append(f'store = "{store}"')
        if store_password_file:
            lines.append(f'store_password_file = "{store_password_file}"')
        self.config = etc / "portcullis" / "portcullis.toml"
        self.config.write_text("\n".join(lines) + "\n")

    def path(self, absolute):
        return self.root / str(absolute).lstrip("/")

    def run_firstboot(self, *args, input=None, timeout=300, root=True):
        cmd = [str(FIRSTBOOT)] + (["--root", str(self.root)] if root else []) + list(args)
        return subprocess.run(cmd, input=input, capture_output=True, text=True, timeout=timeout)

    def write_answers(self, text, name="answers.toml"):
        p = self.root.parent / name
        p.write_text(text)
        return p

    @property
    def db_path(self):
        return self.path("/var/lib/portcullis/portcullis.db")

    def sql(self, query, *params):
        con = sqlite3.connect(self.db_path)
        try:
            return con.execute(query, params).fetchall()
        finally:
            con.close()

    def snapshot(self):
        """Every file and folder of the tree with mode, owner and content hash."""
        out = {}
        for base, dirs, files in os.walk(self.root):
            for n in dirs + files:
                p = Path(base) / n
                st = p.lstat()
                digest = ""
                if p.is_file() and not p.is_symlink():
                    digest = hashlib.sha256(p.read_bytes()).hexdigest()
                out[str(p.relative_to(self.root))] = (st.st_mode, st.st_uid, st.st_gid, digest)
        return out
