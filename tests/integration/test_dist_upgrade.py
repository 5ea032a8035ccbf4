"""portcullis-dist-upgrade (provisioning/upgrade/dist-upgrade): the Debian 12 -> 13 release
upgrade of the appliance.

On scratch system trees (--root): the rewrite of apt sources in both styles (one-line and
deb822; bookworm-security -> trixie-security), third-party and disabled sources untouched,
originals kept, a second rewrite changing nothing, apt itself reading the result; plan; the
preflight's refusals (not bookworm, a wrong step, a bundle for Debian 12, free space, held and
half-installed packages, unattended-upgrades off or pinned to bookworm, no trixie keys, the
lock held by another run) and its log.

RunEnvelope drives `run` itself in a private mount namespace whose /etc/apt, /etc/os-release,
archive keyrings, /var/log and /run/lock are a scratch tree's, with stand-ins for apt-get,
dpkg, systemctl and portcullis-upgrade that record their calls: the order of the steps, and
what each failure leaves behind (sources put back and the gateway resumed before packages
changed; quiesced with the recovery paths after). Needs root (skipped otherwise).
About 15 s (a third of it shellcheck). PORTCULLIS_KEEP_TMP=1 keeps the trees.
"""
import fcntl
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import unittest
from pathlib import Path

from harness import keep_tmp

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "provisioning" / "upgrade" / "dist-upgrade"
APT_CONF_D = REPO / "provisioning" / "files" / "etc" / "apt" / "apt.conf.d"

OS_RELEASE = """PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
"""

# /etc/apt/sources.list as mmdebstrap leaves it, plus what admins add.
SOURCES_LIST = """\
# Debian's archive (one-line style)
deb http://deb.debian.org/debian bookworm main non-free-firmware
deb-src http://deb.debian.org/debian bookworm main
#deb http://deb.debian.org/debian bookworm-backports main
deb http://security.debian.org/debian-security bookworm-security main contrib # security
deb [arch=amd64 signed-by=/usr/share/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable
"""
SOURCES_LIST_TRIXIE = """\
# Debian's archive (one-line style)
deb http://deb.debian.org/debian trixie main non-free-firmware
deb-src http://deb.debian.org/debian trixie main
#deb http://deb.debian.org/debian bookworm-backports main
deb http://security.debian.org/debian-security trixie-security main contrib # security
deb [arch=amd64 signed-by=/usr/share/keyrings/docker.gpg] https://download.docker.com/linux/debian bookworm stable
"""
# What provisioning/steps/05-apt.sh writes (deb822).
SECURITY_SOURCES = """\
# Portcullis appliance: security updates (installed daily by unattended-upgrades).
Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
"""
# A local mirror of Debian (known by Debian's keyring), values on continuation lines, a
# third-party stanza and a disabled one in the same file.
MIRROR_SOURCES = """\
Types: deb deb-src
URIs: http://mirror.example.net/debian
Suites: bookworm
  bookworm-updates  bookworm-backports
Components: main non-free-firmware
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

# Node.js, from its vendor
Types: deb
URIs: https://deb.nodesource.com/node_20.x
Suites: nodistro
Components: main
Signed-By: /usr/share/keyrings/nodesource.gpg

Enabled: no
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-proposed-updates
Components: main
"""
MIRROR_SOURCES_TRIXIE = MIRROR_SOURCES.replace(
    "Suites: bookworm\n  bookworm-updates  bookworm-backports\n",
    "Suites: trixie\n  trixie-updates  trixie-backports\n")
VENDOR_LIST = "deb https://packages.cloud.google.com/apt cloud-sdk-bookworm main\n"


def make_bundle(path, debian="13", version="2.0.0", manifest=True):
    """A tar holding only manifest.toml: enough for the checks before the signature."""
    with tempfile.TemporaryDirectory() as d:
        if manifest:
            Path(d, "manifest.toml").write_text(
                f'format = 1\nversion = "{version}"\ndebian = "{debian}"\n\n[package]\nfile = "portcullis.deb"\n')
        else:
            Path(d, "README").write_text("not a bundle\n")
        with tarfile.open(path, "w") as t:
            for n in sorted(os.listdir(d)):
                t.add(Path(d, n), arcname=n)
    return Path(path)


class Tree:
    """A bookworm system tree shaped like the appliance, as far as the upgrade reads it."""

    def __init__(self, root):
        self.root = Path(root)
        for d in ("etc/apt/sources.list.d", "etc/apt/apt.conf.d", "etc/apt/preferences.d", "usr/lib",
                  "usr/share/keyrings", "etc/systemd/system/multi-user.target.wants", "var/log", "run/lock"):
            (self.root / d).mkdir(parents=True, exist_ok=True)
        self.write("/usr/lib/os-release", OS_RELEASE)
        os.symlink("../usr/lib/os-release", self.path("/etc/os-release"))
        self.write("/etc/apt/sources.list", SOURCES_LIST)
        self.write("/etc/apt/sources.list.d/portcullis-security.sources", SECURITY_SOURCES)
        self.write("/etc/apt/sources.list.d/mirror.sources", MIRROR_SOURCES)
        self.write("/etc/apt/sources.list.d/vendor.list", VENDOR_LIST)
        for f in APT_CONF_D.iterdir():
            shutil.copy(f, self.path(f"/etc/apt/apt.conf.d/{f.name}"))
        for k in ("debian-archive-keyring.gpg", "debian-archive-trixie-automatic.gpg",
                  "debian-archive-trixie-security-automatic.gpg"):
            self.write(f"/usr/share/keyrings/{k}", "")
        os.symlink("/lib/systemd/system/unattended-upgrades.service",
                   self.path("/etc/systemd/system/multi-user.target.wants/unattended-upgrades.service"))

    def path(self, p):
        return self.root / p.lstrip("/")

    def write(self, p, text, mode=0o644):
        f = self.path(p)
        f.write_text(text)
        os.chmod(f, mode)
        return f

    def read(self, p):
        return self.path(p).read_text()

    def apt_snapshot(self):
        """Every file under etc/apt: name -> (bytes, mode, mtime)."""
        out = {}
        for dirpath, _, files in os.walk(self.path("/etc/apt")):
            for n in files:
                f = Path(dirpath, n)
                st = f.lstat()
                out[str(f.relative_to(self.root))] = (f.read_bytes(), st.st_mode, st.st_mtime_ns)
        return out

    def set_release(self, codename, number):
        self.write("/usr/lib/os-release", OS_RELEASE.replace("bookworm", codename).replace('"12', f'"{number}'))

    def add_dpkg_status(self, *stanzas):
        """A dpkg database under the tree: (package, status) pairs."""
        d = self.path("/var/lib/dpkg")
        (d / "info").mkdir(parents=True, exist_ok=True)
        (d / "updates").mkdir(exist_ok=True)
        (d / "available").touch()
        text = ""
        for pkg, status in stanzas:
            text += (f"Package: {pkg}\nStatus: {status}\nArchitecture: all\nVersion: 1.0\n"
                     f"Maintainer: Nobody <nobody@example.org>\nDescription: {pkg}\n\n")
            (d / "info" / f"{pkg}.list").touch()
            (d / "info" / f"{pkg}.md5sums").touch()
        (d / "status").write_text(text)


def run(args, env=None, timeout=120, check=None, input=None):
    full = dict(os.environ, **(env or {}))
    full.pop("SSH_CONNECTION", None)
    stdin = {} if input is not None else {"stdin": subprocess.DEVNULL}
    r = subprocess.run([str(a) for a in args], capture_output=True, text=True, env=full, timeout=timeout,
                       input=input, **stdin)
    if check is not None and r.returncode != check:
        raise AssertionError(f"{args} exited {r.returncode}, not {check}\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}")
    return r


class DistUpgradeCase(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="portcullis-dist-upgrade."))
        if not keep_tmp():
            self.addCleanup(shutil.rmtree, self.tmp, True)
        self.tree = Tree(self.tmp / "root")
        self.bundle13 = make_bundle(self.tmp / "portcullis-2.0.0-trixie.bundle", debian="13")
        self.bundle12 = make_bundle(self.tmp / "portcullis-2.0.0-bookworm.bundle", debian="12")

    def du(self, *args, env=None, check=None):
        return run([SCRIPT, *args], env=env, check=check)

    def check(self, *extra, to="trixie", bundle=None, env=None, tree=None):
        return self.du("check", "--to", to, "--bundle", bundle or self.bundle13,
                       "--root", (tree or self.tree).root, *extra, env=env)

    def rewrite(self, *extra, to="trixie", tree=None):
        return self.du("rewrite-sources", "--to", to, "--root", (tree or self.tree).root, *extra)

    def assertFailLine(self, r, text):
        fails = [line for line in r.stdout.splitlines() if line.strip().startswith("FAIL")]
        self.assertTrue(any(text in line for line in fails), f"no FAIL line with {text!r} in:\n{r.stdout}{r.stderr}")


class Script(unittest.TestCase):
    def test_bash_syntax(self):
        run(["bash", "-n", SCRIPT], check=0)

    @unittest.skipUnless(shutil.which("shellcheck"), "shellcheck not installed")
    def test_shellcheck_clean(self):
        r = run(["shellcheck", "--severity=style", SCRIPT])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_executable(self):
        self.assertTrue(os.access(SCRIPT, os.X_OK))

    def test_usage(self):
        r = run([SCRIPT, "--help"], check=0)
        for word in ("plan", "check", "run", "--to", "--bundle", "--yes", "--root", "--resume-on-failure"):
            self.assertIn(word, r.stdout)
        self.assertNotIn("rewrite-sources", r.stdout)   # hidden: the tests' door to the rewrite
        self.assertEqual(run([SCRIPT]).returncode, 64)
        self.assertEqual(run([SCRIPT, "frobnicate", "--to", "trixie"]).returncode, 64)
        r = run([SCRIPT, "plan"])
        self.assertEqual(r.returncode, 64)
        self.assertIn("--to", r.stderr)


class SourcesRewrite(DistUpgradeCase):
    def test_one_line_and_deb822_sources_move_to_trixie(self):
        r = self.rewrite()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.tree.read("/etc/apt/sources.list"), SOURCES_LIST_TRIXIE)
        self.assertEqual(self.tree.read("/etc/apt/sources.list.d/portcullis-security.sources"),
                         SECURITY_SOURCES.replace("Suites: bookworm-security", "Suites: trixie-security"))
        self.assertEqual(self.tree.read("/etc/apt/sources.list.d/mirror.sources"), MIRROR_SOURCES_TRIXIE)
        self.assertIn("rewrote /etc/apt/sources.list (original: /etc/apt/sources.list.portcullis-bookworm)", r.stdout)

    def test_third_party_and_disabled_sources_untouched_and_listed(self):
        vendor = self.tree.path("/etc/apt/sources.list.d/vendor.list")
        before = (vendor.read_bytes(), vendor.stat().st_mtime_ns)
        r = self.rewrite()
        self.assertEqual((vendor.read_bytes(), vendor.stat().st_mtime_ns), before)
        self.assertFalse(Path(str(vendor) + ".portcullis-bookworm").exists())
        # the Docker line (a vendor's own "bookworm" suite), Node's stanza and the disabled one
        self.assertIn("download.docker.com/linux/debian bookworm stable", self.tree.read("/etc/apt/sources.list"))
        self.assertIn("Enabled: no\nTypes: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-proposed-updates",
                      self.tree.read("/etc/apt/sources.list.d/mirror.sources"))
        for text in ("left alone (third-party): /etc/apt/sources.list:6: https://download.docker.com/linux/debian bookworm",
                     "left alone (third-party): /etc/apt/sources.list.d/vendor.list:1",
                     "left alone (third-party): /etc/apt/sources.list.d/mirror.sources (stanza at line 8)",
                     "left alone (disabled): /etc/apt/sources.list.d/mirror.sources (stanza at line 15)"):
            self.assertIn(text, r.stdout)

    def test_originals_kept_beside_with_their_mode(self):
        self.tree.write("/etc/apt/sources.list", SOURCES_LIST, mode=0o640)
        self.rewrite()
        for name, original in (("/etc/apt/sources.list", SOURCES_LIST),
                               ("/etc/apt/sources.list.d/portcullis-security.sources", SECURITY_SOURCES),
                               ("/etc/apt/sources.list.d/mirror.sources", MIRROR_SOURCES)):
            self.assertEqual(self.tree.read(name + ".portcullis-bookworm"), original, name)
        self.assertEqual(self.tree.path("/etc/apt/sources.list").stat().st_mode & 0o7777, 0o640)
        # nothing else appeared (no temporary files left)
        names = sorted(p.name for p in self.tree.path("/etc/apt/sources.list.d").iterdir())
        self.assertEqual(names, ["mirror.sources", "mirror.sources.portcullis-bookworm", "portcullis-security.sources",
                                 "portcullis-security.sources.portcullis-bookworm", "vendor.list"])

    def test_a_second_rewrite_changes_nothing(self):
        self.rewrite()
        before = self.tree.apt_snapshot()
        time.sleep(0.01)
        r = self.rewrite()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("nothing to rewrite", r.stdout)
        self.assertEqual(self.tree.apt_snapshot(), before)

    @unittest.skipUnless(shutil.which("apt-get"), "needs apt-get")
    def test_apt_reads_the_rewritten_sources(self):
        self.rewrite()
        lists = self.tmp / "lists"
        (lists / "partial").mkdir(parents=True)
        r = run(["apt-get", "-o", f"Dir::Etc::SourceList={self.tree.path('/etc/apt/sources.list')}",
                 "-o", f"Dir::Etc::SourceParts={self.tree.path('/etc/apt/sources.list.d')}",
                 "-o", f"Dir::State::Lists={lists}", "--print-uris", "update"], check=0)
        uris = [line.split("'")[1] for line in r.stdout.splitlines() if line.startswith("'")]
        for u in ("http://deb.debian.org/debian/dists/trixie/InRelease",
                  "http://security.debian.org/debian-security/dists/trixie-security/InRelease",
                  "http://deb.debian.org/debian-security/dists/trixie-security/InRelease",
                  "http://mirror.example.net/debian/dists/trixie-backports/InRelease"):
            self.assertIn(u, uris)
        debian_bookworm = [u for u in uris if "/dists/bookworm" in u and "docker" not in u]
        self.assertEqual(debian_bookworm, [])

    def test_a_local_mirror_by_option(self):
        # No Signed-By naming Debian's keyring: only --mirror says it is Debian's.
        self.tree.write("/etc/apt/sources.list", "deb http://apt.corp.example/debian bookworm main\n"
                        "deb http://apt.corp.example/debian-security bookworm-security main\n")
        self.rewrite()
        self.assertIn("apt.corp.example/debian bookworm main", self.tree.read("/etc/apt/sources.list"))
        self.rewrite("--mirror", "http://apt.corp.example/")
        self.assertEqual(self.tree.read("/etc/apt/sources.list"),
                         "deb http://apt.corp.example/debian trixie main\n"
                         "deb http://apt.corp.example/debian-security trixie-security main\n")

    def test_a_suite_alias_is_refused_and_nothing_changes(self):
        self.tree.write("/etc/apt/sources.list.d/stable.list", "deb http://deb.debian.org/debian stable main\n")
        before = self.tree.apt_snapshot()
        r = self.rewrite()
        self.assertEqual(r.returncode, 2)
        self.assertIn("suite 'stable' follows Debian's current release", r.stderr)
        self.assertEqual(self.tree.apt_snapshot(), before)
        self.assertFailLine(self.check(), "suite 'stable'")

    def test_plan_lists_the_changes_and_the_steps(self):
        before = self.tree.apt_snapshot()
        r = self.du("plan", "--to", "trixie", "--root", self.tree.root, "--bundle", self.bundle13, check=0)
        out = r.stdout
        self.assertIn("bookworm (Debian 12) -> trixie (Debian 13)", out)
        self.assertIn("change  /etc/apt/sources.list:5: http://security.debian.org/debian-security: "
                      "bookworm-security -> trixie-security", out)
        self.assertIn("change  /etc/apt/sources.list.d/mirror.sources (stanza at line 1): http://mirror.example.net/debian: "
                      "bookworm bookworm-updates bookworm-backports -> trixie trixie-updates trixie-backports", out)
        self.assertIn("keep    /etc/apt/sources.list.d/vendor.list:1: https://packages.cloud.google.com/apt "
                      "cloud-sdk-bookworm (third-party: left alone)", out)
        self.assertIn("(disabled: left alone)", out)
        self.assertIn("Portcullis 2.0.0 for Debian 13", out)
        for step in ("portcullis-upgrade backup", "portcullis-upgrade quiesce", "apt-get --download-only full-upgrade",
                     "--force-confold --force-confdef", "portcullis-upgrade apply BUNDLE --for-debian 13 --no-quiesce",
                     "portcullis-upgrade health", "snapshot"):
            self.assertIn(step, out)
        self.assertEqual(self.tree.apt_snapshot(), before)
        r = self.du("plan", "--to", "forky", "--root", self.tree.root)
        self.assertEqual(r.returncode, 2)
        self.assertIn("REFUSED: forky skips trixie", r.stdout)


class Preflight(DistUpgradeCase):
    def test_a_ready_tree_passes_and_says_what_was_skipped(self):
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for text in ("ok    release: Debian 12 (bookworm) -> Debian 13 (trixie)",
                     "ok    security updates: trixie-security will be a source",
                     "ok    unattended-upgrades: enabled, every 1 day(s); it stays on",
                     "ok    bundle portcullis-2.0.0-trixie.bundle: Portcullis 2.0.0 for Debian 13",
                     "skip  portcullis-upgrade check: needs the running system (--root)",
                     "skip  held packages, dpkg --audit, half-installed packages: no dpkg database",
                     "warn  third-party apt source left alone: /etc/apt/sources.list:6",
                     "check: ready for trixie", "Take a snapshot of this virtual machine", "--pause-for-snapshot"):
            self.assertIn(text, r.stdout)
        # the preflight changes nothing but its log
        logs = list(self.tree.path("/var/log/portcullis-upgrade").glob("dist-upgrade-*.log"))
        self.assertEqual(len(logs), 1)
        self.assertIn("check: ready for trixie", logs[0].read_text())
        self.assertRegex(logs[0].read_text().splitlines()[0], r"^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\] ")

    def test_a_tree_that_is_not_bookworm_is_refused(self):
        self.tree.set_release("trixie", 13)
        r = self.check()
        self.assertEqual(r.returncode, 2)
        self.assertFailLine(r, "the running release is already trixie")
        r = self.check(to="forky")
        self.assertEqual(r.returncode, 2)
        self.assertFailLine(r, "the running release is trixie, not bookworm")
        before = self.tree.apt_snapshot()
        r = self.rewrite(to="forky")
        self.assertEqual(r.returncode, 2)
        self.assertIn("not bookworm", r.stderr)
        self.assertEqual(self.tree.apt_snapshot(), before)
        self.tree.write("/usr/lib/os-release", 'NAME="Ubuntu"\nID=ubuntu\nVERSION_CODENAME=jammy\n')
        self.assertFailLine(self.check(), "not Debian")

    def test_only_the_next_release(self):
        for to, text in (("bookworm", "the running release is already bookworm"),
                         ("forky", "forky skips trixie: Debian upgrades one release at a time"),
                         ("bullseye", "going back from bookworm to bullseye is not possible"),
                         ("sid", "unknown Debian release 'sid'")):
            r = self.check(to=to)
            self.assertEqual(r.returncode, 2, to)
            self.assertFailLine(r, text)
            self.assertIn("nothing was changed", r.stdout)
            r = self.rewrite(to=to)
            self.assertEqual(r.returncode, 2, to)
        self.assertEqual(self.tree.read("/etc/apt/sources.list"), SOURCES_LIST)

    def test_a_bundle_for_debian_12_is_refused(self):
        r = self.check(bundle=self.bundle12)
        self.assertEqual(r.returncode, 2)
        self.assertFailLine(r, 'built for Debian 12 (debian = "12"), not for Debian 13 trixie')
        self.assertNotIn("portcullis-upgrade check", r.stdout)   # the signature check is not reached
        r = self.check(bundle=make_bundle(self.tmp / "x.bundle", manifest=False))
        self.assertFailLine(r, "no manifest.toml")
        r = self.check(bundle=self.tmp / "missing.bundle")
        self.assertEqual(r.returncode, 64)

    def test_not_enough_free_space(self):
        r = self.check(env={"PORTCULLIS_DIST_UPGRADE_MIN_ROOT_MIB": str(1 << 40)})
        self.assertEqual(r.returncode, 2)
        self.assertFailLine(r, "free space:")
        self.assertIn("grow the disk", r.stdout)
        r = self.check(env={"PORTCULLIS_DIST_UPGRADE_MIN_ROOT_MIB": "1", "PORTCULLIS_DIST_UPGRADE_MIN_VAR_MIB": "1"})
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(self.check(env={"PORTCULLIS_DIST_UPGRADE_MIN_VAR_MIB": "lots"}).returncode, 64)

    def test_held_and_half_installed_packages(self):
        self.tree.add_dpkg_status(("base-files", "install ok installed"), ("mariadb-server", "hold ok installed"),
                                  ("clamav", "install ok half-configured"))
        r = self.check()
        self.assertEqual(r.returncode, 2)
        self.assertFailLine(r, "held packages: mariadb-server")
        self.assertFailLine(r, "half-installed packages: clamav")
        self.assertFailLine(r, "dpkg --audit: The following packages are only half configured")
        self.tree.add_dpkg_status(("base-files", "install ok installed"), ("mariadb-server", "install ok installed"))
        r = self.check()
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("ok    no held packages", r.stdout)
        self.assertIn("ok    dpkg --audit: clean", r.stdout)

    def test_unattended_upgrades_must_stay_on_and_follow_the_release(self):
        self.tree.path("/etc/systemd/system/multi-user.target.wants/unattended-upgrades.service").unlink()
        self.assertFailLine(self.check(), "unattended-upgrades: the service is not enabled")
        os.symlink("/lib/systemd/system/unattended-upgrades.service",
                   self.tree.path("/etc/systemd/system/multi-user.target.wants/unattended-upgrades.service"))
        self.tree.write("/etc/apt/apt.conf.d/99local", '// pinned by hand\nAPT::Default-Release "bookworm";\n')
        self.assertFailLine(self.check(), 'apt configuration names bookworm: /etc/apt/apt.conf.d/99local:2: '
                                          'APT::Default-Release "bookworm";')
        self.tree.path("/etc/apt/apt.conf.d/99local").unlink()
        self.tree.write("/etc/apt/apt.conf.d/51origins",
                        'Unattended-Upgrade::Origins-Pattern { "origin=Debian,codename=bookworm-security"; };\n')
        self.assertFailLine(self.check(), "apt configuration names bookworm: /etc/apt/apt.conf.d/51origins:1")
        self.tree.path("/etc/apt/apt.conf.d/51origins").unlink()
        self.tree.write("/etc/apt/apt.conf.d/20auto-upgrades", 'APT::Periodic::Unattended-Upgrade "0";\n')
        self.assertFailLine(self.check(), 'APT::Periodic::Unattended-Upgrade is not "1"')

    def test_the_archive_keyring_must_know_trixie(self):
        for k in self.tree.path("/usr/share/keyrings").glob("debian-archive-trixie-*"):
            k.unlink()
        self.assertFailLine(self.check(), "archive keyring: no trixie keys")

    def test_no_security_source(self):
        self.tree.path("/etc/apt/sources.list.d/portcullis-security.sources").unlink()
        self.tree.write("/etc/apt/sources.list", "deb http://deb.debian.org/debian bookworm main\n")
        self.assertFailLine(self.check(), "no Debian source for bookworm-security")

    def test_one_run_at_a_time(self):
        lock = self.tree.path("/run/lock/portcullis-dist-upgrade.lock")
        with open(lock, "a") as held:
            fcntl.flock(held, fcntl.LOCK_EX)       # a first run holds it
            for r in (self.check(), self.rewrite()):
                self.assertEqual(r.returncode, 2)
                self.assertIn("another portcullis-dist-upgrade is running", r.stderr)
                self.assertIn(str(lock), r.stderr)
            self.assertEqual(self.tree.read("/etc/apt/sources.list"), SOURCES_LIST)
        self.assertEqual(self.rewrite().returncode, 0)   # released: the next one goes

    def test_run_refuses_root(self):
        r = self.du("run", "--to", "trixie", "--bundle", self.bundle13, "--root", self.tree.root, "--yes")
        self.assertEqual(r.returncode, 64)
        self.assertIn("run acts on this system only", r.stderr)
        self.assertEqual(self.tree.read("/etc/apt/sources.list"), SOURCES_LIST)


# --- run, in a private mount namespace with stand-in programs ------------------------------------

FAKE = r"""#!/bin/bash
# Stand-in for apt-get, apt-mark, apt-cache, apt-config, dpkg, dpkg-query, systemctl and
# portcullis-upgrade: records each call; the first call matching $FAKE_FAIL (an ERE on
# "NAME ARGS") fails.
name=$(basename "$0")
call="$name $*"
echo "$call" >> "$FAKE_STATE/calls"
if [ -n "${FAKE_FAIL:-}" ] && [[ $call =~ $FAKE_FAIL ]] && [ ! -e "$FAKE_STATE/failed" ]; then
    touch "$FAKE_STATE/failed"
    echo "$name: simulated failure" >&2
    exit 100
fi
case "$call" in
    "apt-get "*"-s full-upgrade")
        echo "Inst libc6 [2.36-9+deb12u10] (2.41-12 Debian:13.1/stable [amd64])"
        echo "Inst libssl3t64 (3.5.1-1 Debian:13.1/stable [amd64])"
        for p in libssl3 ${FAKE_REMOVE:-}; do echo "Remv $p [1.0]"; done ;;
    "apt-get "*"-y full-upgrade")   # base-files moves on (written in place: a bind mount)
        text=$(sed -e 's/bookworm/trixie/g' -e 's/"12/"13/g' "$FAKE_OSRELEASE")
        printf '%s\n' "$text" > "$FAKE_OSRELEASE" ;;
    "apt-config dump"*)
        echo 'Unattended-Upgrade::Origins-Pattern "";'
        echo 'Unattended-Upgrade::Origins-Pattern:: "origin=Debian,codename=${distro_codename}-security,label=Debian-Security";' ;;
    "apt-cache policy"*)
        [ -z "${FAKE_NO_POLICY:-}" ] && grep -rqs trixie-security /etc/apt/sources.list /etc/apt/sources.list.d &&
            echo " 500 http://deb.debian.org/debian-security trixie-security/main amd64 Packages" &&
            echo "     release v=13,o=Debian,a=stable-security,n=trixie-security,l=Debian-Security,c=main,b=amd64" ;;
    "dpkg-query "*) echo "ii  base-files" ;;
    "portcullis-upgrade backup")
        mkdir -p "$FAKE_STATE/backups/20261123T101500Z"
        echo "database, configuration, rules and package saved"
        echo "$FAKE_STATE/backups/20261123T101500Z" ;;
    "portcullis-upgrade quiesce")   # leaves a responder behind, as the real one does
        sleep 30 &
        echo $! > "$FAKE_STATE/responder.pid" ;;
    "portcullis-upgrade resume")
        [ ! -e "$FAKE_STATE/responder.pid" ] || kill "$(cat "$FAKE_STATE/responder.pid")" 2>/dev/null
        rm -f "$FAKE_STATE/responder.pid" ;;
esac
exit 0
"""

NAMESPACE = r"""set -e
t=$1; shift
mount --bind "$t/etc/apt" /etc/apt
mount --bind "$t/usr/lib/os-release" /etc/os-release
mount --bind "$t/usr/share/keyrings" /usr/share/keyrings
mount --bind "$t/var/log" /var/log
mount --bind "$t/run/lock" /run/lock
[ "$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release)" = bookworm ]
exec "$@"
"""


def _namespaces_work():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    r = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True)
    return r.returncode == 0


@unittest.skipUnless(_namespaces_work(), "needs root and mount namespaces (unshare)")
class RunEnvelope(DistUpgradeCase):
    def setUp(self):
        super().setUp()
        self.state = self.tmp / "state"
        self.state.mkdir()
        self.bin = self.tmp / "bin"
        self.bin.mkdir()
        fake = self.bin / "fake"
        fake.write_text(FAKE)
        fake.chmod(0o755)
        for n in ("apt-get", "apt-mark", "apt-cache", "apt-config", "dpkg", "dpkg-query", "systemctl",
                  "portcullis-upgrade"):
            (self.bin / n).symlink_to("fake")
        self.addCleanup(self.kill_responder)

    def kill_responder(self):
        pid = self.state / "responder.pid"
        if pid.exists():
            try:
                os.kill(int(pid.read_text()), 9)
            except (ProcessLookupError, ValueError):
                pass

    def run_upgrade(self, *extra, fail=None, remove=None, bundle=None, input=None, env=None):
        env = {"PATH": f"{self.bin}:/usr/sbin:/usr/bin:/sbin:/bin", "FAKE_STATE": str(self.state),
               "FAKE_OSRELEASE": str(self.tree.path("/usr/lib/os-release")),
               "PORTCULLIS_DIST_UPGRADE_MIN_ROOT_MIB": "0", "PORTCULLIS_DIST_UPGRADE_MIN_VAR_MIB": "0",
               "FAKE_FAIL": fail or "", "FAKE_REMOVE": remove or "", **(env or {})}
        t0 = time.monotonic()
        r = run(["unshare", "--mount", "--propagation", "private", "bash", "-c", NAMESPACE, "ns", self.tree.root,
                 SCRIPT, "run", "--to", "trixie", "--bundle", bundle or self.bundle13, "--yes", *extra], env=env,
                input=input)
        # Nothing kept our output open: not the responder quiesce left running either.
        self.assertLess(time.monotonic() - t0, 20)
        self.calls = (self.state / "calls").read_text().splitlines() if (self.state / "calls").exists() else []
        logs = sorted(self.tree.path("/var/log/portcullis-upgrade").glob("dist-upgrade-*.log"))
        self.log = logs[-1].read_text() if logs else ""
        return r

    def called(self, prefix):
        return [c for c in self.calls if c.startswith(prefix)]

    def assertSourcesBookworm(self):
        self.assertEqual(self.tree.read("/etc/apt/sources.list"), SOURCES_LIST)
        self.assertEqual(self.tree.read("/etc/apt/sources.list.d/mirror.sources"), MIRROR_SOURCES)
        self.assertEqual(list(self.tree.path("/etc/apt").rglob("*.portcullis-bookworm")), [])

    def test_the_whole_envelope_in_order(self):
        r = self.run_upgrade()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        b = str(self.bundle13)
        steps = [c for c in self.calls if not c.startswith(("dpkg", "apt-mark", "systemctl is-", "apt-config",
                                                             "apt-cache"))]
        self.assertEqual(steps, [
            f"portcullis-upgrade check {b} --for-debian 13",
            "systemctl stop apt-daily.timer apt-daily-upgrade.timer",
            "apt-get -o DPkg::Lock::Timeout=600 -o Dir::Ignore-Files-Silently::=\\.portcullis-[a-z]+$ update",
            "apt-get -o DPkg::Lock::Timeout=600 -o Dir::Ignore-Files-Silently::=\\.portcullis-[a-z]+$ -s full-upgrade",
            "apt-get -o DPkg::Lock::Timeout=600 -o Dir::Ignore-Files-Silently::=\\.portcullis-[a-z]+$ -y --download-only full-upgrade",
            "portcullis-upgrade backup",
            "portcullis-upgrade quiesce",
            "apt-get -o DPkg::Lock::Timeout=600 -o Dir::Ignore-Files-Silently::=\\.portcullis-[a-z]+$ "
            "-o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef -y upgrade",
            "apt-get -o DPkg::Lock::Timeout=600 -o Dir::Ignore-Files-Silently::=\\.portcullis-[a-z]+$ "
            "-o Dpkg::Options::=--force-confold -o Dpkg::Options::=--force-confdef -y full-upgrade",
            f"portcullis-upgrade apply {b} --for-debian 13 --no-quiesce",
            "portcullis-upgrade resume",
            "portcullis-upgrade health",
            "systemctl start apt-daily.timer apt-daily-upgrade.timer",
        ])
        self.assertEqual(self.tree.read("/etc/apt/sources.list"), SOURCES_LIST_TRIXIE)
        self.assertEqual(self.tree.read("/etc/apt/sources.list.portcullis-bookworm"), SOURCES_LIST)
        for text in ("post-check: /etc/os-release says trixie", "post-check: unattended-upgrades enabled",
                     "unattended-upgrades origins follow ${distro_codename} (trixie)",
                     "apt knows Debian's trixie-security", "upgraded to Debian 13 (trixie)",
                     f"backup set: {self.state}/backups/20261123T101500Z", "systemctl reboot"):
            self.assertIn(text, r.stdout)
        # every step in the log, with a time stamp
        self.assertRegex(self.log, r"\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\] full upgrade: apt-get ")
        self.assertIn("packages change from here on", self.log)
        # the lock is free again, though the stand-in responder lived for a while
        with open(self.tree.path("/run/lock/portcullis-dist-upgrade.lock"), "a") as f:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)

    def test_a_post_check_that_needs_attention(self):
        r = self.run_upgrade(env={"FAKE_NO_POLICY": "1"})
        self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
        self.assertIn("ATTENTION: apt has no Debian trixie-security source", r.stdout)
        self.assertIn("upgraded to Debian 13 (trixie)", r.stdout)

    def test_a_failure_before_packages_change_puts_everything_back(self):
        r = self.run_upgrade(fail=r"--download-only full-upgrade$")
        self.assertEqual(r.returncode, 1)
        self.assertSourcesBookworm()
        self.assertEqual(len(self.called("apt-get -o DPkg::Lock::Timeout=600 -o Dir::Ignore-Files-Silently::="
                                         "\\.portcullis-[a-z]+$ -qq update")), 1)   # lists of bookworm again
        self.assertEqual(self.called("portcullis-upgrade quiesce"), [])
        self.assertEqual(self.called("portcullis-upgrade backup"), [])
        self.assertIn("systemctl start apt-daily.timer apt-daily-upgrade.timer", self.calls)
        self.assertIn("FAILED before any package changed", r.stdout)
        self.assertIn("nothing else changed: still Debian 12 (bookworm)", r.stdout)

    def test_a_failed_quiesce_resumes_the_gateway(self):
        r = self.run_upgrade(fail=r"^portcullis-upgrade quiesce$")
        self.assertEqual(r.returncode, 1)
        self.assertSourcesBookworm()
        self.assertEqual(self.called("portcullis-upgrade resume"), ["portcullis-upgrade resume"])
        self.assertEqual([c for c in self.calls if c.endswith(" -y full-upgrade") or c.endswith(" -y upgrade")], [])
        self.assertIn(f"backup set kept: {self.state}/backups/20261123T101500Z", r.stdout)

    def test_an_upgrade_that_would_remove_portcullis_stops_before_changing_anything(self):
        r = self.run_upgrade(remove="portcullis")
        self.assertEqual(r.returncode, 1)
        self.assertIn("the upgrade would remove portcullis", r.stderr)
        self.assertSourcesBookworm()
        self.assertEqual(self.called("portcullis-upgrade quiesce"), [])
        self.assertEqual([c for c in self.calls if "download-only" in c], [])

    def test_a_failure_after_packages_changed_leaves_the_gateway_quiesced(self):
        r = self.run_upgrade(fail=r"-y full-upgrade$")
        self.assertEqual(r.returncode, 3)
        self.assertEqual(self.called("portcullis-upgrade resume"), [])
        self.assertEqual(self.called("portcullis-upgrade apply"), [])
        self.assertNotIn("systemctl start apt-daily.timer apt-daily-upgrade.timer", self.calls)
        self.assertEqual(self.tree.read("/etc/apt/sources.list"), SOURCES_LIST_TRIXIE)   # not put back
        out = r.stdout
        self.assertIn("FAILED after packages began to change", out)
        self.assertIn("the gateway stays quiesced: it answers 421", out)
        self.assertIn("Revert the hypervisor snapshot", out)
        self.assertIn(f"portcullis-upgrade restore {self.state}/backups/20261123T101500Z", out)
        self.assertIn("Debian does not support", out)
        self.assertIn("the gateway stays quiesced", self.log)

    def test_resume_on_failure(self):
        r = self.run_upgrade("--resume-on-failure", fail=r"^portcullis-upgrade apply ")
        self.assertEqual(r.returncode, 3)
        self.assertEqual(self.called("portcullis-upgrade resume"), ["portcullis-upgrade resume"])
        self.assertIn("started anyway (--resume-on-failure)", r.stdout)

    def test_a_failed_health_check_quiesces_again(self):
        r = self.run_upgrade(fail=r"^portcullis-upgrade health$")
        self.assertEqual(r.returncode, 3)
        tail = self.calls[self.calls.index("portcullis-upgrade health"):]
        self.assertEqual(tail[:2], ["portcullis-upgrade health", "portcullis-upgrade quiesce"])
        self.assertIn("the gateway stays quiesced", r.stdout)

    def test_a_pause_for_the_snapshot_while_quiesced(self):
        r = self.run_upgrade("--pause-for-snapshot", input="\n")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        out = r.stdout
        # the snapshot sees bookworm's own sources; trixie's come back after Enter
        order = ["portcullis-upgrade quiesce", "putting the bookworm apt sources back for the snapshot",
                 "restored /etc/apt/sources.list\n", "Take the hypervisor snapshot", "snapshot taken",
                 "rewrote /etc/apt/sources.list ", "minimal upgrade:"]
        pos = 0
        for o in order:
            self.assertIn(o, out[pos:], f"{o!r} not after {pos} in:\n{out}")
            pos = out.index(o, pos) + len(o)
        self.assertEqual(self.tree.read("/etc/apt/sources.list"), SOURCES_LIST_TRIXIE)
        self.assertEqual(self.tree.read("/etc/apt/sources.list.portcullis-bookworm"), SOURCES_LIST)
        # no answer (end of input): stopped before packages, everything put back
        shutil.rmtree(self.tree.root)
        self.tree = Tree(self.tmp / "root")
        (self.state / "calls").unlink()
        r = self.run_upgrade("--pause-for-snapshot", input="")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no Enter (end of input): stopped before any package changed", r.stderr)
        self.assertSourcesBookworm()
        self.assertEqual(self.called("portcullis-upgrade resume"), ["portcullis-upgrade resume"])
        self.assertEqual([c for c in self.calls if c.endswith(" -y upgrade")], [])

    def test_a_failed_preflight_changes_nothing(self):
        r = self.run_upgrade(bundle=self.bundle12)
        self.assertEqual(r.returncode, 2)
        self.assertIn("preflight failed: nothing was changed", r.stderr)
        self.assertSourcesBookworm()
        self.assertEqual([c for c in self.calls if c.startswith(("portcullis-upgrade", "systemctl stop", "apt-get"))], [])


if __name__ == "__main__":
    unittest.main()
