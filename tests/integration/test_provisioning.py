"""The appliance's provisioning: the portcullis package (provisioning/package/build-deb) and
provisioning/provision run in a scratch Debian 12 chroot.

PackageTest builds the .deb from the sanitize build ($PORTCULLIS_BIN_DIR and its sibling
firstboot/) and reads it back with dpkg-deb: files and modes, conffiles, control fields,
Depends, the maintainer scripts, and that a second build is byte for byte the same.

ProvisionChrootTest makes a minimal chroot (mmdebstrap --variant=minbase bookworm, from the
host's Debian mirror) and provisions it with the steps that need no large downloads (the
image builder runs them all): apt sources, the package, MariaDB, nftables, sysctl, network,
SSH, unbound, cleanup — twice, to show the second run changes nothing. The ruleset is loaded
by the chroot's nft in a network namespace of its own. About 1.5 minutes, network needed.
Needs root and mmdebstrap; set PORTCULLIS_KEEP_TMP=1 to keep the chroot.
"""
import hashlib
import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN_DIR = Path(os.environ.get("PORTCULLIS_BIN_DIR", str(REPO / "build" / "sanitize" / "daemon")))
BUILD_DIR = BIN_DIR.parent
BUILD_DEB = REPO / "provisioning" / "package" / "build-deb"
PROVISION = REPO / "provisioning" / "provision"
VERSION = "0.0.0~test1"
# The sanitize build's programs are large: gzip -1 instead of xz keeps the build at ~10 s.
FAST = {"PORTCULLIS_DEB_COMPRESSION": "gzip -z1"}
CHROOT_STEPS = "apt,package,mariadb,nftables,sysctl,network,ssh,unbound,cleanup"


def run(cmd, check=True, env=None, timeout=600, **kw):
    full_env = dict(os.environ, **(env or {}))
    r = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=full_env,
                       timeout=timeout, **kw)
    if check and r.returncode != 0:
        raise AssertionError(f"{cmd} exited {r.returncode}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


def build_deb(out_dir, extra_env=None):
    r = run([BUILD_DEB, BUILD_DIR, out_dir, VERSION], env=dict(FAST, **(extra_env or {})))
    deb = Path(r.stdout.strip().splitlines()[-1])
    assert deb == Path(out_dir) / f"portcullis_{VERSION}_amd64.deb", deb
    return deb


def host_debian_mirror():
    """The first Debian (non-security) mirror of the host's apt sources."""
    files = [Path("/etc/apt/sources.list")] + sorted(Path("/etc/apt/sources.list.d").glob("*"))
    for f in files:
        if not f.is_file():
            continue
        for line in f.read_text(errors="replace").splitlines():
            m = re.match(r"\s*(?:deb\s+(?:\[[^]]*\]\s+)?|URIs:\s*)(\S+)", line)
            if m and "debian" in m.group(1) and "security" not in m.group(1):
                return m.group(1)
    return "http://deb.debian.org/debian"


def mounts_below(path):
    """Mount points at or below path, deepest last (from /proc/mounts)."""
    path = os.path.realpath(path)
    with open("/proc/mounts") as f:
        points = [line.split()[1].replace("\\040", " ") for line in f]
    return [p for p in points if p == path or p.startswith(path + "/")]


_deb_cache = {}


def shared_deb():
    """One package for the whole module (building it takes ~10 s)."""
    if "deb" not in _deb_cache:
        d = tempfile.mkdtemp(prefix="portcullis-deb.")
        _deb_cache["dir"] = d
        _deb_cache["deb"] = build_deb(d)
    return _deb_cache["deb"]


def tearDownModule():
    if "dir" in _deb_cache:
        shutil.rmtree(_deb_cache["dir"], ignore_errors=True)


class PackageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.deb = shared_deb()
        cls.info = run(["dpkg-deb", "--info", cls.deb]).stdout
        cls.contents = {}
        for line in run(["dpkg-deb", "--contents", cls.deb]).stdout.splitlines():
            perms, owner, _size, _date, _time, name = line.split(None, 5)
            cls.contents[name.split(" -> ")[0].removeprefix(".")] = (perms, owner)

    def field(self, name):
        return run(["dpkg-deb", "--field", self.deb, name]).stdout.strip()

    def test_control_fields(self):
        self.assertEqual(self.field("Package"), "portcullis")
        self.assertEqual(self.field("Version"), VERSION)
        self.assertEqual(self.field("Architecture"), "amd64")
        self.assertEqual(self.field("Section"), "mail")
        self.assertEqual(self.field("Priority"), "optional")
        self.assertIn("<", self.field("Maintainer"))
        self.assertTrue(self.field("Description").startswith("secure email gateway"))
        self.assertGreater(int(self.field("Installed-Size")), 1000)

    def test_depends(self):
        deps = [d.strip() for d in self.field("Depends").split(",")]
        names = {d.split()[0] for d in deps}
        # From dpkg-shlibdeps: what the programs link.
        for lib in ("libc6", "libssl3", "libc-ares2", "liblua5.4-0", "libmariadb3", "libseccomp2",
                    "libsqlite3-0", "libsystemd0", "libstdc++6"):
            self.assertIn(lib, names)
        self.assertTrue(any(re.fullmatch(r"libssl3 \(>= 3[^)]*\)", d) for d in deps), deps)
        # What they run or read (publicsuffix: DMARC's organisational domains).
        for prog in ("whiptail", "openssh-client", "passwd", "tzdata", "publicsuffix"):
            self.assertIn(prog, names)
        self.assertIn("mariadb-server (>= 1:10.11)", deps)
        self.assertEqual(len(names), len(deps), "a package named twice")

    def test_files_and_modes(self):
        c = self.contents
        for prog in ("portcullisd", "portcullis", "portcullis-firstboot"):
            self.assertEqual(c[f"/usr/sbin/{prog}"][0], "-rwxr-xr-x", prog)
        for unit in ("portcullisd.service", "portcullisd.socket", "portcullisd-submission.socket",
                     "portcullis-firstboot.service"):
            self.assertEqual(c[f"/lib/systemd/system/{unit}"][0], "-rw-r--r--", unit)
        self.assertEqual(c["/etc/portcullis/portcullis.toml"][0], "-rw-r--r--")
        for rule in (REPO / "lua-rules").glob("*.lua"):
            self.assertIn(f"/etc/portcullis/rules.d/{rule.name}", c)
        for doc in ["README.md"] + [p.name for p in (REPO / "docs").glob("*.md")]:
            self.assertIn(f"/usr/share/doc/portcullis/{doc}", c)
        self.assertEqual(c["/usr/share/portcullis/provisioning/provision"][0], "-rwxr-xr-x")
        self.assertIn("/usr/share/portcullis/provisioning/steps/99-cleanup.sh", c)
        self.assertIn("/usr/share/portcullis/provisioning/files/etc/nftables.conf", c)
        self.assertEqual({owner for _, owner in c.values()}, {"root/root"})

    def test_programs_stripped(self):
        with tempfile.TemporaryDirectory() as d:
            run(["dpkg-deb", "-x", self.deb, d])
            out = run(["file", "-L", f"{d}/usr/sbin/portcullisd"], check=False).stdout
            if "ELF" in out:
                self.assertIn("stripped", out)
                self.assertNotIn("not stripped", out)
            sections = run(["readelf", "-S", f"{d}/usr/sbin/portcullisd"]).stdout
            self.assertNotIn(".debug_info", sections)

    def test_conffiles(self):
        with tempfile.TemporaryDirectory() as d:
            run(["dpkg-deb", "-e", self.deb, d])
            conffiles = Path(d, "conffiles").read_text().split()
            expected = ["/etc/portcullis/portcullis.toml"] + sorted(
                f"/etc/portcullis/rules.d/{p.name}" for p in (REPO / "lua-rules").glob("*.lua"))
            self.assertEqual(sorted(conffiles), sorted(expected))
            for s in ("postinst", "prerm", "postrm"):
                self.assertTrue(os.access(Path(d, s), os.X_OK), s)
                run(["sh", "-n", Path(d, s)])

    def test_packaged_config_is_valid(self):
        with tempfile.TemporaryDirectory() as d:
            run(["dpkg-deb", "-x", self.deb, d])
            conf = Path(d, "etc/portcullis/portcullis.toml")
            r = run([BIN_DIR / "portcullisd", "--config", conf, "--check-config"], check=False)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            text = conf.read_text()
            self.assertIn('store = "mariadb://portcullis@unix:/run/mysqld/mysqld.sock/portcullis"', text)
            self.assertIn('control_group = "portcullis-admin"', text)

    def test_reproducible(self):
        """Same tree, same SOURCE_DATE_EPOCH: the same bytes."""
        with tempfile.TemporaryDirectory() as d:
            again = build_deb(d)
            self.assertEqual(hashlib.sha256(again.read_bytes()).hexdigest(),
                             hashlib.sha256(self.deb.read_bytes()).hexdigest())


class ScriptsTest(unittest.TestCase):
    SCRIPTS = ([PROVISION, BUILD_DEB, REPO / "provisioning/lib/common.sh"]
               + sorted((REPO / "provisioning/steps").glob("*.sh")))

    def test_syntax(self):
        for s in self.SCRIPTS:
            run(["bash", "-n", s])
        for s in ("postinst", "prerm", "postrm"):
            run(["sh", "-n", REPO / "provisioning/package" / s])

    @unittest.skipUnless(shutil.which("shellcheck"), "shellcheck not installed")
    def test_shellcheck(self):
        maint = [REPO / "provisioning/package" / s for s in ("postinst", "prerm", "postrm")]
        run(["shellcheck", "-x", *self.SCRIPTS, *maint], cwd=REPO / "provisioning")

    def test_list_steps(self):
        out = run([PROVISION, "--list-steps"]).stdout
        names = [line.split()[0] for line in out.splitlines()]
        self.assertEqual(names[:2], ["apt", "package"])
        self.assertEqual(names[-1], "cleanup")
        for n in ("mariadb", "clamav", "spamassassin", "unbound", "nftables", "chrony",
                  "unattended-upgrades", "sysctl", "network", "guest-tools", "ssh"):
            self.assertIn(n, names)

    @unittest.skipUnless(os.geteuid() == 0, "needs root")
    def test_bad_usage(self):
        r = run([PROVISION, "--only", "nftables,bogus"], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unknown step 'bogus'", r.stderr)
        r = run([PROVISION, "--only", "package"], check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--deb", r.stderr)
        r = run([PROVISION, "--frobnicate"], check=False)
        self.assertEqual(r.returncode, 2)

    def test_nftables_rules_text(self):
        text = (REPO / "provisioning/files/etc/nftables.conf").read_text()
        self.assertIn("policy drop;", text)
        self.assertRegex(text, r"set admin_nets \{[^}]*10\.0\.0\.0/8, 172\.16\.0\.0/12, 192\.168\.0\.0/16")
        self.assertRegex(text, r"set admin_nets6 \{[^}]*fc00::/7")


def tree_digest(root, top):
    """path -> (mode, uid, gid, content or link hash) for every file below root/top."""
    out = {}
    base = Path(root)
    for dirpath, dirs, files in os.walk(base / top):
        for n in dirs + files:
            p = Path(dirpath, n)
            st = p.lstat()
            if stat.S_ISLNK(st.st_mode):
                what = "->" + os.readlink(p)
            elif stat.S_ISREG(st.st_mode):
                what = hashlib.sha256(p.read_bytes()).hexdigest()
            else:
                what = ""
            out[str(p.relative_to(base))] = (st.st_mode, st.st_uid, st.st_gid, what)
    return out


@unittest.skipUnless(os.geteuid() == 0, "needs root (chroot, mounts)")
@unittest.skipUnless(shutil.which("mmdebstrap"), "mmdebstrap not installed")
class ProvisionChrootTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.deb = shared_deb()
        cls.tmp = tempfile.mkdtemp(prefix="portcullis-provision.")
        cls.root = Path(cls.tmp, "root")
        try:
            run(["mmdebstrap", "--quiet", "--variant=minbase", "--include=systemd", "bookworm",
                 cls.root, host_debian_mirror()])
            cls.first = cls.provision("manifest1")
            cls.etc_after_first = tree_digest(cls.root, "etc")
            cls.second = cls.provision("manifest2")
            cls.etc_after_second = tree_digest(cls.root, "etc")
            cls.builder_run = cls.provision_like_image_builder()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def provision(cls, manifest_name):
        manifest = Path(cls.tmp, manifest_name)
        r = run([PROVISION, "--deb", cls.deb, "--root", cls.root, "--only", CHROOT_STEPS,
                 "--manifest", manifest])
        return r, manifest

    @classmethod
    def provision_like_image_builder(cls):
        """appliance/build-image's way: provisioning/ and the package copied to /tmp/portcullis
        in the tree, /proc mounted by the caller, `chroot ROOT .../provision` (no --root)."""
        stage = cls.root / "tmp/portcullis"
        stage.mkdir(parents=True)
        shutil.copytree(REPO / "provisioning", stage / "provisioning", symlinks=True)
        shutil.copy(cls.deb, stage)
        (cls.root / "tmp/leftover").write_text("a build leftover\n")
        proc = cls.root / "proc"
        run(["mount", "-t", "proc", "proc", proc])
        try:
            return run(["chroot", cls.root, "/tmp/portcullis/provisioning/provision",
                        "--deb", f"/tmp/portcullis/{cls.deb.name}", "--only", "package,sysctl,cleanup",
                        "--manifest", "/tmp/portcullis/packages.txt"], env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})
        finally:
            run(["umount", proc])

    @classmethod
    def tearDownClass(cls):
        # The provision script unmounts what it mounted; if anything is left (a failed run),
        # unmount it here, deepest first, and never delete a tree with a mount inside.
        for m in reversed(mounts_below(cls.root)):
            subprocess.run(["umount", "-l", m], check=False)
        if mounts_below(cls.root):
            raise RuntimeError(f"still mounted below {cls.root}; not removing {cls.tmp}")
        if os.environ.get("PORTCULLIS_KEEP_TMP"):
            print(f"kept {cls.tmp}")
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def path(self, p):
        return self.root / p.lstrip("/")

    def chroot(self, *cmd, check=True):
        return run(["chroot", self.root, *cmd], check=check)

    def ids(self, db, name):
        for line in self.path(f"/etc/{db}").read_text().splitlines():
            f = line.split(":")
            if f[0] == name:
                return f
        self.fail(f"{name} not in the chroot's /etc/{db}")

    def assertOwnerMode(self, p, user, group, mode):
        st = self.path(p).stat()
        self.assertEqual(stat.S_IMODE(st.st_mode), mode, p)
        self.assertEqual(st.st_uid, int(self.ids("passwd", user)[2]), p)
        self.assertEqual(st.st_gid, int(self.ids("group", group)[2]), p)

    def enabled(self, unit):
        return self.chroot("systemctl", "is-enabled", unit, check=False).stdout.strip() == "enabled"

    # --- the runs ---

    def test_one_line_per_step(self):
        for r, _ in (self.first, self.second):
            lines = r.stdout.splitlines()
            steps = CHROOT_STEPS.split(",")
            self.assertIn("in a chroot", lines[0])
            self.assertEqual(len(lines), 1 + len(steps), r.stdout)
            for line, step in zip(lines[1:], steps):
                self.assertRegex(line, rf"^provision: \[ *\d+/{len(steps)}\] {re.escape(step)} +ok \(\d+ s\)$")

    def test_second_run_changes_nothing(self):
        self.assertEqual(self.first[1].read_text(), self.second[1].read_text())
        changed = sorted(k for k in self.etc_after_first.keys() | self.etc_after_second.keys()
                         if self.etc_after_first.get(k) != self.etc_after_second.get(k))
        self.assertEqual(changed, [])
        self.assertEqual(self.path("/etc/passwd").read_text().count("\nportcullis:"), 1)

    def test_image_builder_style_run(self):
        r = self.builder_run
        self.assertIn("in a chroot", r.stdout.splitlines()[0])
        self.assertIn(f"portcullis\t{VERSION}\tamd64",
                      self.path("/tmp/portcullis/packages.txt").read_text().splitlines())
        # The caller's staging folder stays for it to remove; other leftovers are gone.
        self.assertTrue(self.path(f"/tmp/portcullis/provisioning/provision").exists())
        self.assertFalse(self.path("/tmp/leftover").exists())
        self.assertFalse(self.path("/usr/sbin/policy-rc.d").exists())
        self.assertEqual(list(self.path("/run").iterdir()), [])

    def test_nothing_left_mounted_or_staged(self):
        self.assertEqual(mounts_below(self.root), [])
        self.assertFalse(self.path("/run/portcullis-provision").exists())
        self.assertFalse(self.path("/usr/sbin/policy-rc.d").exists())

    # --- package ---

    def test_package_installed(self):
        r = self.chroot("dpkg-query", "-W", "-f", "${db:Status-Status} ${Version}", "portcullis")
        self.assertEqual(r.stdout, f"installed {VERSION}")
        self.assertIn(f"portcullis\t{VERSION}\tamd64", self.first[1].read_text().splitlines())
        self.assertTrue(self.path("/usr/sbin/portcullisd").is_file())
        self.assertTrue(self.path("/etc/portcullis/portcullis.toml").is_file())

    def test_users_groups_folders(self):
        user = self.ids("passwd", "portcullis")
        self.assertEqual(user[5:7], ["/var/lib/portcullis", "/usr/sbin/nologin"])
        self.assertLess(int(user[2]), 1000)
        self.assertEqual(user[3], self.ids("group", "portcullis")[2])
        self.ids("group", "portcullis-admin")
        self.assertOwnerMode("/var/spool/portcullis", "portcullis", "portcullis", 0o750)
        self.assertOwnerMode("/var/lib/portcullis", "portcullis", "portcullis", 0o750)
        self.assertOwnerMode("/etc/portcullis/certs", "root", "portcullis", 0o750)
        self.assertOwnerMode("/etc/portcullis/dkim", "root", "portcullis", 0o750)

    def test_units_enabled_not_started(self):
        for unit in ("portcullisd.service", "portcullis-firstboot.service", "mariadb.service",
                     "nftables.service", "systemd-networkd.service", "ssh.service",
                     "unbound.service"):
            self.assertTrue(self.enabled(unit), unit)
        # Nothing ran: no MariaDB socket, no unbound or sshd process of the chroot.
        self.assertFalse(self.path("/run/mysqld/mysqld.sock").exists())

    # --- the other steps ---

    def test_apt_sources(self):
        text = "".join(p.read_text() for p in self.path("/etc/apt/sources.list.d").glob("*.sources"))
        self.assertIn("bookworm-security", text)
        self.assertIn("bookworm-updates", text)

    def test_mariadb_local_socket_only(self):
        conf = self.path("/etc/mysql/mariadb.conf.d/90-portcullis.cnf").read_text()
        self.assertRegex(conf, r"(?m)^\[mysqld\]$")
        self.assertRegex(conf, r"(?m)^skip-networking$")
        self.assertFalse(self.path("/var/lib/mysql/test").exists())

    def test_nftables_ruleset_loads(self):
        """The chroot's nft loads the ruleset into a network namespace of its own."""
        self.assertTrue(self.path("/etc/nftables.conf").is_file())
        r = run(["unshare", "--net", "--mount-proc=" + str(self.path("/proc")), "chroot", self.root,
                 "sh", "-c", "nft -c -f /etc/nftables.conf && nft -f /etc/nftables.conf && "
                             "nft list set inet portcullis admin_nets && "
                             "nft list chain inet portcullis input"], check=False)
        # unshare --mount-proc mounts /proc in a private mount namespace: nothing to unmount.
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("10.0.0.0/8", r.stdout)
        self.assertIn("policy drop", r.stdout)
        self.assertRegex(r.stdout, r"ip saddr @admin_nets tcp dport \{ 22, 443 \} accept")
        self.assertRegex(r.stdout, r"tcp dport \{ 25, 587 \} accept")

    def test_sysctl_file(self):
        text = self.path("/etc/sysctl.d/90-portcullis.conf").read_text()
        keys = {}
        for line in text.splitlines():
            if not line.strip() or line.lstrip().startswith(("#", ";")):
                continue
            m = re.fullmatch(r"([a-z0-9_.]+) = (\S+)", line)
            self.assertIsNotNone(m, f"bad sysctl line: {line!r}")
            keys[m.group(1)] = m.group(2)
        for k, v in {"net.ipv4.conf.all.rp_filter": "1", "net.ipv4.conf.all.accept_redirects": "0",
                     "net.ipv6.conf.all.accept_redirects": "0", "net.ipv4.conf.all.send_redirects": "0",
                     "net.ipv4.conf.all.accept_source_route": "0", "net.ipv4.tcp_syncookies": "1",
                     "kernel.kptr_restrict": "2", "kernel.dmesg_restrict": "1",
                     "kernel.yama.ptrace_scope": "1", "fs.protected_symlinks": "1",
                     "fs.protected_hardlinks": "1"}.items():
            self.assertEqual(keys.get(k), v, k)
        # Every key but Yama's (an LSM this test kernel may lack) exists in a Linux kernel.
        for k in keys:
            if not k.startswith("kernel.yama."):
                self.assertTrue(Path("/proc/sys", k.replace(".", "/")).exists(), k)

    def test_network_default(self):
        text = self.path("/etc/systemd/network/99-portcullis-default.network").read_text()
        self.assertIn("Name=en* eth*", text)
        self.assertIn("DHCP=yes", text)

    def test_ssh(self):
        conf = self.path("/etc/ssh/sshd_config.d/50-portcullis.conf").read_text()
        self.assertRegex(conf, r"(?m)^PermitRootLogin no$")
        self.assertRegex(conf, r"(?m)^AllowGroups portcullis-admin$")

    def test_unbound_and_resolv_conf(self):
        self.chroot("unbound-checkconf")
        conf = self.path("/etc/unbound/unbound.conf.d/portcullis.conf").read_text()
        self.assertIn("interface: 127.0.0.1", conf)
        self.assertIn("interface: ::1", conf)
        self.assertTrue(self.path("/etc/unbound/unbound.conf.d/root-auto-trust-anchor-file.conf").exists())
        self.assertRegex(self.path("/etc/resolv.conf").read_text(), r"(?m)^nameserver 127\.0\.0\.1$")

    # --- cleanup ---

    def test_cleanup_secret_free(self):
        self.assertEqual(self.path("/etc/machine-id").read_bytes(), b"")
        self.assertFalse(self.path("/var/lib/dbus/machine-id").exists())
        self.assertEqual(list(self.path("/etc/ssh").glob("ssh_host_*")), [])
        self.assertEqual(self.path("/etc/hostname").read_text(), "portcullis\n")
        self.assertRegex(self.path("/etc/hosts").read_text(), r"(?m)^127\.0\.1\.1\s+portcullis$")
        self.assertEqual(self.chroot("passwd", "-S", "root").stdout.split()[1], "L")
        self.assertFalse(self.path("/etc/shadow-").exists())
        self.assertEqual(list(self.path("/var/lib/apt/lists").iterdir()), [])
        # No log file left (symbolic links such as systemd's README stay).
        self.assertEqual([p for p in self.path("/var/log").rglob("*")
                          if stat.S_ISREG(p.lstat().st_mode)], [])
        self.assertEqual([p.name for p in self.path("/tmp").iterdir()], ["portcullis"])
        self.assertEqual(list(self.path("/var/cache/apt/archives").glob("*.deb")), [])


if __name__ == "__main__":
    unittest.main()
