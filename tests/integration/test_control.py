"""The running daemon's control socket and metrics: `portcullis status`, `reload`,
`log tail`, and GET /metrics, against the real portcullisd.

Run: PORTCULLIS_BIN_DIR=build/sanitize/daemon /usr/bin/python3 -m unittest -v test_control
"""
import os
import stat
import subprocess
import time
import unittest
import urllib.error
import urllib.request

from harness import CLI, GatewayCase, free_port, make_message, smtp_send, wait_until

DEST = "example.test"


class ControlTest(GatewayCase):

    def start_gateway(self, metrics=False):
        self.dest = self.make_sink("dest")
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns()
        self.gw = self.make_gateway(self.dns, self.mx.port)
        if metrics:
            self.metrics_port = free_port()
            self.gw.metrics = {"address": f"127.0.0.1:{self.metrics_port}"}
            self.gw.write_config()
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}",
                    "--recipients", "specified")
        self.gw.cli("recipient", "add", "bob@example.test")
        self.gw.start()

    def status(self):
        return self.gw.status()

    def test_status_counts_and_socket_permissions(self):
        self.start_gateway()
        sock = self.gw.root / "run" / "control.sock"
        st = os.stat(sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        s = self.status()
        self.assertEqual(s["hostname"], "gw.test")
        self.assertEqual(s["pid"], str(self.gw.pid))
        self.assertEqual(s["store_reachable"], "yes")
        self.assertEqual(s["received"], "0")
        t = smtp_send(self.gw.port, "alice@sender.test", ["nobody@example.test", "bob@example.test"],
                      make_message("counted", ["x"], to="bob@example.test"))
        self.assertEqual([c for c, _ in t.rcpts], [550, 250], t)
        self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        s = wait_until(lambda: (lambda m: m if m.get("delivered") == "1" else None)(self.status()), 20,
                       "delivered=1 in status")
        self.assertEqual(s["received"], "1")
        self.assertEqual(s["connections"], "1")
        self.assertEqual(s["rejected.5.1.1"], "1")
        self.assertEqual(s["queue_messages"], "0")

    def test_queue_list_and_flush_over_the_socket(self):
        from harness import free_port
        self.dest = self.make_sink("dest", start=False, port=free_port())
        self.mx = self.make_sink("mx")
        self.dns = self.make_dns()
        self.gw = self.make_gateway(self.dns, self.mx.port, delivery={"retry_base": 3600, "retry_max": 3600})
        self.gw.cli("domain", "add", DEST, "--destination", f"127.0.0.1:{self.dest.port}")
        self.gw.start()
        t = smtp_send(self.gw.port, "alice@sender.test", ["bob@example.test"],
                      make_message("waiting", ["x"], to="bob@example.test"))
        self.assertEqual(t.data[0], 250, t)
        self.gw.wait_event("deferred", queue_id=t.queue_id)
        sock = str(self.gw.root / "run" / "control.sock")
        import socket as socketlib
        import time
        with socketlib.socket(socketlib.AF_UNIX, socketlib.SOCK_STREAM) as s:
            s.settimeout(10)
            s.connect(sock)

            def queue_list():
                s.sendall(b"queue list\n")
                data = b""
                while not data.endswith(b"\n.\n"):
                    chunk = s.recv(4096)
                    self.assertTrue(chunk, data)
                    data += chunk
                return data.decode().splitlines()

            # "deferred" is logged before the retry is scheduled: until then the message
            # shows as in-delivery (bounded wait).
            deadline = time.monotonic() + 10
            lines = queue_list()
            while lines[1:2] == [t.queue_id + " in-delivery"] and time.monotonic() < deadline:
                time.sleep(0.05)
                lines = queue_list()
            self.assertEqual(lines[0], "ok")
            self.assertRegex(lines[1], "^" + t.queue_id + r" due=\d+$")
            s.sendall(b"bogus\n")
            data = b""
            while not data.endswith(b"\n.\n"):
                data += s.recv(4096)
            self.assertTrue(data.startswith(b"error: unknown command"), data)
        # The next retry is an hour away; flush over the socket delivers now.
        self.dest.start()
        mark = self.gw.log_size()
        out = self.gw.cli("queue", "flush").stdout.decode()
        self.assertIn("retrying every deferred message now", out)
        self.gw.wait_event("queue_flush", since=mark)
        self.dest.wait_for(1, timeout=30, diagnostics=self.diag(self.dest))

    def test_reload_and_errors(self):
        self.start_gateway()
        mark = self.gw.log_size()
        out = self.gw.cli("reload").stdout.decode()
        self.assertIn("reloading", out)
        self.gw.wait_event("reload", since=mark, by="control")
        # A daemon that is not running: a clear error naming the socket.
        r = self.gw.cli("status", "--socket", str(self.gw.root / "nothing.sock"), check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot reach portcullisd at", r.stderr.decode())
        self.assertIn("is it running", r.stderr.decode())

    def test_log_tail_follows_live_events(self):
        self.start_gateway()
        cmd = [str(CLI), "--config", str(self.gw.config_path), "log", "tail"]
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.addCleanup(lambda: proc.poll() is None and proc.kill())
        time.sleep(0.5)  # let it subscribe
        t = smtp_send(self.gw.port, "alice@sender.test", ["bob@example.test"],
                      make_message("tailed", ["x"], to="bob@example.test"))
        self.assertEqual(t.data[0], 250, t)
        seen = []
        deadline = time.monotonic() + 20
        os.set_blocking(proc.stdout.fileno(), False)
        buf = b""
        while time.monotonic() < deadline and f"delivered queue_id={t.queue_id}".encode() not in buf:
            chunk = proc.stdout.read()
            if chunk:
                buf += chunk
            time.sleep(0.1)
        proc.kill()
        proc.wait(timeout=10)
        text = buf.decode(errors="replace")
        self.assertIn(f"queued queue_id={t.queue_id}", text)
        self.assertIn(f"delivered queue_id={t.queue_id}", text)
        # The daemon is unharmed by the client going away.
        self.assertEqual(self.status()["received"], "1")

    def test_metrics_endpoint(self):
        self.start_gateway(metrics=True)
        smtp_send(self.gw.port, "alice@sender.test", ["nobody@example.test"],
                  make_message("refused", ["x"], to="nobody@example.test"))
        t = smtp_send(self.gw.port, "alice@sender.test", ["bob@example.test"],
                      make_message("delivered", ["x"], to="bob@example.test"))
        self.assertEqual(t.data[0], 250, t)
        self.dest.wait_for(1, diagnostics=self.diag(self.dest))
        url = f"http://127.0.0.1:{self.metrics_port}/metrics"

        def scrape():
            with urllib.request.urlopen(url, timeout=10) as r:
                self.assertEqual(r.status, 200)
                self.assertIn("text/plain", r.headers["Content-Type"])
                body = r.read().decode()
            return body if "portcullis_messages_delivered_total 1\n" in body else None

        body = wait_until(scrape, 20, "delivered_total 1 in /metrics")
        self.assertIn("portcullis_messages_received_total 1\n", body)
        self.assertIn('portcullis_rejections_total{reason="5.1.1"} 1\n', body)
        self.assertIn("portcullis_connections_total 2\n", body)
        self.assertIn('portcullis_build_info{version="', body)
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/other", timeout=10)
        self.assertEqual(e.exception.code, 404)
        req = urllib.request.Request(url, method="POST", data=b"x")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(req, timeout=10)
        self.assertEqual(e.exception.code, 405)


if __name__ == "__main__":
    unittest.main()
