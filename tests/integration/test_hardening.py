"""The hardened runtime, read from the outside: started as root (as `make test` runs in CI),
portcullisd ends up as its configured user and group with no capabilities, no_new_privs set
and not dumpable (its /proc entries belong to root); it refuses root as its user and an
unknown user; the CLI run as root leaves the database to the daemon's user.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_hardening
"""
import grp
import os
import pwd
import unittest

from harness import RUN_AS, GatewayCase, make_message, smtp_send

DEST = "example.test"


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            fields[key] = value.split()
    return fields


class HardeningTest(GatewayCase):

    def make_peers(self):
        self.dest = self.make_sink("dest")
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns()

    def make_gw(self, **kw):
        if not hasattr(self, "dest"):
            self.make_peers()
        gw = self.make_gateway(self.dns, self.mx.port, **kw)
        gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        return gw

    def test_identity_capabilities_and_flags_after_start(self):
        gw = self.make_gw()
        gw.start()
        st = proc_status(gw.pid)
        if RUN_AS:
            uid, gid = pwd.getpwnam(RUN_AS[0]).pw_uid, grp.getgrnam(RUN_AS[1]).gr_gid
            dropped = gw.wait_event("privileges_dropped")
            self.assertEqual((dropped["user"], dropped["group"]), RUN_AS)
        else:  # started by an unprivileged user: stays that user
            uid, gid = os.getuid(), os.getgid()
        self.assertEqual(st["Uid"], [str(uid)] * 4)  # real, effective, saved, filesystem
        self.assertEqual(st["Gid"], [str(gid)] * 4)
        if RUN_AS:
            self.assertEqual(st["Groups"], [str(gid)])  # no supplementary groups of root
        for cap in ("CapInh", "CapPrm", "CapEff", "CapAmb"):
            self.assertEqual(int(st[cap][0], 16), 0, cap)
        self.assertEqual(st["NoNewPrivs"], ["1"])
        # The system call filter is on every thread (sandbox/seccomp_filter.hpp).
        self.assertEqual(st["Seccomp"], ["2"])
        self.assertEqual(gw.wait_event("seccomp")["mode"], "enforce")
        for task in os.listdir(f"/proc/{gw.pid}/task"):
            self.assertEqual(proc_status(f"{gw.pid}/task/{task}")["Seccomp"], ["2"], f"thread {task}")
        # Not dumpable: the kernel gives the files under /proc/PID to root.
        self.assertEqual(os.stat(f"/proc/{gw.pid}/status").st_uid, 0)
        # And it works: mail flows, the files it made belong to its user.
        t = smtp_send(gw.port, "a@sender.test", ["bob@example.test"], make_message("hi", ["x"]))
        self.assertEqual(t.data[0], 250)
        self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        for name in os.listdir(gw.root / "data"):
            self.assertEqual(os.stat(gw.root / "data" / name).st_uid, uid, name)

    def test_seccomp_log_and_off_modes(self):
        for mode, state in (("log", "2"), ("off", "0")):
            gw = self.make_gw(name=f"gw-{mode}")
            gw.settings["seccomp"] = mode
            gw.write_config()
            gw.start()
            self.assertEqual(proc_status(gw.pid)["Seccomp"], [state], mode)
            self.assertEqual(gw.wait_event("seccomp")["mode"], mode)
            t = smtp_send(gw.port, "a@sender.test", ["bob@example.test"], make_message(mode, ["x"]))
            self.assertEqual(t.data[0], 250)
            self.dest.wait_for(1 if mode == "log" else 2, diagnostics=self.diag(self.dest))
            gw.stop()

    def test_bad_seccomp_mode_is_a_config_error(self):
        gw = self.make_gw()
        gw.settings["seccomp"] = "permissive"
        gw.write_config()
        with self.assertRaises(AssertionError) as e:
            gw.start(timeout=30)
        self.assertIn('expected "enforce", "log" or "off"', str(e.exception))

    @unittest.skipUnless(RUN_AS, "a privilege drop needs root: this checks the refusals of one")
    def test_root_or_unknown_user_is_refused(self):
        gw = self.make_gw()
        for user, message in (("root", "is root"), ("no-such-user-pc", "does not exist")):
            text = gw.config_path.read_text().replace(f'user = "{RUN_AS[0]}"', f'user = "{user}"')
            gw.config_path.write_text(text)
            with self.assertRaises(AssertionError) as e:
                gw.start(timeout=30)
            self.assertIn(message, str(e.exception))
            gw.write_config()


if __name__ == "__main__":
    unittest.main()
