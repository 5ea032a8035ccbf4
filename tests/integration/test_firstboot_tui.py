"""portcullis-firstboot --interactive on a real terminal: the whiptail dialogs under tmux.

A detached tmux server with its own socket runs the wizard on a 100x32 terminal against a
scratch tree (firstboot_tree.ScratchTree); the test types with `tmux send-keys` and reads the
screen with `tmux capture-pane`, waiting (bounded) for each prompt before answering it.
"""
import os
import shlex
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

from firstboot_tree import FIRSTBOOT, ScratchTree
from harness import SANITIZER_RE, keep_tmp, wait_until

PASSWORD = "Correct-Horse-42-battery"
PROMPT_TIMEOUT = 30   # one dialog to appear
APPLY_TIMEOUT = 60    # the whole setup after Apply (scrypt, keys and certificate under ASan)


class Tui:
    """The wizard in a detached tmux session of its own."""

    def __init__(self, workdir, tree):
        self.socket = f"portcullis-fb-{os.getpid()}-{id(self):x}"
        self.rc_file = Path(workdir) / "exit-status"
        self.stderr_file = Path(workdir) / "stderr.txt"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("TMUX")}
        self.env["TERM"] = "xterm"
        self.env["TMUX_TMPDIR"] = str(workdir)  # the socket goes with the test's folder
        command = (f"{shlex.quote(str(FIRSTBOOT))} --root {shlex.quote(str(tree.root))} --interactive"
                   f" 2>{shlex.quote(str(self.stderr_file))}; echo $? > {shlex.quote(str(self.rc_file))}")
        self.tmux("new-session", "-d", "-x", "100", "-y", "32", command)
        # The last screen stays readable after the wizard ends (diagnostics).
        self.tmux("set-option", "-g", "remain-on-exit", "on")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-f", "/dev/null", "-L", self.socket, *args], env=self.env,
                              capture_output=True, text=True, timeout=10, check=True).stdout

    def close(self):
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], env=self.env, capture_output=True, timeout=10)

    def screen(self):
        try:
            return self.tmux("capture-pane", "-p")
        except subprocess.CalledProcessError as e:
            return f"(no screen: {e.stderr.strip()})"

    def diagnostics(self):
        err = self.stderr_file.read_text(errors="replace") if self.stderr_file.exists() else ""
        return f"--- screen ---\n{self.screen()}\n--- stderr ---\n{err}"

    def wait_for(self, text, timeout=PROMPT_TIMEOUT):
        """Waits until `text` (on one screen line) is shown; returns the screen."""
        return wait_until(lambda: (lambda s: s if text in s else None)(self.screen()), timeout,
                          f"'{text}' on the screen", interval=0.1, diagnostics=self.diagnostics)

    def keys(self, *keys):
        self.tmux("send-keys", *keys)

    def type(self, text):
        self.tmux("send-keys", "-l", text)

    def answer(self, prompt, text=None, clear=0):
        """Waits for `prompt`, erases `clear` characters, types `text` and presses Enter."""
        screen = self.wait_for(prompt)
        if clear:
            self.keys(*["BSpace"] * clear)
        if text:
            self.type(text)
        self.keys("Enter")
        return screen

    def exit_status(self, timeout=APPLY_TIMEOUT):
        text = wait_until(lambda: self.rc_file.exists() and self.rc_file.read_text().strip(), timeout,
                          "the wizard to exit", interval=0.2, diagnostics=self.diagnostics)
        return int(text)

    def stderr(self):
        return self.stderr_file.read_text(errors="replace") if self.stderr_file.exists() else ""


@unittest.skipUnless(shutil.which("tmux") and Path("/usr/bin/whiptail").exists(), "needs tmux and whiptail")
@unittest.skipUnless(os.geteuid() == 0, "portcullis-firstboot runs as root")
class FirstbootTuiTest(unittest.TestCase):
    def setUp(self):
        self.assertTrue(FIRSTBOOT.exists(), f"{FIRSTBOOT} is not built")
        self.workdir = tempfile.mkdtemp(prefix="portcullis-fb-tui-")
        if not keep_tmp():
            self.addCleanup(shutil.rmtree, self.workdir, True)
        self.tree = ScratchTree(self.workdir)

    def start(self):
        tui = Tui(self.workdir, self.tree)
        self.addCleanup(tui.close)
        return tui

    def assert_clean_stderr(self, tui):
        self.assertIsNone(SANITIZER_RE.search(tui.stderr()), tui.stderr())

    def test_full_setup_with_a_correction(self):
        tui = self.start()
        tui.answer("Welcome to Portcullis")
        tui.wait_for("How does the gateway get its network address?")
        tui.keys("Down")  # dhcp -> static
        tui.keys("Enter")
        tui.answer("Network interfaces to set up")  # the default
        tui.answer("IP address with prefix length", "192.0.2.10/24")
        tui.answer("Default gateway", "192.0.2.1")
        tui.answer("DNS servers", "192.0.2.53, 2001:db8::53")
        tui.answer("Host name (fully qualified", "mx.example.org")
        screen = tui.answer("Primary domain")  # derived from the host name
        self.assertIn("example.org_", screen)
        tui.answer("Time zone", "Europe/Berlin", clear=len("UTC"))
        tui.answer("Administrator account name")  # admin
        screen = tui.answer("Administrator password (at least", PASSWORD)
        tui.answer("Repeat the administrator password", PASSWORD)
        self.assertNotIn(PASSWORD, tui.screen())  # password boxes show stars
        tui.answer("Protected domain (its mail")
        tui.answer("The domain's mail server", "exchange.example.org:2525")
        tui.answer("Which recipients of the domain")  # all
        screen = tui.answer("Postmaster address")
        self.assertIn("postmaster@example.org", screen)
        tui.answer("Administrator's e-mail address", "it@example.net")
        # A mistyped relay network: the error names the field, the step is asked again with it.
        tui.answer("Networks allowed to relay", "192.0.2.0/33")
        screen = tui.answer("mail.relay_networks: '192.0.2.0/33' is not a network")
        self.assertIn("Please correct", screen)
        screen = tui.answer("Networks allowed to relay", "192.0.2.0/24", clear=len("192.0.2.0/33"))
        self.assertIn("192.0.2.0/33", screen)
        tui.answer("The TLS certificate of the gateway")  # selfsign
        tui.answer("DKIM selector")
        tui.answer("The DKIM key of the")  # rsa
        tui.answer("Send anonymous usage statistics")  # No is the default button
        screen = tui.wait_for("Apply sets up the gateway")
        for text in ("system.hostname", "mx.example.org", "network.address", "192.0.2.10/24", "********"):
            self.assertIn(text, screen)
        self.assertNotIn(PASSWORD, screen)
        tui.keys("Enter")  # Apply

        self.assertEqual(tui.exit_status(), 0, tui.diagnostics())
        self.assert_clean_stderr(tui)

        tree = self.tree
        self.assertEqual(tree.sql("SELECT name, destination_host, destination_port, recipient_mode FROM domains"),
                         [("example.org", "exchange.example.org", 2525, "all")])
        self.assertEqual(tree.sql("SELECT cidr FROM relaynets"), [("192.0.2.0/24",)])
        settings = dict(tree.sql("SELECT key, value FROM settings"))
        self.assertEqual(settings.get("postmaster"), "postmaster@example.org")
        self.assertEqual(settings.get("admin-email"), "it@example.net")
        self.assertEqual(settings.get("telemetry"), "off")
        users = tree.sql("SELECT name, role, password_hash FROM admin_users")
        self.assertEqual([(n, r) for n, r, _ in users], [("admin", "admin")])
        self.assertTrue(users[0][2].startswith("$scrypt$"), users[0][2])

        self.assertEqual(tree.path("/etc/hostname").read_text().strip(), "mx.example.org")
        network = tree.path("/etc/systemd/network/10-portcullis.network").read_text()
        for line in ("Address=192.0.2.10/24", "Gateway=192.0.2.1", "DNS=192.0.2.53", "DNS=2001:db8::53"):
            self.assertIn(line + "\n", network)
        self.assertRegex(tree.path("/etc/shadow").read_text(), r"(?m)^admin:\$y\$")
        # The plain password is nowhere in the tree.
        for base, _, files in os.walk(tree.root):
            for name in files:
                p = Path(base) / name
                if not p.is_symlink():
                    self.assertNotIn(PASSWORD.encode(), p.read_bytes(), p)

    def test_quit_at_the_first_prompt_changes_nothing(self):
        before = self.tree.snapshot()
        tui = self.start()
        tui.answer("Welcome to Portcullis")
        tui.wait_for("How does the gateway get its network address?")
        tui.keys("Escape")  # Back
        tui.wait_for("Quit the setup?")
        tui.keys("Left")  # from Continue (the default) to Quit
        tui.keys("Enter")
        self.assertNotEqual(tui.exit_status(PROMPT_TIMEOUT), 0)
        self.assertIn("cancelled", tui.stderr())
        self.assert_clean_stderr(tui)
        self.assertEqual(self.tree.snapshot(), before)


if __name__ == "__main__":
    unittest.main()
